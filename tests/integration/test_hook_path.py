"""The hook as Stash runs it: cheap imports, exact protocol, the job persist-queue reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugin_runner import ENTRY, ROOT, base_env, hook_input, run_plugin

HEAVY = (
    "requests",
    "urllib3",
    "plexapi",
    "stashapi",
    "pydantic",
    "persistqueue",
    "tenacity",
    "filelock",
    "asyncio",
)
CONNECTION = {
    "Scheme": "http",
    "Host": "0.0.0.0",
    "Port": 9,
    "SessionCookie": None,
    "Dir": "",
    "PluginDir": "",
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        k: v
        for k, v in base_env(tmp_path / "data", PLEXSYNC_NO_WORKER="1").items()
        if not k.startswith("COV")
    }


def test_hook_imports_only_the_standard_library(tmp_path: Path, env: dict[str, str]) -> None:
    payload = json.dumps(hook_input(CONNECTION, 12, fields=["title"])).encode()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(ENTRY)],
        input=payload,
        capture_output=True,
        cwd=str(tmp_path),
        env=env,
        check=False,
    )
    assert json.loads(proc.stdout)["output"] == "queued"
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in proc.stderr.decode().splitlines() if "|" in line
    }
    heavy = sorted(name for name in imported if name.split(".")[0] in HEAVY)
    assert heavy == []


def test_persist_queue_in_another_process_gets_exactly_the_job_the_hook_wrote(
    tmp_path: Path, env
) -> None:
    run = run_plugin(hook_input(CONNECTION, "42", "Scene.Create.Post"), env, tmp_path)
    assert run.output == "queued"
    reader = (
        "import json, sys, persistqueue\n"
        "from persistqueue.serializers import json as pq_json\n"
        "q = persistqueue.SQLiteAckQueue(sys.argv[1], db_file_name='queue.db', auto_resume=False,"
        " serializer=pq_json)\n"
        "item = q.get(block=False)\n"
        "q.ack(item)\n"
        "print(json.dumps(item))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", reader, env["STASH_PLUGIN_DATA"]],
        capture_output=True,
        cwd=str(ROOT),
        check=True,
    )
    job = json.loads(proc.stdout)
    assert job["scene_id"] == "42"
    assert job["event"] == "Scene.Create.Post"
    assert job["attempt"] == 0
    assert set(job) == {
        "scene_id",
        "event",
        "enqueued_at",
        "attempt",
        "not_before",
        "last_error",
        "error_kind",
        "first_failure_at",
        "entity",
    }
    assert job["entity"] is None
    assert "pqid" not in job


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "stdin is empty"),
        (b"{not json", "stdin is not valid JSON"),
        (b"\xff\xfe\x00", "stdin is not valid UTF-8"),
        (b"[1, 2]", "stdin must be a JSON object"),
        (b'{"server_connection": {}}', "the input has no 'args' object"),
        (b'{"args": []}', "'args' must be a JSON object"),
        (b'{"args": {"hookContext": {"type": "Scene.Update.Post"}}}', "the hook has no scene id"),
        (
            b'{"args": {"hookContext": {"type": "Scene.Update.Post", "id": "abc"}}}',
            "must be a positive whole number",
        ),
        (b'{"args": {"mode": "explode"}}', "unknown task mode 'explode'"),
        (b'{"args": {}}', "neither a hook context nor a task mode"),
    ],
    ids=[
        "empty",
        "malformed-json",
        "invalid-utf8",
        "not-object",
        "missing-args",
        "args-not-object",
        "hook-without-id",
        "hook-bad-id",
        "unknown-mode",
        "no-mode",
    ],
)
def test_bad_input_gets_one_clear_error_and_exit_code_1(
    tmp_path: Path, env, stdin: bytes, message: str
) -> None:
    run = run_plugin(stdin, env, tmp_path)
    assert run.returncode == 1
    assert message in run.error
    assert run.output is None
    assert "Traceback" not in run.stderr
    assert run.stdout.count("{") == run.stdout.count("}") and run.stdout.startswith('{"output"')


def test_unknown_hook_type_is_skipped_with_exit_0(tmp_path: Path, env) -> None:
    run = run_plugin(hook_input(CONNECTION, 3, "Scene.Destroy.Post"), env, tmp_path)
    assert (run.returncode, run.output, run.error) == (
        0,
        "skipped: hook type Scene.Destroy.Post is not handled",
        None,
    )


def test_scan_update_without_input_fields_is_queued(tmp_path: Path, env) -> None:
    payload = {
        "server_connection": CONNECTION,
        "args": {
            "hookContext": {
                "id": 9,
                "type": "Scene.Update.Post",
                "input": None,
                "inputFields": None,
            }
        },
    }
    assert run_plugin(payload, env, tmp_path).output == "queued"


def test_data_directory_and_queue_are_private_to_the_user(tmp_path: Path, env) -> None:
    run_plugin(hook_input(CONNECTION, 3, fields=["title"]), env, tmp_path)
    data = Path(env["STASH_PLUGIN_DATA"])
    assert data.stat().st_mode & 0o077 == 0
    assert all(f.stat().st_mode & 0o077 == 0 for f in data.iterdir())


def test_default_data_directory_is_under_the_plugin_dir(tmp_path: Path, env) -> None:
    env = {k: v for k, v in env.items() if k != "STASH_PLUGIN_DATA"}
    plugin_dir = tmp_path / "plugins" / "PlexSync"
    plugin_dir.mkdir(parents=True)
    run_plugin(
        hook_input({**CONNECTION, "PluginDir": str(plugin_dir)}, 3, fields=["title"]), env, tmp_path
    )
    assert (plugin_dir / "data" / "queue.db").exists()


def test_hook_runs_with_fcntl_unavailable_as_on_windows(tmp_path: Path, env) -> None:
    """Windows has no fcntl: the hook must import and queue without it (msvcrt path simulated)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "fcntl.py").write_text("raise ImportError('no fcntl on this platform')\n")
    (shim / "msvcrt.py").write_text(
        "LK_NBLCK, LK_UNLCK = 2, 0\n"
        "_held = set()\n"
        "def locking(fd, mode, nbytes):\n"
        "    import os\n"
        "    key = os.fstat(fd).st_ino\n"
        "    if mode == LK_NBLCK:\n"
        "        if key in _held:\n"
        "            raise OSError('locked')\n"
        "        _held.add(key)\n"
        "    else:\n"
        "        _held.discard(key)\n"
    )
    env = {**env, "PYTHONPATH": f"{shim}{__import__('os').pathsep}{env['PYTHONPATH']}"}
    script = f"import sys; sys.argv = [{str(ENTRY)!r}]; import runpy; runpy.run_path({str(ENTRY)!r}, run_name='__main__')"
    payload = json.dumps(hook_input(CONNECTION, 77, fields=["title"])).encode()
    proc = subprocess.run(
        [sys.executable, "-c", script],
        input=payload,
        capture_output=True,
        cwd=str(tmp_path),
        env=env,
        check=False,
    )
    assert json.loads(proc.stdout)["output"] == "queued", proc.stderr.decode()
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import plugin_core.lock as l; print(l.fcntl is None, l.msvcrt is not None)",
        ],
        capture_output=True,
        env=env,
        cwd=str(ROOT),
        check=True,
    )
    assert check.stdout.decode().split() == ["True", "True"]
