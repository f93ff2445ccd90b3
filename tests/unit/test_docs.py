"""The documentation site: every page exists, sits in the nav, and matches the code.

Docs drift from code without anyone noticing, so these tests read the code itself:
the settings from PlexSync.yml, the task modes from tasks/dispatch.py, and the text
of every error and warning message from the source, parsed with `ast`. A message
whose wording changed in the code fails here until docs/troubleshooting.md says the
same thing, so the page a user searches with a pasted log line always has it.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PACKAGES = (
    "plugin_core",
    "hooks",
    "sync_queue",
    "stash_client",
    "plex",
    "validation",
    "worker",
    "tasks",
)
PAGES = (
    "index.md",
    "install.md",
    "configuration.md",
    "tasks.md",
    "ui.md",
    "troubleshooting.md",
    "architecture.md",
    "performance.md",
    "reliability.md",
    "development.md",
    "reference/index.md",
    *(f"reference/{package}.md" for package in PACKAGES),
)
ENVIRONMENT_VARIABLES = (
    "PLEX_URL",
    "PLEX_TOKEN",
    "PLEXSYNC_TIME_SCALE",
    "PLEXSYNC_NO_WORKER",
    "STASH_PLUGIN_DATA",
)
LEGACY_SETTINGS = ("plexHost", "plexPort")

MIN_FRAGMENT = 12
LOGGER_NAMES = frozenset({"log", "logger", "logging"})
LOG_LEVELS = frozenset({"warning", "error", "exception", "critical"})
PROTOCOL_LEVELS = frozenset({"warning", "error"})
# Calls that hand a user-visible message to a printer other than a raise or a logger:
# function name -> position of the message argument. `_last_words(data_dir, message)`
# is the worker's last line in its log file when it cannot even load its logging.
MESSAGE_SINKS = {"_fail": 0, "_last_words": 1}
# `Outcome(SKIPPED, message)`: a skipped scene, logged as a warning by the drain loop.
OUTCOME_CLASS, OUTCOME_WARNING_STATUS = "Outcome", "SKIPPED"
# Class attributes whose strings are advice appended to a warning ("To fix: ..."): each
# failure class says what the user should do (plugin_core/failure.py).
ADVICE_ATTRIBUTES = frozenset({"advice", "RETRY_TROUBLESHOOTING"})
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
_WHITESPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


# ----------------------------------------------------------------- pages and nav


class _MkdocsLoader(yaml.SafeLoader):
    """mkdocs.yml names Python objects (`!!python/name:` for the mermaid fence)."""


_MkdocsLoader.add_multi_constructor(
    "tag:yaml.org,2002:python/", lambda _loader, suffix, _node: suffix
)


def _mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_MkdocsLoader)


def _nav_pages(entry: object) -> Iterator[str]:
    if isinstance(entry, str):
        yield entry
    elif isinstance(entry, list):
        for item in entry:
            yield from _nav_pages(item)
    elif isinstance(entry, dict):
        for value in entry.values():
            yield from _nav_pages(value)


def _modules(package: str) -> list[str]:
    return sorted(
        f"{package}.{path.stem}"
        for path in (ROOT / package).glob("*.py")
        if path.name != "__init__.py"
    )


@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_is_in_nav(page: str) -> None:
    assert (DOCS / page).is_file(), f"docs/{page} is missing"
    nav = set(_nav_pages(_mkdocs_config().get("nav")))
    assert page in nav, f"docs/{page} is not listed in mkdocs.yml nav"


def test_nav_lists_only_existing_pages() -> None:
    missing = [p for p in _nav_pages(_mkdocs_config().get("nav")) if not (DOCS / p).is_file()]
    assert not missing, f"mkdocs.yml nav names pages that do not exist: {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_reference_page_lists_every_module(package: str) -> None:
    text = _read(f"reference/{package}.md")
    documented = set(re.findall(r"^::: ([\w.]+)\s*$", text, flags=re.MULTILINE))
    missing = [m for m in _modules(package) if m not in documented]
    assert not missing, f"docs/reference/{package}.md lacks '::: module' for {missing}"


def test_every_reference_target_imports() -> None:
    targets = sorted(
        {
            target
            for page in DOCS.rglob("*.md")
            for target in re.findall(
                r"^::: ([\w.]+)\s*$", page.read_text(encoding="utf-8"), flags=re.MULTILINE
            )
        }
    )
    assert targets, "no '::: module' directive found under docs/"
    for target in targets:
        importlib.import_module(target)


# ----------------------------------------------------------------- settings and tasks


def _manifest() -> dict:
    return yaml.safe_load((ROOT / "PlexSync.yml").read_text(encoding="utf-8"))


def test_every_setting_is_documented() -> None:
    text = _read("configuration.md")
    keys = list(_manifest()["settings"]) + list(LEGACY_SETTINGS) + list(ENVIRONMENT_VARIABLES)
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"docs/configuration.md does not mention {missing}"


def test_setting_ranges_and_sync_fields_match_the_code() -> None:
    from validation.config import ALL_SYNC_FIELDS, DEFAULT_SYNC_FIELDS, RANGES

    text = _read("configuration.md")
    missing = [
        f"{key} {low}-{high}" for key, (low, high) in RANGES.items() if f"{low}-{high}" not in text
    ]
    missing += [f"syncFields name {name}" for name in ALL_SYNC_FIELDS if f"`{name}`" not in text]
    default = ",".join(DEFAULT_SYNC_FIELDS)
    if default not in text:
        missing.append(f"syncFields default {default}")
    assert not missing, f"docs/configuration.md lacks {missing}"


def _task_modes() -> list[str]:
    tree = ast.parse((ROOT / "tasks" / "dispatch.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if (
            isinstance(target, ast.Name)
            and target.id == "TASKS"
            and isinstance(node.value, ast.Dict)
        ):
            return [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
    raise AssertionError("TASKS not found in tasks/dispatch.py")


def test_every_task_mode_and_button_is_documented() -> None:
    text = _read("tasks.md")
    manifest = _manifest()
    modes = _task_modes()
    assert modes, "tasks/dispatch.py TASKS is empty"
    missing = [f"mode {mode}" for mode in modes if f"`{mode}`" not in text]
    missing += [f"task {task['name']}" for task in manifest["tasks"] if task["name"] not in text]
    missing += [
        f"hook {event}"
        for hook in manifest["hooks"]
        for event in hook["triggeredBy"]
        if event not in text
    ]
    assert not missing, f"docs/tasks.md does not mention {missing}"


# ----------------------------------------------------------------- message templates


@dataclass(frozen=True)
class Message:
    where: str
    fragment: str


def _source_files() -> list[Path]:
    files = [ROOT / "PlexSync.py"]
    for package in PACKAGES:
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


def _constant_parts(node: ast.AST | None) -> list[str] | None:
    """The literal pieces of a str constant or f-string; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        ]
    return None


