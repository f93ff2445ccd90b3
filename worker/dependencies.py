"""Missing runtime packages, installed the Stash way: through the PythonDepManager plugin.

A user who installs PlexSync from a plugin source gets PythonDepManager with it
(`# requires: PythonDepManager` in PlexSync.yml) and should never need a shell.
When a package of requirements.txt cannot be found and PythonDepManager can be
imported (it sits beside PlexSync in the plugins folder, which Stash puts on
PYTHONPATH), tasks and the worker hand it the requirement specs before their
heavy imports. Without it nothing happens here, and the ImportError that follows
says which interpreter lacks what and the pip command that fixes it.

Standard library only. The hook never calls this: it needs no package at all.
"""

from __future__ import annotations

import importlib.util
import os
import re

PLUGIN_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
REQUIREMENTS = os.path.join(PLUGIN_ROOT, "requirements.txt")
# Distribution name -> the module PlexSync imports, where they differ.
IMPORT_NAMES = {"stashapp-tools": "stashapi", "persist-queue": "persistqueue"}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$")


def dep_manager_specs(requirements: str) -> list[tuple[str, str]]:
    """(module, spec) per requirement, in the spec language PythonDepManager understands.

    It reads `import:name==version` or `import:name>=version` and nothing more, so a
    pin stays a pin and a range becomes its lower bound.
    """
    specs = []
    for line in requirements.splitlines():
        found = _REQUIREMENT.match(line.split("#", 1)[0].strip())
        if not found:
            continue
        name, constraint = found.groups()
        module = IMPORT_NAMES.get(name.lower(), name.lower().replace("-", "_"))
        pinned = re.search(r"==\s*([^,\s]+)", constraint)
        lower = re.search(r">=\s*([^,\s]+)", constraint)
        version = f"=={pinned.group(1)}" if pinned else f">={lower.group(1)}" if lower else ""
        prefix = f"{module}:" if module != name else ""
        specs.append((module, f"{prefix}{name}{version}"))
    return specs


def missing_modules(specs: list[tuple[str, str]]) -> list[str]:
    return [module for module, _spec in specs if importlib.util.find_spec(module) is None]


def ensure_packages(requirements_path: str = REQUIREMENTS) -> list[str]:
    """Ask PythonDepManager for the packages when one is missing; the specs it was given."""
    try:
        with open(requirements_path, encoding="utf-8") as handle:
            specs = dep_manager_specs(handle.read())
    except OSError:
        return []
    if not missing_modules(specs):
        return []
    try:
        from PythonDepManager import ensure_import
    except ImportError:
        return []
    wanted = [spec for _module, spec in specs]
    try:
        ensure_import(*wanted)
    except Exception:  # its own log says why; the ImportError that follows says what to do
        return []
    importlib.invalidate_caches()
    return wanted
