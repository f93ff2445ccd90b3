"""`make demo`: watch one Stash edit become a Plex edit, with no real servers.

Starts the fake Stash and the fake Plex with five matching scenes, saves the
plugin's settings in the fake Stash, edits one scene there, then runs the hook
exactly as Stash does (``PlexSync.py`` as a subprocess, JSON on stdin, another
working folder). The hook only queues the scene and returns; the background
worker it starts does the Plex edit. The demo waits for that edit, shows the
Plex item before and after, the plugin's own log line, and the *Queue status*
task, then waits for the worker to exit and removes its temporary folder.

Real timings: ``PLEXSYNC_TIME_SCALE`` is not set, so the worker lingers its
usual two seconds after the queue is empty before it exits.

Run from the repository root: ``python -m tests.fakes.demo`` (exit 0 on success).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakes.fake_plex import FakeItem, FakePlex
from tests.fakes.fake_stash import FakeStash
from tests.plugin_runner import ROOT, PluginRun, hook_input, run_plugin, task_input, worker_pid

SYNC_DEADLINE_S = 20.0
EXIT_DEADLINE_S = 15.0
DEMO_SCENE = 3  # which of the five scenes gets edited (1-based)

# (file under /media, size in bytes); Plex titles them from the file name, as it
# does without a metadata agent, and Stash has no metadata for them yet.
LIBRARY = [
    ("/media/inbox/beach_trip.mp4", 734_003_200),
    ("/media/inbox/city_lights.mp4", 512_000_000),
    ("/media/inbox/sunset_pier.mp4", 901_775_360),
    ("/media/inbox/morning_run.mkv", 288_358_400),
    ("/media/inbox/rooftop_party.mp4", 1_073_741_824),
]

EDIT = {
    "title": "Sunset at the Old Pier",
    "details": "Golden hour on the pier, filmed in one long take as the tide comes in.",
    "date": "2025-08-14",
    "studio": "Harbour Films",
    "performers": ["Ava Reyes", "Noah Lindqvist"],
    "tags": ["Outdoor", "Golden Hour", "Beach"],
}


class DemoFailed(Exception):
    """The sync did not happen; the message says what was seen instead."""


def main() -> int:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="plexsync-demo-"))
    plex = FakePlex(token="demo-plex-token")
    stash = FakeStash()
    data_dir = tmp / "plugin-data"
    try:
        plex.start()
        stash.start()
        demo = Demo(plex, stash, tmp, data_dir)
        demo.run()
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr)
        _print_log_tail(data_dir, sys.stderr)
        return 1
    except subprocess.TimeoutExpired as exc:
        print(
            f"\nDEMO FAILED: a plugin process ran longer than {exc.timeout:.0f} s", file=sys.stderr
        )
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        leftover = _stop_worker(data_dir)
        stash.stop()
        plex.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        if leftover:
            print(f"warning: {leftover}", file=sys.stderr)
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s; temporary files removed.")
    return 0


class Demo:
    def __init__(self, plex: FakePlex, stash: FakeStash, tmp: Path, data_dir: Path) -> None:
        self.plex = plex
        self.stash = stash
        self.data_dir = data_dir
        self.cwd = tmp / "stash-cwd"  # Stash's working folder, not the plugin's
        self.cwd.mkdir()
        self.env = _plugin_env(data_dir)
        self.connection = stash.server_connection(plugin_dir=str(ROOT), stash_dir=str(self.cwd))

    def run(self) -> None:
        keys, scene_ids = self.build_library()
        scene_id, key = scene_ids[DEMO_SCENE - 1], keys[DEMO_SCENE - 1]
        self.stash.plugin_settings = {
            "PlexSync": {"plexUrl": self.plex.url, "plexToken": self.plex.token}
        }
        _heading("1. Two fake servers on this machine")
        print(f"   Stash  {self.stash.url}   {len(scene_ids)} scenes")
        print(f"   Plex   {self.plex.url}   {len(keys)} items in library 'Movies' under /media")
        print(f"   Plugin settings saved in Stash: plexUrl={self.plex.url}, plexToken=<hidden>")

        before = _item_view(self.plex.item(key))
        self.stash.update_scene(scene_id, **EDIT)
        _heading(f"2. You edit scene {scene_id} in Stash")
        for field in ("title", "details", "date", "studio", "performers", "tags"):
            value = EDIT[field]
            shown = ", ".join(value) if isinstance(value, list) else value
            print(f"   {field:<11} {shown}")

        _heading("3. Stash runs the hook (Scene.Update.Post)")
        fields = ["title", "details", "date", "studio_id", "performer_ids", "tag_ids"]
        t0 = time.perf_counter()
        run = run_plugin(
            hook_input(self.connection, int(scene_id), "Scene.Update.Post", fields),
            self.env,
            self.cwd,
            timeout=30,
        )
        elapsed_ms = (time.perf_counter() - t0) * 1000
        print(f"   stdout  {run.stdout.strip()}")
        print(
            f"   took    {elapsed_ms:.0f} ms, Python start-up included; Stash waits only this long"
        )
        if run.returncode != 0 or _result(run).get("output") != "queued":
            raise DemoFailed(
                f"the hook did not queue the scene (exit {run.returncode}): "
                f"stdout={run.stdout.strip()!r} stderr={run.stderr.strip()!r}"
            )

        _heading("4. The background worker updates Plex")
        t0 = time.monotonic()
        after_item = self.wait_for_sync(key, scene_id)
        print(f"   Plex item {key} updated {time.monotonic() - t0:.1f} s after the hook returned")
        print()
        _side_by_side(before, _item_view(after_item))

        _heading("5. The plugin's log (<data>/logs/plexsync.log)")
        lines = _log_records(self.data_dir)
        mine = [r for r in lines if _mentions_scene(r, scene_id, EDIT["title"])]
        for record in mine or lines[-3:]:
            print(textwrap.fill(_format_record(record), 100, subsequent_indent=" " * 6))

        _heading("6. Task 'Queue status'")
        status = self.task("queue_status")
        result = _result(status)
        if status.returncode != 0 or not isinstance(result.get("output"), dict):
            raise DemoFailed(
                f"the queue_status task failed (exit {status.returncode}): {status.stdout.strip()!r}"
            )
        _print_status(result["output"])

    def build_library(self) -> tuple[list[str], list[str]]:
        section = self.plex.add_section("Movies")
        keys, scene_ids = [], []
        for path, size in LIBRARY:
            stem = Path(path).stem
            keys.append(self.plex.add_item(section, stem.replace("_", " "), [(path, size)]))
            scene_ids.append(self.stash.add_scene(files=[(path, size)]))
        return keys, scene_ids

    def wait_for_sync(self, key: str, scene_id: str) -> FakeItem:
        """Poll the fake Plex until the edit and the poster arrived, or fail at the deadline."""
        wanted = EDIT["title"]
        screenshot = self.stash.scene(scene_id)["screenshot"]

        def synced() -> bool:
            item = self.plex.item(key)
            return (
                item.title == wanted
                and item.studio == EDIT["studio"]
                and sorted(item.actors) == sorted(EDIT["performers"])
                and sorted(item.genres) == sorted(EDIT["tags"])
                and item.poster == screenshot
            )

        if not _poll(synced, SYNC_DEADLINE_S):
            item = self.plex.item(key)
            raise DemoFailed(
                f"Plex item {key} was not updated within {SYNC_DEADLINE_S:.0f} s "
                f"(its title is still {item.title!r}, poster "
                f"{'set' if item.poster else 'missing'}). {self.status_summary()}"
            )
        return self.plex.item(key)

    def status_summary(self) -> str:
        run = self.task("queue_status")
        out = _result(run).get("output")
        if not isinstance(out, dict):
            return f"Queue status failed: {run.stdout.strip() or run.stderr.strip()}"
        counts = ", ".join(
            f"{k}={out.get(k)}" for k in ("pending", "waiting_retry", "dead_letters", "circuit")
        )
        last_error = (out.get("stats") or {}).get("last_error")
        return f"Queue status: {counts}; last error: {last_error or 'none'}"

    def task(self, mode: str, **args: Any) -> PluginRun:
        return run_plugin(task_input(self.connection, mode, **args), self.env, self.cwd, timeout=60)


# ----------------------------------------------------------------- environment


def _plugin_env(data_dir: Path) -> dict[str, str]:
    """What Stash gives a plugin: its own environment, the plugin's parent on PYTHONPATH.

    Anything PLEX*/STASH_PLUGIN* from the caller's shell is dropped, so neither a
    PLEXSYNC_TIME_SCALE nor a PLEX_TOKEN of yours changes what the demo shows.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLEX", "STASH_PLUGIN"))}
    env["STASH_PLUGIN_DATA"] = str(data_dir)
    env["PYTHONPATH"] = str(ROOT.parent)
    return env