def _longest_fragment(node: ast.AST | None, printf: bool) -> str | None:
    parts = _constant_parts(node)
    if parts is None:
        return None
    if printf:  # a logging format: the text between %s-style placeholders
        parts = [piece for part in parts for piece in _PRINTF.split(part)]
    pieces = [_normalise(part) for part in parts]
    best = max(pieces, key=len, default="")
    return best if len(best) >= MIN_FRAGMENT else None


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_logger(node: ast.AST) -> bool:
    """`log`, `logger`, `logging`, or `logging.getLogger(...)` called in place."""
    if isinstance(node, ast.Name):
        return node.id in LOGGER_NAMES
    return isinstance(node, ast.Call) and _call_name(node) == "getLogger"


def _arg(call: ast.Call, position: int) -> ast.AST | None:
    return call.args[position] if len(call.args) > position else None


def _exception_classes(trees: list[ast.Module]) -> set[str]:
    """Names of the exception classes the project defines (any depth of subclassing).

    Their messages count even where they are built without `raise` (plex/errors.py
    returns classified errors for the caller to raise). Built-in exceptions count only
    when raised: `ValueError("...")` passed to a translator is never shown as such.
    """
    builtin = {"Exception", "BaseException", "ValueError", "OSError", "RuntimeError"}
    known = set(builtin)
    classes = [node for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for node in classes:
            bases = {
                b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
            }
            if node.name not in known and bases & known:
                known.add(node.name)
                grew = True
    return known - builtin


def _call_message(call: ast.Call, exceptions: set[str]) -> tuple[ast.AST | None, bool] | None:
    """(message expression, is a printf-style logging format) if `call` prints a message."""
    name = _call_name(call)
    func = call.func
    first = _arg(call, 0)
    if name in exceptions:
        return first, False
    if isinstance(func, ast.Attribute) and name in LOG_LEVELS and _is_logger(func.value):
        return first, True
    if name == "log" and isinstance(first, ast.Constant) and first.value in PROTOCOL_LEVELS:
        return _arg(call, 1), False
    if name in MESSAGE_SINKS:
        return _arg(call, MESSAGE_SINKS[name]), False
    if name == OUTCOME_CLASS and isinstance(first, ast.Name) and first.id == OUTCOME_WARNING_STATUS:
        return _arg(call, 1), False
    return None


def _message_nodes(
    tree: ast.Module, exceptions: set[str]
) -> Iterator[tuple[ast.AST, ast.AST | None, bool]]:
    """(node, message expression, is a printf-style logging format) for every message."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            yield node, _arg(node.exc, 0), False
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id in ADVICE_ATTRIBUTES
            for target in node.targets
        ):
            yield node, node.value, False
        if isinstance(node, ast.Call):
            found = _call_message(node, exceptions)
            if found is not None:
                yield node, *found


def code_messages() -> list[Message]:
    """The longest literal fragment of every error and warning message in the code."""
    files = _source_files()
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in files}
    exceptions = _exception_classes(list(trees.values()))
    found: dict[tuple[str, str], Message] = {}
    for path, tree in trees.items():
        for node, expression, printf in _message_nodes(tree, exceptions):
            fragment = _longest_fragment(expression, printf)
            if fragment is None:
                continue
            where = f"{path.relative_to(ROOT).as_posix()}:{getattr(node, 'lineno', '?')}"
            found.setdefault((where, fragment), Message(where, fragment))
    return sorted(found.values(), key=lambda m: m.where)


def test_message_collection_finds_the_known_kinds() -> None:
    """Guard the collector itself: each kind of message source yields something."""
    fragments = {m.fragment for m in code_messages()}
    expected = (
        "PlexSync must be run by Stash, which sends a JSON object on stdin",  # ProtocolError
        "is not set; enter your X-Plex-Token in",  # SettingsError f-string
        "moved to the dead-letter queue (",  # log.warning format
        "; a new queue was started. Run 'Sync all scenes'",  # protocol log("error", ...)
        "; please report this with the debug log",  # _fail(...)
        "Fix pathMap or turn on allowAmbiguousMatch",  # Outcome(SKIPPED, ...)
        "correct the scene in Stash; the next edit queues it again",  # advice attribute
        "in Stash > Settings > Plugins > PlexSync > plexToken",  # AuthError, not raised
        "; a new one was started (run 'Sync all scenes' to rebuild",  # getLogger(...).error
        "; the jobs stay queued",  # _last_words(dir, ...)
    )
    missing = [e for e in expected if not any(e in f for f in fragments)]
    assert not missing, f"the message collector no longer finds {missing}"


def test_every_message_is_in_troubleshooting() -> None:
    page = _normalise(_read("troubleshooting.md"))
    messages = code_messages()
    assert messages, "no messages collected from the code"
    missing = [m for m in messages if m.fragment not in page]
    assert not missing, (
        "docs/troubleshooting.md does not contain these message fragments "
        "(add each message with what it means and what to do):\n"
        + "\n".join(f"  {m.where}: {m.fragment!r}" for m in missing)
    )
