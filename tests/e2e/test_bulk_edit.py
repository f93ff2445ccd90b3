"""A bulk edit in Stash: a thousand hooks in a row, one worker, every scene synced."""

from __future__ import annotations

import itertools
import json

from tests.conftest import PluginEnv
from tests.plugin_runner import hook_input, run_plugin, wait_until

HOOKS = 1000
SCENES = 100


def test_thousand_sequential_hooks_one_worker_at_a_time_every_scene_synced(
    plugin_env: PluginEnv,
) -> None:
    keys = {}
    for i in range(SCENES):
        path = f"/media/bulk/{i:03d}.mp4"
        keys[plugin_env.stash.add_scene(title=f"Bulk {i}", files=[(path, i + 1)])] = (
            plugin_env.plex.add_item("1", f"old {i}", [(path, i + 1)])
        )
    scene_ids = list(keys)
    # Hooks run without coverage tracing: this test is about a thousand real hook processes.
    env = {k: v for k, v in plugin_env.env.items() if not k.startswith("COV")}
    outputs = []
    for n in range(HOOKS):
        scene_id = scene_ids[n % SCENES]
        run = run_plugin(
            hook_input(plugin_env.connection, scene_id, fields=["title"]), env, plugin_env.cwd
        )
        outputs.append(run.output)
    assert outputs == ["queued"] * HOOKS
    wait_until(
        lambda: all(
            plugin_env.plex.item(key).title == f"Bulk {i}" for i, key in enumerate(keys.values())
        ),
        120,
        message="every scene of the bulk edit",
    )
    plugin_env.wait_idle(60)
    puts = [r for r in plugin_env.plex.requests if r.method == "PUT"]
    assert len(puts) == SCENES, "each scene is edited once: later events found it up to date"
    spans: dict[int, list[str]] = {}
    for line in plugin_env.log_file_lines():
        record = json.loads(line)
        if record["msg"].startswith(("worker started", "worker finished")):
            spans.setdefault(record["pid"], []).append(record["ts"])
    intervals = sorted((min(ts), max(ts)) for ts in spans.values())
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(intervals))
