#!/usr/bin/env python3
"""`make package`: build the plugin as a Stash plugin source serves it.

Writes two files into ``dist/`` (or ``--out DIR``):

* ``PlexSync.zip``: only what the plugin needs at run time, at the root of the
  zip, because Stash unpacks a package's zip straight into
  ``<plugins>/<id>/``. Deterministic: sorted entries, fixed timestamps and
  permissions, so the same sources always give the same bytes and sha256.
* ``index.yml``: a one-entry package index in the format of Stash's plugin
  sources (as the CommunityScripts build writes it). Point Stash at it under
  Settings > Plugins > Available Plugins > Add source, or merge the entry into
  another source's index.

The version comes from ``version:`` in PlexSync.yml, the one place it lives; in a
git checkout ``-<short commit hash>`` is appended and the date is the commit's
(UTC), so that building the same commit twice gives the same index. Outside git
the date is ``$SOURCE_DATE_EPOCH`` if set, else now.

Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from plugin_core.protocol import OWN_PACKAGES  # noqa: E402  (the plugin's own package list)

PLUGIN_ID = "PlexSync"
MANIFEST = f"{PLUGIN_ID}.yml"
ZIP_NAME = f"{PLUGIN_ID}.zip"
INDEX_NAME = "index.yml"

# What Stash runs; everything else in the repository (tests, docs, benchmarks, tools,
# the venv, a local data/ folder) stays out of the package.
RUNTIME_FILES = (f"{PLUGIN_ID}.py", MANIFEST, "requirements.txt", "LICENSE")
RUNTIME_PACKAGES = OWN_PACKAGES
OPTIONAL_FILES = ("README.md",)
# The JavaScript and CSS that PlexSync.yml's `ui:` section loads into Stash's web UI.
UI_FOLDER, UI_SUFFIXES = "ui", (".js", ".css")

# Zip entries carry no build-time information: 1980-01-01 is the earliest time a
# zip can hold, and Unix mode 0644 makes Stash (Go's archive/zip reads it) create
# readable files; mode 0 would give files nobody can read.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644
UNIX = 3

_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$")


class PackageError(Exception):
    """Something the person building the package must fix; the message says what."""


@dataclass(frozen=True)
class Built:
    zip_path: Path
    index_path: Path
    files: tuple[str, ...]
    version: str
    date: str
    sha256: str


def runtime_files(root: Path = ROOT) -> list[str]:
    """Paths (relative, with /) of every file that goes into the zip, sorted."""
    names = []
    for name in RUNTIME_FILES:
        if not (root / name).is_file():
            raise PackageError(f"{name} is missing from {root}; it is a runtime file")
        names.append(name)
    for package in RUNTIME_PACKAGES:
        folder = root / package
        if not (folder / "__init__.py").is_file():
            raise PackageError(f"{package}/__init__.py is missing from {root}")
        for path in folder.rglob("*.py"):
            rel = path.relative_to(root)
            if any(part == "__pycache__" or part.startswith(".") for part in rel.parts):
                continue
            names.append(rel.as_posix())
    ui_files = sorted((root / UI_FOLDER).glob("*"))
    names.extend(p.relative_to(root).as_posix() for p in ui_files if p.suffix in UI_SUFFIXES)
    names.extend(name for name in OPTIONAL_FILES if (root / name).is_file())
    return sorted(names)


def manifest_field(text: str, key: str) -> str | None:
    """A top-level scalar of PlexSync.yml, read the way the CommunityScripts build reads it."""
    match = re.search(rf"^{re.escape(key)}:[ \t]*(.*?)[ \t]*\r?$", text, re.MULTILINE)
    if match is None:
        return None
    value = match.group(1)
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return value or None


def manifest_requires(text: str) -> list[str]:
    """Plugins named on `# requires: A, B` lines, which the CommunityScripts build lists."""
    names: list[str] = []
    for match in re.finditer(r"^#[ \t]*requires:(.*)$", text, re.MULTILINE):
        names += [name.strip() for name in match.group(1).split(",") if name.strip()]
    return names


def plugin_version(root: Path = ROOT) -> str:
    text = (root / MANIFEST).read_text(encoding="utf-8")
    version = manifest_field(text, "version")
    if version is None:
        raise PackageError(f"{MANIFEST} has no top-level 'version:'; add one, e.g. version: 1.1.0")
    if not _VERSION.match(version):
        raise PackageError(f"{MANIFEST} version {version!r} is not of the form 1.2.3")
    return version


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def git_commit(root: Path = ROOT) -> tuple[str, int] | None:
    """(short hash, commit time) of HEAD when `root` is a git checkout with a commit."""
    if _git(root, "rev-parse", "--is-inside-work-tree") != "true":
        return None
    short = _git(root, "rev-parse", "--short", "HEAD")
    stamp = _git(root, "log", "-1", "--format=%ct", "HEAD")
    if short is None or stamp is None or not stamp.isdigit():
        return None
    return short, int(stamp)


def uncommitted(root: Path, files: list[str]) -> list[str]:
    """Packaged files that differ from HEAD (the hash in the version would not describe them)."""
    status = _git(root, "status", "--porcelain", "--", *files)
    return [line[3:] for line in status.splitlines()] if status else []


def build_zip(root: Path, files: list[str], target: Path) -> None:
    tmp = target.with_name(target.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = UNIX
            info.external_attr = ZIP_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (root / name).read_bytes(), compresslevel=9)
    os.replace(tmp, target)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _quoted(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(value, ensure_ascii=False)


def index_entry(
    *,
    name: str,
    description: str | None,
    version: str,
    date: str,
    sha256: str,
    requires: list[str] | None = None,
) -> str:
    lines = [
        f"- id: {PLUGIN_ID}",
        f"  name: {_quoted(name)}",
    ]
    if description:
        lines += ["  metadata:", f"    description: {_quoted(description)}"]
    else:
        lines.append("  metadata: {}")
    lines += [
        f"  version: {_quoted(version)}",
        f"  date: {_quoted(date)}",
        f"  path: {ZIP_NAME}",
        f"  sha256: {_quoted(sha256)}",
    ]
    if requires:
        lines += ["  requires:", *(f"    - {_quoted(r)}" for r in requires)]
    else:
        lines.append("  requires: []")
    return "\n".join(lines) + "\n"


def build(out_dir: Path, root: Path = ROOT) -> Built:
    files = runtime_files(root)
    version = plugin_version(root)
    manifest = (root / MANIFEST).read_text(encoding="utf-8")
    commit = git_commit(root)
    if commit is not None:
        short, stamp = commit
        version = f"{version}-{short}"
    else:
        stamp = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    date = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(stamp))

    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / ZIP_NAME
    build_zip(root, files, zip_path)
    digest = sha256_of(zip_path)
    index_path = out_dir / INDEX_NAME
    entry = index_entry(
        name=manifest_field(manifest, "name") or PLUGIN_ID,
        description=manifest_field(manifest, "description"),
        version=version,
        date=date,
        sha256=digest,
        requires=manifest_requires(manifest),
    )
    index_path.write_text(entry, encoding="utf-8")
    return Built(zip_path, index_path, tuple(files), version, date, digest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tools/package.py",
        description="Build dist/PlexSync.zip and dist/index.yml for a Stash plugin source.",
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist", help="output folder (default: dist/)"
    )
    args = parser.parse_args(argv)
    try:
        built = build(args.out.resolve())
    except (PackageError, OSError) as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1

    size = built.zip_path.stat().st_size
    packages = sorted({name.split("/")[0] for name in built.files if "/" in name})
    top = [name for name in built.files if "/" not in name]
    print(f"Built {PLUGIN_ID} {built.version} ({built.date} UTC)")
    print(f"  {built.zip_path}  {size / 1024:.1f} KiB, {len(built.files)} files")
    print(f"    files:    {', '.join(top)}")
    print(f"    packages: {', '.join(p + '/' for p in packages)} (.py only)")
    print(f"  {built.index_path}  sha256 {built.sha256}")
    changed = uncommitted(ROOT, list(built.files)) if git_commit(ROOT) else []
    if changed:
        print(
            f"note: {len(changed)} packaged file(s) differ from the commit in the version "
            f"({', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
