"""What users get: the package Stash installs, and the demo the README points to.

`tools/package.py` builds the zip and index a Stash plugin source serves. These
tests check the zip holds exactly the runtime files and that the index agrees
with it, then install it the way Stash does (unzip into an empty plugin folder)
and run the hook and a task from there, so a module left out of the package
fails here instead of at a user's site.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.fakes.fake_plex import FakePlex
from tests.fakes.fake_stash import FakeStash
from tests.plugin_runner import ROOT, hook_input, run_plugin, task_input

PACKAGE_SCRIPT = ROOT / "tools" / "package.py"
RUNTIME_PACKAGES = (
    "plugin_core",
    "hooks",
    "sync_queue",
    "stash_client",
    "plex",
    "validation",
    "worker",
    "tasks",
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
CHANGELOG_VERSION = re.compile(r"^## \[(\d+\.\d+\.\d+)\]", re.MULTILINE)


def _clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without plugin settings or coverage hooks.

    Coverage is dropped so that it does not record modules of the unzipped copy,
    whose temporary paths are gone when the report is made.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLEX", "STASH_PLUGIN", "COV", "PYTHONPATH"))
    }
    env.update(extra)
    return env


def _build(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PACKAGE_SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=_clean_env(),
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = _build(out)
    assert proc.returncode == 0, proc.stderr
    assert "PlexSync.zip" in proc.stdout
    return out


def _expected_files() -> set[str]:
    names = {"PlexSync.py", "PlexSync.yml", "requirements.txt", "LICENSE"}
    names |= {name for name in ("README.md",) if (ROOT / name).is_file()}
    for package in RUNTIME_PACKAGES:
        names |= {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / package).rglob("*.py")
            if "__pycache__" not in path.parts
        }
    ui = yaml.safe_load((ROOT / "PlexSync.yml").read_text(encoding="utf-8"))["ui"]
    return names | set(ui["javascript"]) | set(ui["css"])


def _index(dist: Path) -> dict:
    entries = yaml.safe_load((dist / "index.yml").read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    assert len(entries) == 1
    return entries[0]


def _manifest_version() -> str:
    return str(yaml.safe_load((ROOT / "PlexSync.yml").read_text(encoding="utf-8"))["version"])


def _git_short_hash() -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


# ----------------------------------------------------------------- the zip and the index


def test_zip_holds_exactly_the_runtime_files_at_its_root(dist: Path) -> None:
    with zipfile.ZipFile(dist / "PlexSync.zip") as archive:
        names = archive.namelist()
        infos = archive.infolist()
    assert set(names) == _expected_files()
    assert names == sorted(names)
    assert "PlexSync.yml" in names  # at the root: Stash unzips into <plugins>/PlexSync/
    assert not [n for n in names if n.startswith(("tests/", "docs/", "benchmarks/", "tools/"))]
    assert not [n for n in names if n.endswith((".pyc", ".pyo")) or "__pycache__" in n]
    assert not [n for n in names if n.startswith(("data/", ".")) or n.endswith(".db")]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644, info.filename  # readable once unzipped


def test_zip_is_byte_for_byte_reproducible(dist: Path, tmp_path: Path) -> None:
    proc = _build(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "PlexSync.zip").read_bytes() == (dist / "PlexSync.zip").read_bytes()
    assert (tmp_path / "index.yml").read_text() == (dist / "index.yml").read_text()


def test_index_entry_describes_the_zip_in_stash_source_format(dist: Path) -> None:
    entry = _index(dist)
    assert set(entry) == {
        "id",
        "name",
        "metadata",
        "version",
        "date",
        "path",
        "sha256",
        "requires",
    }
    assert entry["id"] == "PlexSync"
    assert entry["name"] == "PlexSync"
    assert isinstance(entry["metadata"], dict)
    assert entry["path"] == "PlexSync.zip"
    assert entry["requires"] == ["PythonDepManager"]  # from "# requires:" in PlexSync.yml
    assert isinstance(entry["date"], str)
    assert DATE.match(entry["date"]), entry["date"]  # Stash parses "2006-01-02 15:04:05" (UTC)
    digest = hashlib.sha256((dist / "PlexSync.zip").read_bytes()).hexdigest()
    assert entry["sha256"] == digest


def test_version_comes_from_the_manifest_and_matches_the_changelog(dist: Path) -> None:
    version = _manifest_version()
    entry = _index(dist)
    short = _git_short_hash()
    assert entry["version"] == (f"{version}-{short}" if short else version)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = CHANGELOG_VERSION.search(changelog)
    assert newest is not None, "CHANGELOG.md has no '## [x.y.z]' entry"
    assert newest.group(1) == version


# ----------------------------------------------------------------- installed from the zip


@pytest.fixture
def installed(dist: Path, tmp_path: Path) -> Path:
    """The zip unpacked as Stash's package manager does: into an empty <plugins>/PlexSync."""
    plugin_dir = tmp_path / "plugins" / "PlexSync"
    plugin_dir.mkdir(parents=True)
    with zipfile.ZipFile(dist / "PlexSync.zip") as archive:
        archive.extractall(plugin_dir)
    return plugin_dir


