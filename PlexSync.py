#!/usr/bin/env python3
"""PlexSync: keeps Plex Media Server metadata in step with Stash.

Stash runs this file with one JSON object on stdin. Hooks take the fast path
(standard library only, one SQLite insert); tasks import the heavy machinery.
The same file, run with --worker, is the detached background worker.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

try:
    from plugin_core.protocol import (
        EXIT_ERROR,
        EXIT_OK,
        ProtocolError,
        log,
        missing_module_message,
        parse_input,
        write_result,
    )
except ImportError as exc:  # the plugin folder itself is incomplete: answer Stash anyway
    message = f"PlexSync's own module {exc.name!r} is missing: reinstall the plugin"
    import json

    sys.stdout.write(json.dumps({"output": None, "error": message}))
    sys.exit(1)


def main() -> int:
    """Run one hook, task or worker; return the process exit code."""
    os.umask(0o077)
    if sys.argv[1:2] == ["--worker"]:
        from worker.process import run_worker_process

        return run_worker_process(sys.stdin.buffer.read())
    try:
        plugin_input = parse_input(sys.stdin.buffer.read())
        output = _dispatch(plugin_input)
    except ProtocolError as exc:
        return _fail(str(exc))
    except Exception as exc:
        return _fail_unexpected(exc)
    write_result(output, None)
    return EXIT_OK


def _dispatch(plugin_input: dict) -> object:
    args = plugin_input["args"]
    if "hookContext" in args:
        from hooks.handler import HookFailure, handle_hook
        from hooks.hook_event import HookInputError

        try:
            return handle_hook(plugin_input)
        except (HookInputError, HookFailure) as exc:
            raise ProtocolError(str(exc)) from None
    from worker.dependencies import ensure_packages

    ensure_packages()
    from tasks.dispatch import run_task

    return run_task(plugin_input)


def _fail(message: str, output: object = None) -> int:
    log("error", message)
    write_result(output, message)
    return EXIT_ERROR


def _fail_unexpected(exc: Exception) -> int:
    if isinstance(exc, ModuleNotFoundError):
        return _fail(missing_module_message(exc.name))
    from tasks.errors import TaskError

    if isinstance(exc, TaskError):
        return _fail(str(exc), exc.output)
    import traceback

    log("debug", "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return _fail(f"unexpected {type(exc).__name__}: {exc}; please report this with the debug log")


if __name__ == "__main__":
    sys.exit(main())
