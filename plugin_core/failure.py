"""What a failure means for the job that met it, said once, on the failure's class.

Every failure the worker acts on is a subclass of `Failure` (the Plex family in
plex/errors.py, the Stash family in stash_client/errors.py, `InvalidMetadata`), and
its class attributes say what follows: which retry schedule, whether an attempt is
spent, whether it counts towards the circuit breaker, whether the drain stops, and the
advice the user reads. The retry decision and the drain read these attributes and
nothing else, so a new failure is one class, not four edits.

Anything else that escapes a sync is PlexSync's own bug: `classify()` makes it
an `InternalError`, dead-lettered at once and never retried as if Plex had failed.
Standard library only.
"""

from __future__ import annotations

from plugin_core.protocol import missing_module_message

NO_RETRY = "none"
TRANSIENT = "transient"
NOT_FOUND = "not_found"
RETRY_TROUBLESHOOTING = "see the Troubleshooting page, then run 'Retry dead letters'"

_KINDS: dict[str, type[Failure]] = {}


class Failure(Exception):
    """Base of every failure the worker classifies; subclasses set the attributes below."""

    kind = "error"
    retry = NO_RETRY  # NO_RETRY: dead letter at once; TRANSIENT or NOT_FOUND: that schedule
    spends_attempt = True  # False: the job waits for the server without using its budget
    opens_breaker = False  # counts towards opening the circuit breaker
    stops_drain = False  # every job would fail alike: stop with the jobs queued
    settings_problem = False  # the user must fix a setting; every hook says so until fixed
    advice = RETRY_TROUBLESHOOTING
    is_bug = False  # PlexSync's own bug: logged with its traceback
    retry_after: float | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        _KINDS.setdefault(cls.kind, cls)


def schedule_of(kind: str | None) -> str | None:
    """The retry schedule of a failure kind recorded on a job (None if unknown)."""
    cls = _KINDS.get(kind or "")
    return cls.retry if cls is not None else None


class InternalError(Failure):
    """A bug in PlexSync, not a remote failure: dead-lettered at once, reported with a traceback."""

    kind = "internal"
    is_bug = True
    advice = "report it with the debug log (see the Troubleshooting page)"


class MissingModule(Failure):
    """A package or plugin file is missing: every job would fail alike."""

    kind = "missing_module"
    stops_drain = True


def classify(exc: BaseException) -> Failure:
    """`exc` as a classified failure; an exception nobody classified is an internal error."""
    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, ModuleNotFoundError):
        return MissingModule(missing_module_message(exc.name))
    return InternalError(
        f"internal error ({type(exc).__name__}): {exc}; please report this with the debug log"
    )
