"""Crash safety with real processes: SIGKILLed workers and hooks, racing workers, exits."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from plugin_core.lock import FileLock
from sync_queue.job_queue import JobQueue
from tests.conftest import PluginEnv
from tests.plugin_runner import ENTRY, ROOT, hook_input, wait_until


def _scenes(env: PluginEnv, n: int, prefix: str = "Crash") -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        path = f"/media/crash/{i:04d}.mp4"
        key = env.plex.add_item("1", f"plex {i}", [(path, 100 + i)])
        out.append((env.stash.add_scene(title=f"{prefix} {i}", files=[(path, 100 + i)]), key))
    return out


def _worker_cmd() -> list[str]:
    return [sys.executable, str(ENTRY), "--worker"]


def _start_worker(env: PluginEnv) -> subprocess.Popen:
    proc = subprocess.Popen(_worker_cmd(), stdin=subprocess.PIPE, env=env.env, cwd=str(env.cwd))
    proc.stdin.write(
        json.dumps({"server_connection": env.connection, "data_dir": str(env.data_dir)}).encode()
    )
    proc.stdin.close()
    return proc


def _puts_per_item(env: PluginEnv) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in env.plex.requests:
        if request.method == "PUT" and request.path.endswith("/all"):
            key = request.query["id"][0]
            counts[key] = counts.get(key, 0) + 1
    return counts


def _all_synced(env: PluginEnv, scenes: list[tuple[str, str]], prefix: str = "Crash") -> bool:
    return all(env.plex.item(key).title == f"{prefix} {i}" for i, (_sid, key) in enumerate(scenes))


def _queue_job_ids(env: PluginEnv) -> list[str]:
    return [json.loads(row[1])["scene_id"] for row in env.queue_rows()]


def test_worker_killed_mid_sync_many_times_loses_nothing_and_repeats_at_most_once_per_kill(
    plugin_env: PluginEnv,
) -> None:
    scenes = _scenes(plugin_env, 30)
    plugin_env.plex.set_latency(0.02)
    for scene_id, _key in scenes:
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    rng = random.Random(7)
    kills = 0
    for _ in range(6):
        proc = _start_worker(plugin_env)
        time.sleep(rng.uniform(0.3, 0.8))  # a random moment to kill at, not a wait for a result
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
    _start_worker(plugin_env).wait(timeout=120)
    wait_until(lambda: _all_synced(plugin_env, scenes), 60, message="every scene after the kills")
    plugin_env.wait_idle(60)
    puts = _puts_per_item(plugin_env)
    assert all(puts.get(key, 0) >= 1 for _sid, key in scenes)
    assert sum(puts.values()) <= len(scenes) + kills
    posters = plugin_env.plex.count("POST")
    assert posters <= len(scenes) + kills


def test_hooks_killed_while_enqueueing_never_lose_a_queued_job(plugin_env: PluginEnv) -> None:
    # Without coverage tracing, so the kills land inside the hook's real ~40 ms life.
    env = {k: v for k, v in plugin_env.env.items() if not k.startswith("COV")}
    env["PLEXSYNC_NO_WORKER"] = "1"
    rng = random.Random(3)
    confirmed = []
    for i in range(40):
        payload = json.dumps(hook_input(plugin_env.connection, 1000 + i, fields=["title"])).encode()
        proc = subprocess.Popen(
            [sys.executable, str(ENTRY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=str(plugin_env.cwd),
        )
        proc.stdin.write(payload)
        proc.stdin.close()
        time.sleep(rng.uniform(0, 0.12))  # kill at a random point of the hook's short life
        proc.send_signal(signal.SIGKILL)
        out = proc.stdout.read().decode()
        proc.wait()
        if '"queued"' in out:
            confirmed.append(str(1000 + i))
    queued = set(_queue_job_ids(plugin_env))
    assert confirmed, "no hook finished: the kill window is too short for this machine"
    assert set(confirmed) <= queued
    conn = sqlite3.connect(plugin_env.data_dir / "queue.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_two_workers_started_together_only_one_consumes(plugin_env: PluginEnv) -> None:
    scenes = _scenes(plugin_env, 10)
    for scene_id, _key in scenes:
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    first, second = _start_worker(plugin_env), _start_worker(plugin_env)
    first.wait(timeout=120)
    second.wait(timeout=120)
    assert _all_synced(plugin_env, scenes)
    assert set(_puts_per_item(plugin_env).values()) == {1}
    _assert_workers_never_overlap(plugin_env)


def _assert_workers_never_overlap(env: PluginEnv) -> None:
    spans: dict[int, list[str]] = {}
    for line in env.log_file_lines():
        record = json.loads(line)
        if record["msg"].startswith(("worker started", "worker finished")):
            spans.setdefault(record["pid"], []).append(record["ts"])
    intervals = sorted((min(ts), max(ts)) for ts in spans.values())
    for (_s1, e1), (s2, _e2) in itertools.pairwise(intervals):
        assert e1 <= s2, f"two workers consumed at once: {intervals}"


def test_a_hook_never_resets_another_process_in_flight_job(plugin_env: PluginEnv) -> None:
    plugin_env.hook(7, fields=["title"], PLEXSYNC_NO_WORKER="1")
    queue = JobQueue(plugin_env.data_dir)
    [claimed] = queue.take_due(time.time() + 1, 10)
    lock = FileLock(plugin_env.data_dir / "worker.lock")
    assert lock.acquire()
    try:
        assert plugin_env.hook(8, fields=["title"]).output == "queued"
        statuses = {json.loads(r[1])["scene_id"]: r[3] for r in plugin_env.queue_rows()}
        assert statuses == {"7": 2, "8": 0}
    finally:
        lock.release()
        queue.release([claimed])
        queue.close()


def test_job_enqueued_while_the_worker_exits_is_processed(plugin_env: PluginEnv) -> None:
    """The worker re-checks after releasing its lock: a hook that saw it held is not stranded."""
    [(scene_id, key)] = _scenes(plugin_env, 1, prefix="Late")
    script = (
        "import json, sys, time\n"
        "import worker.process as wp\n"
        "from sync_queue.enqueue import enqueue\n"
        "from sync_queue.job import Job\n"
        "real = wp._run_locked\n"
        "calls = []\n"
        "def racing(data_dir, connection):\n"
        "    result = real(data_dir, connection)\n"
        "    if not calls:\n"
        f"        enqueue(data_dir / 'queue.db', Job({scene_id!r}, 'Scene.Update.Post', time.time()))\n"
        "    calls.append(1)\n"
        "    return result\n"
        "wp._run_locked = racing\n"
        "sys.exit(wp.run_worker_process(sys.stdin.buffer.read()))\n"
    )
    payload = json.dumps(
        {"server_connection": plugin_env.connection, "data_dir": str(plugin_env.data_dir)}
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        input=payload.encode(),
        env=plugin_env.env,
        cwd=str(ROOT),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0
    assert plugin_env.plex.item(key).title == "Late 0"
    assert plugin_env.open_jobs() == 0


def test_corrupt_queue_database_is_moved_aside_and_the_hook_still_queues(
    plugin_env: PluginEnv,
) -> None:
    plugin_env.data_dir.mkdir(parents=True)
    (plugin_env.data_dir / "queue.db").write_bytes(b"this is not a database" * 100)
    run = plugin_env.hook(5, fields=["title"], PLEXSYNC_NO_WORKER="1")
    assert run.output == "queued"
    assert any("was corrupt and was moved aside" in line for line in run.log_lines("e"))
    assert len(list(plugin_env.data_dir.glob("queue.db.corrupt-*"))) == 1
    assert _queue_job_ids(plugin_env) == ["5"]


def test_zero_length_queue_database_is_used_as_a_new_queue(plugin_env: PluginEnv) -> None:
    plugin_env.data_dir.mkdir(parents=True)
    (plugin_env.data_dir / "queue.db").write_bytes(b"")
    run = plugin_env.hook(6, fields=["title"], PLEXSYNC_NO_WORKER="1")
    assert run.output == "queued"
    assert _queue_job_ids(plugin_env) == ["6"]


@pytest.fixture
def tiny_disk(tmp_path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs to fill (needs root): {done.stderr.decode().strip()}"
        )
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_fails_the_hook_clearly_and_keeps_the_queue_readable(
    plugin_env: PluginEnv, tiny_disk
) -> None:
    env = {
        **plugin_env.env,
        "STASH_PLUGIN_DATA": str(tiny_disk / "data"),
        "PLEXSYNC_NO_WORKER": "1",
    }
    from tests.plugin_runner import run_plugin

    first = run_plugin(hook_input(plugin_env.connection, 1, fields=["title"]), env, plugin_env.cwd)
    assert first.output == "queued"
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    failed = [
        run_plugin(hook_input(plugin_env.connection, n, fields=["title"]), env, plugin_env.cwd)
        for n in range(2, 40)
    ]
    errors = [r for r in failed if r.returncode != 0]
    assert errors, "the disk never filled up"
    assert [
        r.error for r in errors if "disk holding" not in r.error or "is full" not in r.error
    ] == []
    assert all("Traceback" not in r.stderr for r in failed)
    os.remove(filler)
    conn = sqlite3.connect(tiny_disk / "data" / "queue.db")
    ids = [
        json.loads(row[0])["scene_id"] for row in conn.execute("SELECT data FROM ack_queue_default")
    ]
    conn.close()
    assert ids[0] == "1"
    assert len(ids) == 1 + sum(1 for r in failed if r.returncode == 0)
