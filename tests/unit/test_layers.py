"""Imports run one way: read from the source with `ast`, every import of every module.

The layers, bottom to top (docs/architecture.md#layers):

    plugin_core                      standard library only
    sync_queue, validation, stash_client
    plex                             (reads settings, keeps its index in sync_queue's db)
    hooks                            the hook: plugin_core and sync_queue only
    worker
    tasks

A module may import its own package and the packages listed for it below, never one
above it: `plex/` importing `worker/` would drag the worker into every Plex test and
make a change to the drain a change to the Plex client.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "plugin_core": set(),
    "sync_queue": {"plugin_core"},
    "validation": {"plugin_core"},
    "stash_client": {"plugin_core"},
    "plex": {"plugin_core", "sync_queue", "validation"},
    "hooks": {"plugin_core", "sync_queue"},
    "worker": {"plugin_core", "sync_queue", "validation", "stash_client", "plex"},
    "tasks": {"plugin_core", "sync_queue", "validation", "stash_client", "plex", "worker"},
}
STANDARD_LIBRARY_ONLY = ("plugin_core", "hooks")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level name) of every import in the file, also those inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def _upward(package: str) -> list[str]:
    own = set(ALLOWED)
    wrong = []
    for path in sorted((ROOT / package).glob("*.py")):
        for line, name in _imports(path):
            if name in own and name != package and name not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return wrong


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_package_imports_a_layer_above_it(package: str) -> None:
    wrong = _upward(package)
    assert not wrong, "imports that run upwards:\n" + "\n".join(wrong)


@pytest.mark.parametrize("package", STANDARD_LIBRARY_ONLY)
def test_the_bottom_and_the_hook_use_only_the_standard_library(package: str) -> None:
    own = set(ALLOWED)
    foreign = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in sorted((ROOT / package).glob("*.py"))
        for line, name in _imports(path)
        if name not in own and name not in sys.stdlib_module_names and name != "__future__"
    ]
    assert not foreign, "\n".join(foreign)


def test_every_product_package_has_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages == set(ALLOWED)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """Guard the reader itself: a worker import in plex/ is found, with its line."""
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from worker.drain import Drainer\n")
    assert (4, "worker") in _imports(module)
