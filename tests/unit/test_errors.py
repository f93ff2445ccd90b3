"""Plex failures sorted by what PlexSync does next: retry, wait for Plex, or dead-letter."""

from __future__ import annotations

import email.utils
from xml.etree.ElementTree import ParseError

import pytest
import requests

from plex.errors import (
    MAX_RETRY_AFTER_S,
    AuthError,
    NotFoundError,
    PermanentError,
    PlexError,
    PlexHTTPError,
    PlexTimeoutError,
    ServerDownError,
    TransientError,
    parse_retry_after,
    translate,
)

TOKEN = "TOKEN-SECRET-123"
NOW = 1_700_000_000.0


def http(status: int, retry_after: str | None = None) -> PlexError:
    return translate(PlexHTTPError(status, "PUT", "/library/sections/1/all", retry_after), "item 7")


@pytest.mark.parametrize(
    ("status", "cls", "kind"),
    [
        (400, PermanentError, "permanent"),
        (401, AuthError, "auth"),
        (403, AuthError, "auth"),
        (404, NotFoundError, "not_found"),
        (408, TransientError, "transient"),
        (429, TransientError, "transient"),
        (500, TransientError, "transient"),
        (502, TransientError, "transient"),
        (503, TransientError, "transient"),
        (504, TransientError, "transient"),
        (520, TransientError, "transient"),
        (422, PermanentError, "permanent"),
    ],
)
def test_status_is_classified(status: int, cls: type[PlexError], kind: str) -> None:
    error = http(status)
    assert type(error) is cls
    assert error.kind == kind
    assert error.status == status


def test_auth_error_is_permanent_and_tells_the_user_to_fix_plex_token() -> None:
    error = http(401)
    assert isinstance(error, PermanentError)
    assert "plexToken" in str(error)
    assert "(401) for item 7" in str(error)


def test_not_found_message_names_what_was_missing() -> None:
    assert str(http(404)) == "item 7 was not found in Plex (404)"


def test_transient_message_names_status_and_what() -> None:
    assert str(http(503)) == "Plex answered 503 for item 7"


def test_transient_status_carries_retry_after_seconds() -> None:
    assert http(429, "17").retry_after == 17.0
    assert http(503).retry_after is None


def test_connection_refused_means_server_down() -> None:
    exc = requests.ConnectionError("[Errno 111] Connection refused")
    error = translate(exc, "the library index")
    assert type(error) is ServerDownError
    assert error.kind == "server_down"
    assert str(error) == "Plex is unreachable for the library index (connection refused)"


def test_unknown_host_is_server_down_with_a_readable_reason() -> None:
    exc = requests.ConnectionError("getaddrinfo failed: Name or service not known")
    assert str(translate(exc, "x")).endswith("(host name not found)")


def test_connect_timeout_means_server_down() -> None:
    exc = requests.ConnectTimeout("Connection to plex timed out. (connect timeout=5)")
    error = translate(exc, "item 7")
    assert isinstance(error, ServerDownError)
    assert str(error).endswith("(connection timed out)")


def test_read_timeout_is_a_timeout() -> None:
    error = translate(requests.ReadTimeout("read timed out"), "item 7")
    assert type(error) is PlexTimeoutError
    assert error.kind == "timeout"
    assert str(error) == "Plex did not answer in time for item 7"


def test_unreadable_answer_is_transient() -> None:
    error = translate(ParseError("not well-formed"), "item 7")
    assert type(error) is TransientError
    assert str(error) == "Plex sent an answer PlexSync cannot read for item 7 (ParseError)"


def test_other_request_failures_are_transient() -> None:
    error = translate(requests.TooManyRedirects("loop"), "item 7")
    assert type(error) is TransientError


def test_plexapi_style_message_is_classified_by_its_status() -> None:
    class BadRequest(Exception):
        pass

    assert type(translate(BadRequest("(503) service_unavailable; http://plex/x"), "i")) is (
        TransientError
    )
    assert type(translate(BadRequest("(400) bad_request"), "i")) is PermanentError


def test_unknown_exception_is_not_swallowed() -> None:
    with pytest.raises(KeyError):
        translate(KeyError("bug"), "item 7")


@pytest.mark.parametrize("bug", [AttributeError("'NoneType' has no 'tag'"), TypeError("bad arg")])
def test_attribute_and_type_errors_are_bugs_not_plex_answers(bug: Exception) -> None:
    """Our bugs must not be retried as "Plex sent an answer PlexSync cannot read"."""
    with pytest.raises(type(bug)):
        translate(bug, "item 7")


def test_an_unknown_status_is_a_plex_answer() -> None:
    """The session raises unknown statuses (plexapi would fail on them with a TypeError)."""
    error = translate(PlexHTTPError(299, "GET", "/library/metadata/7", None), "item 7")
    assert type(error) is TransientError
    assert str(error) == "Plex answered 299 for item 7"


def test_plex_errors_pass_through_unchanged() -> None:
    error = NotFoundError("x", 404)
    assert translate(error, "y") is error


def test_http_error_message_shows_method_and_path_only() -> None:
    exc = PlexHTTPError(401, "GET", "/library/metadata/5", None)
    assert str(exc) == "Plex answered 401 to GET /library/metadata/5"
    for status in (400, 401, 403, 404, 429, 500, 520):
        assert TOKEN not in str(
            translate(PlexHTTPError(status, "GET", "/library/metadata/5", None), "item 5")
        )


def test_connection_error_text_with_a_token_is_not_repeated() -> None:
    exc = requests.ConnectionError(f"refused http://plex:32400/?X-Plex-Token={TOKEN}")
    assert TOKEN not in str(translate(exc, "item 5"))


# Retry-After -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [("0", 0.0), ("120", 120.0), (" 1.5 ", 1.5)])
def test_retry_after_seconds(value: str, seconds: float) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_is_capped() -> None:
    assert parse_retry_after("86400") == MAX_RETRY_AFTER_S == 3600.0


def test_retry_after_http_date_is_seconds_from_now() -> None:
    header = email.utils.formatdate(NOW + 90, usegmt=True)
    assert parse_retry_after(header, now=NOW) == pytest.approx(90.0)


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after(email.utils.formatdate(NOW - 90, usegmt=True), now=NOW) == 0.0


def test_retry_after_http_date_far_ahead_is_capped() -> None:
    header = email.utils.formatdate(NOW + 10 * 86400, usegmt=True)
    assert parse_retry_after(header, now=NOW) == MAX_RETRY_AFTER_S


@pytest.mark.parametrize("value", [None, "", "soon", "-5", "1e3", "Mon, 99 Foo 2020", "12 apples"])
def test_retry_after_garbage_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value) is None


def test_untrusted_certificate_tells_the_user_about_insecure_skip_tls_verify() -> None:
    exc = requests.exceptions.SSLError(
        "HTTPSConnectionPool(host='plex', port=32400): Max retries exceeded "
        "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: self-signed certificate')))"
    )
    error = translate(exc, "item 7")
    assert "insecureSkipTlsVerify" in str(error)
    assert not isinstance(error, ServerDownError)
