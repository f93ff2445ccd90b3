"""Logging for people: one readable line per event in Stash, JSON lines in our own file.

Tasks write to Stash (stderr, with Stash's level prefixes); the detached worker
has no Stash to write to, so both write the same records to a rotated JSON-lines
file in the data directory. Every record passes one filter that removes secrets
and, with obfuscatePaths, file paths, so no handler can leak either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import logging.handlers
import re
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from plugin_core.data_dir import LOG_DIR
from plugin_core.protocol import format_log_line, redact
from plugin_core.utc import iso_utc

LOG_FILE = "plexsync.log"
MAX_LOG_BYTES = 2 * 1024 * 1024
LOG_BACKUPS = 3
STASH_LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warning"}
_PATHISH = re.compile(r"(?<![\w:/.\\])(?:[A-Za-z]:[\\/]|\\\\|/)[^\s'\"<>|,;()]+")


class Redactor(logging.Filter):
    """Formats each record once, then strips secrets and (optionally) file paths from it."""

    def __init__(self) -> None:
        super().__init__()
        self.obfuscate_paths = False
        self.scene_paths: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:  # the traceback joins the message, so it is redacted too
            text += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = record.exc_text = None
        text = redact(text)
        if self.obfuscate_paths:
            text = self.hide_paths(text)
        record.msg, record.args = text, None
        return True

    def hide_paths(self, text: str) -> str:
        for path in sorted(self.scene_paths, key=len, reverse=True):
            if path and path in text:
                text = text.replace(path, _token(path))
        return _PATHISH.sub(lambda m: _token(m.group(0)), text)


def _token(path: str) -> str:
    return f"<path:{hashlib.sha1(path.encode('utf-8', 'replace')).hexdigest()[:8]}>"


REDACTOR = Redactor()


def scene_paths_in_scope(paths: Iterable[str]) -> None:
    """Paths of the scene being worked on, hidden verbatim (spaces and all) when obfuscating."""
    REDACTOR.scene_paths = tuple(p for p in paths if p)


class StashHandler(logging.Handler):
    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        # A record may ask for another level in Stash than in the file (`stash_level`):
        # an internal error's traceback is an error in the file, debug detail in Stash.
        level = getattr(record, "stash_level", None) or STASH_LEVELS.get(record.levelno, "error")
        (self.stream or sys.stderr).write(format_log_line(level, record.getMessage()))
        (self.stream or sys.stderr).flush()


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": f"{iso_utc(record.created)[:-1]}.{int(record.msecs):03d}Z",
                "level": record.levelname.lower(),
                "logger": record.name,
                "pid": record.process,
                "msg": record.getMessage(),
            },
            ensure_ascii=False,
        )


def configure_logging(
    data_dir: Path, *, to_stash: bool, debug: bool = False, obfuscate_paths: bool = False
) -> logging.Logger:
    """Set up the `plexsync` logger for this process (idempotent)."""
    logger = logging.getLogger("plexsync")
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    REDACTOR.obfuscate_paths = obfuscate_paths
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    log_dir = data_dir / LOG_DIR
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    file_handler = logging.handlers.RotatingFileHandler(
        log_dir / LOG_FILE, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(JsonLinesFormatter())
    handlers: list[logging.Handler] = [file_handler]
    if to_stash:
        handlers.append(StashHandler())
    else:  # the detached worker: what a person must see waits in the outbox for Stash
        from worker.outbox_handler import OutboxHandler

        handlers.append(OutboxHandler(data_dir))
    for handler in handlers:
        # On handlers, not the logger: logger filters do not apply to child loggers.
        handler.addFilter(REDACTOR)
        logger.addHandler(handler)
    return logger