def _result(run: PluginRun) -> dict[str, Any]:
    """The plugin's one JSON object, or {} when stdout is not one (the message shows stdout)."""
    try:
        value = json.loads(run.stdout)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _poll(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def _worker_locked(data_dir: Path) -> bool:
    from plugin_core.lock import is_locked

    return is_locked(data_dir / "worker.lock")


def _stop_worker(data_dir: Path) -> str | None:
    """Wait for the worker to exit on its own (it lingers ~2 s); kill it only at the deadline."""
    if _poll(lambda: not _worker_locked(data_dir), EXIT_DEADLINE_S, 0.1):
        return None
    pid = worker_pid(data_dir)
    if pid and _worker_locked(data_dir):
        with contextlib.suppress(OSError):
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        return f"the worker (pid {pid}) did not exit within {EXIT_DEADLINE_S:.0f} s; killed it"
    return None


# ----------------------------------------------------------------- output


def _heading(text: str) -> None:
    print(f"\n== {text}")


def _item_view(item: FakeItem) -> dict[str, str]:
    return {
        "title": item.title,
        "summary": item.summary or "-",
        "date": item.originallyAvailableAt or "-",
        "studio": item.studio or "-",
        "actors": ", ".join(item.actors) or "-",
        "genres": ", ".join(item.genres) or "-",
        "poster": "yes" if item.poster is not None or item.selected_poster else "no",
        "locked": ", ".join(sorted(item.locked)) or "-",
    }


def _side_by_side(before: dict[str, str], after: dict[str, str], width: int = 38) -> None:
    print(f"   {'Plex':<8}  {'BEFORE':<{width}}  AFTER")
    print(f"   {'-' * 8}  {'-' * width}  {'-' * width}")
    for field, old in before.items():
        left = textwrap.wrap(old, width) or [""]
        right = textwrap.wrap(after[field], width) or [""]
        for n in range(max(len(left), len(right))):
            label = field if n == 0 else ""
            a = left[n] if n < len(left) else ""
            b = right[n] if n < len(right) else ""
            print(f"   {label:<8}  {a:<{width}}  {b}".rstrip())


def _log_records(data_dir: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((data_dir / "logs").glob("plexsync.log*")):
        for line in path.read_text("utf-8", "replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                records.append({"msg": line})
    return records


def _mentions_scene(record: dict[str, Any], scene_id: str, title: str) -> bool:
    msg = str(record.get("msg", ""))
    return title in msg or f"scene {scene_id}" in msg


def _format_record(record: dict[str, Any]) -> str:
    level = str(record.get("level", "")).upper()
    return f"   {record.get('ts', '')} {level:<7} {record.get('msg', '')}".rstrip()


def _print_status(output: Any) -> None:
    if not isinstance(output, dict):
        print(f"   {output!r}")
        return
    rows: list[tuple[str, Any]] = [
        (key, output.get(key))
        for key in ("pending", "in_progress", "waiting_retry", "dead_letters", "circuit")
    ]
    rows.append(("last_success_at", output.get("last_success_at")))
    worker = output.get("worker")
    if isinstance(worker, dict):
        rows.append(("worker", f"pid {worker.get('pid')}, lingering before it exits"))
    else:
        rows.append(("worker", "not running"))
    stats = output.get("stats")
    if isinstance(stats, dict):
        counters = ("synced", "unchanged", "failed", "dead_lettered")
        rows.append(("stats", ", ".join(f"{k}={stats.get(k)}" for k in counters)))
        if stats.get("sync_seconds_avg") is not None:
            rows.append(("sync time", f"{stats['sync_seconds_avg']:.3f} s on average"))
    for key, value in rows:
        print(f"   {key:<16} {value}")


def _print_log_tail(data_dir: Path, stream: Any, n: int = 10) -> None:
    records = _log_records(data_dir) if data_dir.exists() else []
    if records:
        print("Last lines of the plugin's log:", file=stream)
        for record in records[-n:]:
            print(_format_record(record), file=stream)


if __name__ == "__main__":
    sys.exit(main())
