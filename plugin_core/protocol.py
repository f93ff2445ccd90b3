"""Stash's raw plugin protocol: one JSON object in, one JSON object out, logs on stderr.

Standard library only: this module is on the hook's hot path, where every import
is time the user's save waits for.
"""

from __future__ import annotations

import io
import json
import sys

MAX_LOG_LINE_BYTES = 64_000
LEVEL_CODES = {"trace": "t", "debug": "d", "info": "i", "warning": "w", "error": "e"}

EXIT_OK = 0
EXIT_ERROR = 1

_SECRETS: set[str] = set()
MIN_SECRET_LEN = 4


def register_secret(value: str | None) -> None:
    """Never let `value` (the Plex token, Stash's cookie or API key) reach stdout or a log."""
    if value and len(value) >= MIN_SECRET_LEN:
        _SECRETS.add(value)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "***")
    return text


class ProtocolError(Exception):
    """The input from Stash cannot be understood; the message says what and how to fix it."""


OWN_PACKAGES = (
    "plugin_core",
    "hooks",
    "sync_queue",
    "stash_client",
    "plex",
    "validation",
    "worker",
    "tasks",
)


def missing_module_message(name: str | None) -> str:
    """What to do about an ImportError: reinstall the plugin, or install its packages."""
    if (name or "").split(".")[0] in OWN_PACKAGES:
        return (
            f"PlexSync's own module {name!r} is missing: the plugin folder is incomplete; "
            "reinstall the plugin from its source or copy all of its files again"
        )
    return (
        f"the Python package {name!r} is missing from the Python that Stash runs "
        f"({sys.executable}): install PlexSync's packages with {pip_install_command()} "
        "or install the PythonDepManager plugin from Stash's plugin sources, which PlexSync "
        "then asks for them (see the Install page)"
    )


def pip_install_command() -> str:
    """The exact command that installs requirements.txt into this very interpreter."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    requirements = os.path.join(root, "requirements.txt")
    return f"{_quote(sys.executable)} -m pip install -r {_quote(requirements)}"


def _quote(path: str) -> str:
    return f'"{path}"' if " " in path else path


def parse_input(raw: bytes | str) -> dict[str, object]:
    """Decode Stash's stdin into the plugin input object, rejecting anything else clearly."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(
                f"stdin is not valid UTF-8 (byte {exc.start}); "
                "PlexSync must be run by Stash, which sends JSON"
            ) from None
    if not raw.strip():
        raise ProtocolError(
            "stdin is empty; PlexSync must be run by Stash, which sends a JSON object on stdin"
        )
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(
            f"stdin is not valid JSON ({_short(exc)}); expected Stash's plugin input"
        ) from None
    if not isinstance(data, dict):
        raise ProtocolError(f"stdin must be a JSON object, got {type(data).__name__}")
    args = data.get("args")
    if args is None:
        raise ProtocolError(
            "the input has no 'args' object; expected a hook context or a task mode"
        )
    if not isinstance(args, dict):
        raise ProtocolError(f"'args' must be a JSON object, got {type(args).__name__}")
    connection = data.get("server_connection")
    if connection is not None and not isinstance(connection, dict):
        raise ProtocolError("'server_connection' must be a JSON object")
    return data


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def write_result(output: object, error: str | None, stream: io.TextIOBase | None = None) -> None:
    """Write the single JSON object Stash reads from stdout."""
    stream = stream or sys.stdout
    text = json.dumps({"output": output, "error": error}, ensure_ascii=False, default=str)
    stream.write(redact(text))
    stream.flush()


def format_log_line(level: str, message: str) -> str:
    """One Stash log line: level prefix, message capped at Stash's line limit, one line only."""
    code = LEVEL_CODES.get(level, "i")
    text = redact(message).replace("\r", " ").replace("\n", " | ")
    prefix = f"\x01{code}\x02"
    budget = MAX_LOG_LINE_BYTES - len(prefix.encode()) - 1
    encoded = text.encode("utf-8", "replace")
    if len(encoded) > budget:
        text = encoded[: budget - 3].decode("utf-8", "ignore") + "..."
    return f"{prefix}{text}\n"


def log(level: str, message: str, stream: io.TextIOBase | None = None) -> None:
    """Send one log line to Stash on stderr."""
    stream = stream or sys.stderr
    stream.write(format_log_line(level, message))
    stream.flush()


def progress(fraction: float, stream: io.TextIOBase | None = None) -> None:
    """Move Stash's task progress bar; Stash reads the fraction from stderr."""
    stream = stream or sys.stderr
    value = min(1.0, max(0.0, fraction))
    stream.write(f"\x01p\x02{value:.3f}\n")
    stream.flush()
