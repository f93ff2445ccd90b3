#!/usr/bin/env python3
"""`make ui-deps`: what the browser tests (tests/ui) need, on a fresh machine.

* Chromium from the Debian package `chromium` (apt-get), never a browser download
  through Playwright. When it cannot be installed the reason is written to
  ``build/ui-deps/problems.txt`` and the browser tests fail with it.
* The UMD builds of the libraries Stash's UI gives plugins (React 17, ReactDOM 17,
  react-router-dom 5, react-bootstrap 1.6) and Bootstrap 4's CSS, fetched from the
  npm registry with ``npm pack`` (no dependency tree, no node_modules), so the test
  page runs the plugin's JavaScript on the real releases.

Standard library only. Does nothing when everything is already in place.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "build" / "ui-deps"
PROBLEMS = DEST / "problems.txt"
CHROMIUM_ENV = "PLEXSYNC_CHROMIUM"
# package@version -> files (inside the package) the test page loads
PACKAGES = {
    "react@17.0.2": ("umd/react.development.js",),
    "react-dom@17.0.2": ("umd/react-dom.development.js",),
    "react-router-dom@5.3.4": ("umd/react-router-dom.js",),
    "react-bootstrap@1.6.8": ("dist/react-bootstrap.js",),
    "bootstrap@4.6.2": ("dist/css/bootstrap.min.css",),
}


def chromium_path() -> str | None:
    wanted = os.environ.get(CHROMIUM_ENV)
    if wanted:
        return wanted if Path(wanted).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def install_chromium() -> str | None:
    """None when Chromium is there (or now installed), else why not."""
    if chromium_path():
        return None
    if not shutil.which("apt-get"):
        return (
            "Chromium is not installed and apt-get is not available; install Chromium "
            f"and set {CHROMIUM_ENV} to its executable"
        )
    sudo = [] if os.name == "posix" and os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        proc = subprocess.run(sudo + command, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            return f"'{' '.join(command)}' failed: {' / '.join(tail) or proc.returncode}"
    return (
        None
        if chromium_path()
        else "apt-get installed chromium but no chromium executable was found"
    )


def fetch_packages() -> str | None:
    """None when every file is in build/ui-deps, else why not."""
    missing = {spec: files for spec, files in PACKAGES.items() if not _present(spec, files)}
    if not missing:
        return None
    if not shutil.which("npm"):
        return (
            "npm is not installed (Debian: apt-get install npm); it fetches React for the UI tests"
        )
    DEST.mkdir(parents=True, exist_ok=True)
    for spec, files in missing.items():
        proc = subprocess.run(
            ["npm", "pack", "--silent", "--pack-destination", str(DEST), spec],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            return f"npm pack {spec} failed: {proc.stderr.strip()[-300:]}"
        tarball = DEST / proc.stdout.strip().splitlines()[-1]
        _extract(tarball, _folder(spec), files)
        tarball.unlink()
    return None


def _folder(spec: str) -> Path:
    return DEST / spec.rsplit("@", 1)[0]


def _present(spec: str, files: tuple[str, ...]) -> bool:
    return all((_folder(spec) / name).is_file() for name in files)


def _extract(tarball: Path, folder: Path, files: tuple[str, ...]) -> None:
    with tarfile.open(tarball) as archive:
        for name in files:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"{tarball.name} has no {name}")
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())


def main() -> int:
    DEST.mkdir(parents=True, exist_ok=True)
    problems = [p for p in (install_chromium(), fetch_packages()) if p]
    if problems:
        PROBLEMS.write_text("\n".join(problems) + "\n", encoding="utf-8")
        for problem in problems:
            print(f"ui-deps: {problem} (the browser tests will fail with this)", file=sys.stderr)
    elif PROBLEMS.exists():
        PROBLEMS.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
