"""The one boundary where Plex failures are sorted by what PlexSync should do next.

plexapi raises `BadRequest` for every status but 401 and 404 (429 and 5xx included)
and a `TypeError` for statuses requests does not know, so its exception classes say
little. Our HTTP session raises `PlexHTTPError` with the real status and headers
before plexapi sees the response (every status of 400 and above, and any status
requests does not know, so plexapi's `TypeError` never stands for a Plex answer);
`translate()` turns that, or a connection error, into one of the classes below.
Nothing else in the code inspects library errors. Each class says, as class
attributes (see plugin_core/failure.py), what happens next to the job.

`AttributeError`, `TypeError` and other exceptions are not translated: raised in
PlexSync or in plexapi, they are bugs, and the drain reports them as internal errors
instead of retrying them as if Plex had failed.
"""

from __future__ import annotations

import email.utils
import re
import time
from xml.etree.ElementTree import ParseError

import requests

from plugin_core.failure import NOT_FOUND, TRANSIENT, Failure

TRANSIENT_STATUSES = frozenset({408, 425, 429})
AUTH_STATUSES = frozenset({401, 403})
MAX_RETRY_AFTER_S = 3600.0


class PlexHTTPError(Exception):
    """Plex answered with an error status; carries what the classifier needs, never the token."""

    def __init__(self, status: int, method: str, path: str, retry_after: str | None) -> None:
        super().__init__(f"Plex answered {status} to {method} {path}")
        self.status = status
        self.method = method
        self.path = path
        self.retry_after = retry_after


class PlexError(Failure):
    """Base of the Plex failures; the class attributes say what the drain does next."""

    kind = "plex"

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TransientError(PlexError):
    """Worth retrying soon with backoff: 5xx, 429, 408, a garbled answer."""

    kind = "transient"
    retry = TRANSIENT


class ServerDownError(TransientError):
    """Plex cannot be reached at all: the job waits without spending an attempt."""

    kind = "server_down"
    spends_attempt = False
    opens_breaker = True


class PlexTimeoutError(ServerDownError):
    """Plex accepted the connection but did not answer within readTimeout.

    It spends an attempt (one huge item may be what Plex cannot answer) and still
    counts towards the breaker (Plex may be down).
    """

    kind = "timeout"
    spends_attempt = True


class NotFoundError(PlexError):
    """The item or file is not in Plex (yet); retried on a long schedule for a library scan."""

    kind = "not_found"
    retry = NOT_FOUND
    advice = "check that Plex has scanned the file and that pathMap is right, then run 'Retry dead letters'"


class AwaitingScanError(NotFoundError):
    """Not in Plex yet, but Plex was just asked to scan the file's folder (scanPlexFolders).

    Looked for again within seconds while the scan is fresh, without spending an attempt
    of the not-found schedule: a scan that takes a minute must not use up the two hours
    that schedule gives a file Plex has yet to add.
    """

    kind = "awaiting_scan"
    spends_attempt = False


class TlsError(PlexError):
    """Plex's certificate is not trusted: every request would fail alike, so the worker stops."""

    kind = "tls"
    settings_problem = True
    stops_drain = True


class LibraryNotFound(PlexError):
    """A library named in plexLibraries does not exist in Plex: every scene would fail alike."""

    kind = "library_not_found"
    settings_problem = True
    stops_drain = True


class PermanentError(PlexError):
    """Retrying cannot help (a 4xx Plex rejects); goes to the dead-letter queue at once."""

    kind = "permanent"


class AuthError(PermanentError):
    """401/403: the token is wrong or lacks access; the user must fix the plexToken setting."""

    kind = "auth"
    settings_problem = True
    advice = "fix plexToken in Stash > Settings > Plugins > PlexSync, then run 'Retry dead letters'"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER_S)


def translate(exc: BaseException, what: str) -> PlexError:
    """Classify any failure of a Plex call about `what` (e.g. 'item 123')."""
    if isinstance(exc, PlexError):
        return exc
    if isinstance(exc, PlexHTTPError):
        return _from_status(exc.status, what, exc.retry_after)
    if isinstance(exc, requests.exceptions.SSLError):
        return TlsError(
            f"Plex's TLS certificate is not trusted while reading {what}: use the certificate's "
            "host name in plexUrl, or turn on insecureSkipTlsVerify in Stash > Settings > Plugins > PlexSync"
        )
    if isinstance(exc, requests.ConnectionError):
        return ServerDownError(f"Plex is unreachable for {what} ({_reason(exc)})")
    if isinstance(exc, requests.Timeout):
        return PlexTimeoutError(f"Plex did not answer in time for {what}")
    if isinstance(exc, (ParseError, ValueError)):
        return TransientError(
            f"Plex sent an answer PlexSync cannot read for {what} ({type(exc).__name__})"
        )
    if isinstance(exc, requests.RequestException):
        return TransientError(f"request to Plex failed for {what} ({type(exc).__name__})")
    status = _status_from_message(str(exc))
    if status is not None:
        return _from_status(status, what, None)
    raise exc


def _from_status(status: int, what: str, retry_after: str | None) -> PlexError:
    delay = parse_retry_after(retry_after)
    if status in AUTH_STATUSES:
        return AuthError(
            f"Plex refused the token ({status}) for {what}: set a valid X-Plex-Token "
            "in Stash > Settings > Plugins > PlexSync > plexToken",
            status,
        )
    if status == 404:
        return NotFoundError(f"{what} was not found in Plex (404)", status)
    if status in TRANSIENT_STATUSES or status >= 500 or status < 400:
        return TransientError(f"Plex answered {status} for {what}", status, delay)
    return PermanentError(f"Plex rejected the request for {what} ({status})", status)


def _status_from_message(message: str) -> int | None:
    match = re.match(r"\((\d{3})\)", message)
    return int(match.group(1)) if match else None


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "timed out" in text.lower() or isinstance(exc, requests.Timeout):
        return "connection timed out"
    if "name or service not known" in text.lower() or "getaddrinfo" in text.lower():
        return "host name not found"
    return type(exc).__name__