def _installed_env(plugin_dir: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    return _clean_env(
        STASH_PLUGIN_DATA=str(data_dir),
        PYTHONPATH=str(plugin_dir.parent),
        PLEXSYNC_TIME_SCALE="0.01",
        **extra,
    )


def test_unzipped_plugin_queues_a_hook_and_reports_it_in_queue_status(
    installed: Path, tmp_path: Path, fake_stash: FakeStash
) -> None:
    data_dir = tmp_path / "plugin-data"
    cwd = tmp_path / "stash-cwd"
    cwd.mkdir()
    env = _installed_env(installed, data_dir, PLEXSYNC_NO_WORKER="1")
    connection = fake_stash.server_connection(plugin_dir=str(installed), stash_dir=str(cwd))
    entry = installed / "PlexSync.py"

    hook = run_plugin(hook_input(connection, 12, fields=["title"]), env, cwd, entry=entry)
    assert hook.returncode == 0, hook.stderr
    assert hook.result == {"output": "queued", "error": None}
    conn = sqlite3.connect(data_dir / "queue.db")
    try:
        rows = conn.execute("SELECT data, status FROM ack_queue_default").fetchall()
    finally:
        conn.close()
    assert len(rows) == 1
    assert json.loads(rows[0][0])["scene_id"] == "12"

    status = run_plugin(task_input(connection, "queue_status"), env, cwd, entry=entry)
    assert status.returncode == 0, status.stderr
    out = status.output
    assert out["pending"] == 1
    assert out["in_progress"] == 0
    assert out["waiting_retry"] == 0
    assert out["dead_letters"] == 0
    assert out["circuit"] == "closed"
    assert out["last_success_at"] is None
    assert not (installed / "data").exists()  # STASH_PLUGIN_DATA was honoured


def test_unzipped_plugin_reaches_plex_with_settings_from_stash(
    installed: Path, tmp_path: Path, fake_stash: FakeStash, fake_plex: FakePlex
) -> None:
    """Health check imports the heavy half (plexapi, stashapi, pydantic) from the zip's files."""
    section = fake_plex.add_section("Movies")
    fake_plex.add_item(section, "one", [("/media/one.mp4", 1000)])
    fake_stash.add_scene(title="One", files=[("/media/one.mp4", 1000)])
    fake_stash.plugin_settings = {
        "PlexSync": {"plexUrl": fake_plex.url, "plexToken": fake_plex.token}
    }
    cwd = tmp_path / "stash-cwd"
    cwd.mkdir()
    env = _installed_env(installed, tmp_path / "plugin-data", PLEXSYNC_NO_WORKER="1")
    connection = fake_stash.server_connection(plugin_dir=str(installed), stash_dir=str(cwd))

    run = run_plugin(
        task_input(connection, "health_check"), env, cwd, entry=installed / "PlexSync.py"
    )
    assert run.returncode == 0, run.stderr
    assert run.output["plex_reachable"] is True
    assert run.output["token_valid"] is True
    assert run.output["sample_match_rate"] == 1


# ----------------------------------------------------------------- make demo


def test_demo_runs_and_shows_the_synced_item() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fakes.demo"],
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        env=_clean_env(),
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '{"output": "queued", "error": null}' in proc.stdout
    after = [line for line in proc.stdout.splitlines() if line.strip().startswith("title")]
    assert any("Sunset at the Old Pier" in line for line in after), proc.stdout
    assert "BEFORE" in proc.stdout
    assert "AFTER" in proc.stdout
    assert "circuit" in proc.stdout


def test_the_zip_carries_the_agpl_licence_that_pyproject_names(dist: Path) -> None:
    with zipfile.ZipFile(dist / "PlexSync.zip") as archive:
        licence = archive.read("LICENSE").decode("utf-8")
    assert licence.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in licence
    assert "13. Remote Network Interaction" in licence
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^license = "AGPL-3.0-or-later"$', pyproject, re.MULTILINE)
