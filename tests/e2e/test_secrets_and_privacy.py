"""Secrets stay secret and paths can be hidden: checked on everything a run leaves behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PluginEnv, _stop_worker
from tests.fakes.fake_plex import FakePlex
from tests.fakes.fake_stash import FakeStash
from tests.plugin_runner import base_env, wait_until

TOKEN = "PLEXTOKEN-zz9-SECRET"
COOKIE = "STASHCOOKIE-qq7-SECRET"
API_KEY = "STASHAPIKEY-kk3-SECRET"
SECRETS = (TOKEN, COOKIE, API_KEY)


@pytest.fixture
def secret_env(tmp_path: Path):
    with (
        FakePlex(token=TOKEN) as plex,
        FakeStash(auth="cookie", api_key=API_KEY, session_cookie=COOKIE) as stash,
    ):
        plex.add_section("Movies")
        data_dir = tmp_path / "plugins" / "PlexSync" / "data"
        cwd = tmp_path / "cwd"
        cwd.mkdir()
        env = PluginEnv(plex, stash, data_dir, cwd, base_env(data_dir))
        env.settings()
        yield env
        _stop_worker(env)


def _run_every_scenario(env: PluginEnv) -> list:
    runs = []
    path = "/media/secret/scene one.mp4"
    key = env.plex.add_item("1", "secret", [(path, 42)])
    scene_id = env.stash.add_scene(title="Secretive", files=[(path, 42)], tags=["a"])
    runs.append(env.hook(scene_id, fields=["title"]))
    wait_until(lambda: env.plex.item(key).title == "Secretive", message="the sync with cookie auth")
    env.wait_idle()
    env.plex.fail_next(2, 503, retry_after="1")
    env.stash.update_scene(scene_id, title="Secretive 2")
    runs.append(env.hook(scene_id, fields=["title"]))
    env.wait_idle()
    for mode in (
        "sync_all",
        "sync_recent",
        "queue_status",
        "health_check",
        "match_report",
        "process_queue",
    ):
        runs.append(env.task(mode))
    env.settings(plexToken=TOKEN + "-wrong")
    env.stash.update_scene(scene_id, title="Secretive 3")
    runs.append(env.hook(scene_id, fields=["title"]))
    env.wait_idle()
    runs.append(env.task("health_check"))
    env.settings(plexUrl=f"http://127.0.0.1:{env.plex.url.rsplit(':', 1)[1]}/?X-Plex-Token={TOKEN}")
    runs.append(env.task("sync_all"))
    env.settings()
    runs.append(env.task("retry_dead_letters"))
    env.wait_idle()
    return runs


def _data_files(data_dir: Path) -> dict[Path, tuple[bytes, int]]:
    """Content and mode of every file, read again if SQLite removed a -wal file meanwhile.

    The worker's last look at the queue after it lets the lock go opens and closes
    queue.db, so its -wal and -shm files may come and go while the test reads them.
    """
    snapshot: dict[Path, tuple[bytes, int]] = {}

    def read_all() -> bool:
        snapshot.clear()
        try:
            for file in data_dir.rglob("*"):
                if file.is_file():
                    snapshot[file] = (file.read_bytes(), file.stat().st_mode)
        except FileNotFoundError:
            return False
        return True

    wait_until(read_all, message="a consistent listing of the data folder")
    return dict(snapshot)


def test_no_secret_in_logs_stdout_data_files_or_plex_urls(secret_env: PluginEnv) -> None:
    runs = _run_every_scenario(secret_env)
    assert secret_env.plex.item(secret_env.plex.items()[0].rating_key).title == "Secretive 3"
    for run in runs:
        for secret in SECRETS:
            assert secret not in run.stdout
            assert secret not in run.stderr
    files = _data_files(secret_env.data_dir)
    assert files
    for file, (blob, mode) in files.items():
        assert all(secret.encode() not in blob for secret in SECRETS), file
        assert mode & 0o077 == 0, f"{file} is readable by others"
    for request in secret_env.plex.requests:
        assert TOKEN not in request.raw_target
        assert request.headers.get("X-Plex-Token", TOKEN).startswith(TOKEN)
    used_api_key = [r for r in secret_env.stash.requests if r.header("ApiKey") == API_KEY]
    assert used_api_key, "the worker should trade the session cookie for the API key"


def test_obfuscate_paths_hides_every_path_in_every_log_line(plugin_env: PluginEnv) -> None:
    plugin_env.settings(obfuscatePaths=True, debugLogging=True)
    visible = "/media/private folder/holiday video.mp4"
    missing = "/media/private folder/not in plex.mp4"
    key = plugin_env.plex.add_item("1", "x", [(visible, 9)])
    found = plugin_env.stash.add_scene(title="Private", files=[(visible, 9)])
    plugin_env.stash.add_scene(title="Missing", files=[(missing, 10)])
    plugin_env.hook(found, fields=["title"])
    wait_until(lambda: plugin_env.plex.item(key).title == "Private", message="the sync")
    plugin_env.wait_idle()
    runs = [
        plugin_env.task("match_report"),
        plugin_env.task("health_check"),
        plugin_env.task("sync_all"),
    ]
    plugin_env.plex.add_item("1", "scanned late", [(missing, 10)])  # the worker's retry finds it
    plugin_env.wait_idle(60)
    lines = plugin_env.log_file_lines() + [line for run in runs for line in run.log_lines()]
    assert any("<path:" in line for line in lines)
    for fragment in ("/media", "private folder", "holiday video", "not in plex"):
        assert not [line for line in lines if fragment in line], fragment
