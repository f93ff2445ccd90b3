"""A Python without PlexSync's packages, as a plugin-source install meets it (CONTRACT §10).

The interpreter is a bare virtual environment made here (`venv --without-pip`): it
cannot import pydantic, plexapi or stashapi. A stand-in PythonDepManager sits in
the plugins folder; its `ensure_import` records the specs it was given and, in
place of installing them, puts the test environment's site-packages on sys.path.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import PluginEnv
from tests.plugin_runner import ROOT, hook_input, run_plugin, task_input, wait_until
from worker.dependencies import dep_manager_specs

STAND_IN = """
import os, sys

def ensure_import(*specs):
    with open(os.environ["STAND_IN_RECORD"], "a", encoding="utf-8") as handle:
        handle.write("|".join(specs) + "\\n")
    sys.path.append(os.environ["STAND_IN_SITE_PACKAGES"])
"""


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    return str(scripts / ("python.exe" if os.name == "nt" else "python"))


def _with_stand_in(env: PluginEnv, tmp_path: Path) -> tuple[dict[str, str], Path]:
    plugins = tmp_path / "other-plugins"
    (plugins / "PythonDepManager").mkdir(parents=True)
    (plugins / "PythonDepManager" / "__init__.py").write_text(STAND_IN, encoding="utf-8")
    record = tmp_path / "ensure_import.calls"
    extra = {
        "PYTHONPATH": os.pathsep.join([env.env["PYTHONPATH"], str(plugins)]),
        "STAND_IN_RECORD": str(record),
        "STAND_IN_SITE_PACKAGES": sysconfig.get_paths()["purelib"],
    }
    return {**env.env, **extra}, record


def _expected_specs() -> list[str]:
    return [spec for _m, spec in dep_manager_specs((ROOT / "requirements.txt").read_text())]


def test_without_the_packages_or_python_dep_manager_the_error_says_how_to_install(
    plugin_env: PluginEnv, bare_python: str
) -> None:
    run = run_plugin(
        task_input(plugin_env.connection, "health_check"),
        plugin_env.env,
        plugin_env.cwd,
        python=bare_python,
    )
    assert run.returncode == 1
    assert "is missing from the Python that Stash runs" in run.error
    assert f"{bare_python} -m pip install -r {ROOT / 'requirements.txt'}" in run.error


def test_a_task_runs_through_python_dep_manager_without_installed_packages(
    plugin_env: PluginEnv, bare_python: str, tmp_path: Path
) -> None:
    env, record = _with_stand_in(plugin_env, tmp_path)
    run = run_plugin(
        task_input(plugin_env.connection, "health_check"), env, plugin_env.cwd, python=bare_python
    )
    assert run.returncode == 0, run.stderr
    assert run.output["token_valid"] is True
    calls = record.read_text(encoding="utf-8").splitlines()
    assert calls == ["|".join(_expected_specs())]
    assert "persistqueue:persist-queue==1.1.0" in calls[0]


def test_the_worker_started_by_a_hook_gets_its_packages_the_same_way(
    plugin_env: PluginEnv, bare_python: str, tmp_path: Path
) -> None:
    env, record = _with_stand_in(plugin_env, tmp_path)
    key = plugin_env.plex.add_item("1", "plex title", [("/media/dep/a.mp4", 5)])
    scene_id = plugin_env.stash.add_scene(
        title="Through PythonDepManager", files=[("/media/dep/a.mp4", 5)]
    )
    hook = hook_input(plugin_env.connection, scene_id, fields=["title"])
    alone = {**plugin_env.env, "PLEXSYNC_NO_WORKER": "1"}
    # The hook itself needs no package: it queues in the bare Python, no stand-in needed.
    assert run_plugin(hook, alone, plugin_env.cwd, python=bare_python).output == "queued"
    assert run_plugin(hook, env, plugin_env.cwd, python=bare_python).output == "queued"
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Through PythonDepManager",
        message="the worker's sync with packages from PythonDepManager",
    )
    assert record.read_text(encoding="utf-8").splitlines() == ["|".join(_expected_specs())]
