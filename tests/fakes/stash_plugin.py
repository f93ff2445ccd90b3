"""A plugin installed in the fake Stash: how Stash runs its operations and serves its UI files.

Stash's `runPluginOperation` (pkg/plugin/plugins.go `RunPlugin`, raw.go) starts the
plugin's `exec` with `{"server_connection": ..., "args": ...}` on stdin, waits,
and reads stdout as `{"output": ..., "error": ...}`; stdout that is not such JSON
becomes the output as a string, and a non-zero exit with no `error` becomes the
error `exit status N`. `/plugin/<id>/javascript` and `/css` serve the files the
YAML's `ui:` section names, each followed by a newline (server.go `serveFiles`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.plugin_runner import ROOT, run_plugin


@dataclass
class StashPlugin:
    connection: Callable[[], dict[str, Any]]
    env: dict[str, str]
    cwd: Path
    manifest: Path = ROOT / "PlexSync.yml"
    operations: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run_operation(self, args: dict[str, Any]) -> tuple[Any, str | None]:
        """(output, error) as Stash's RunPlugin gets them from one plugin process."""
        with self._lock:
            self.operations.append(args)
        run = run_plugin({"server_connection": self.connection(), "args": args}, self.env, self.cwd)
        try:
            result = json.loads(run.stdout)
        except ValueError:
            result = {"output": run.stdout}
        if not isinstance(result, dict):
            result = {"output": run.stdout}
        error = result.get("error")
        if run.returncode != 0 and error is None:
            error = f"exit status {run.returncode}"
        return result.get("output"), error

    def modes(self) -> list[str]:
        with self._lock:
            return [str(args.get("mode")) for args in self.operations]

    def ui_files(self, kind: str) -> bytes:
        ui = yaml.safe_load(self.manifest.read_text(encoding="utf-8")).get("ui") or {}
        folder = self.manifest.parent
        return b"".join((folder / name).read_bytes() + b"\n" for name in ui.get(kind) or ())
