"""reconcile: Plex changed behind PlexSync's back; only the drifted items are found and fixed."""

from __future__ import annotations

import requests

from tests.conftest import PluginEnv

AGENT_SUMMARY = "What the Plex agent wrote"


def _synced_library(env: PluginEnv, n: int) -> list[str]:
    keys = []
    for i in range(n):
        path = f"/media/rec/{i}.mp4"
        keys.append(env.plex.add_item("1", f"file {i}", [(path, 10 + i)], summary=AGENT_SUMMARY))
        env.stash.add_scene(
            title=f"Title {i}",
            details=f"Details {i}",
            tags=["Beach", f"Tag {i}"],
            files=[(path, 10 + i)],
        )
    assert env.task("sync_all").output["synced"] == n
    env.plex.clear_requests()
    return keys


def _writes(env: PluginEnv) -> list:
    return [r for r in env.plex.requests if r.method in ("PUT", "POST", "DELETE")]


def _refresh(env: PluginEnv, key: str) -> None:
    """An agent refresh, as Plex Web's "Refresh metadata" sends it."""
    response = requests.put(
        f"{env.plex.url}/library/metadata/{key}/refresh",
        headers={"X-Plex-Token": env.plex.token},
        timeout=5,
    )
    response.raise_for_status()


def test_reconcile_of_an_in_sync_library_reads_in_batches_and_writes_nothing(
    plugin_env: PluginEnv,
) -> None:
    _synced_library(plugin_env, 60)
    run = plugin_env.task("reconcile")
    assert run.returncode == 0, run.stderr
    assert run.output["checked"] == 60
    assert (run.output["differing"], run.output["queued"], run.output["unmatched"]) == (0, 0, 0)
    assert _writes(plugin_env) == []
    reads = [r for r in plugin_env.plex.requests if r.path.startswith("/library/metadata/")]
    assert len(reads) == 2  # 50 + 10 items
    progress = run.progress_values()
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_reconcile_finds_exactly_the_drifted_items_and_fixes_them(plugin_env: PluginEnv) -> None:
    keys = _synced_library(plugin_env, 5)
    plugin_env.stash.add_scene(title="Not in Plex", files=[("/media/rec/none.mp4", 1)])
    plugin_env.plex.item(keys[0]).title = "Edited in Plex"
    plugin_env.plex.revert_unlocked_on_refresh = True
    plugin_env.plex.item(keys[1]).locked.discard("summary")
    _refresh(plugin_env, keys[1])
    assert plugin_env.plex.item(keys[1]).summary == AGENT_SUMMARY
    plugin_env.plex.item(keys[2]).genres.remove("Beach")
    plugin_env.plex.item(keys[3]).locked.discard(
        "title"
    )  # right value, but a refresh would revert it
    plugin_env.plex.clear_requests()

    run = plugin_env.task("reconcile")

    assert run.returncode == 0, run.stderr
    out = run.output
    assert (out["checked"], out["differing"], out["queued"], out["unmatched"]) == (5, 4, 4, 1)
    assert out["synced"] == 4
    infos = [line for line in run.log_lines("i") if "differs in" in line]
    assert len(infos) == 4
    assert f"Plex item {keys[0]} differs in title;" in " ".join(infos)
    assert f"Plex item {keys[1]} differs in summary;" in " ".join(infos)
    assert f"Plex item {keys[2]} differs in tags;" in " ".join(infos)
    assert f"Plex item {keys[3]} differs in title;" in " ".join(infos)
    items = [plugin_env.plex.item(k) for k in keys]
    assert items[0].title == "Title 0"
    assert items[1].summary == "Details 1" and "summary" in items[1].locked
    assert sorted(items[2].genres) == ["Beach", "Tag 2"]
    assert "title" in items[3].locked
    assert sorted({r.query["id"][0] for r in _writes(plugin_env)}) == sorted(keys[:4])
    plugin_env.plex.clear_requests()
    again = plugin_env.task("reconcile")
    assert (again.output["differing"], again.output["queued"]) == (0, 0)
    assert _writes(plugin_env) == []
