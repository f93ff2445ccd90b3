"""Stash's raw protocol: what PlexSync reads from stdin and writes to stdout and stderr."""

from __future__ import annotations

import io
import json

import pytest

from plugin_core import protocol
from plugin_core.protocol import (
    MAX_LOG_LINE_BYTES,
    ProtocolError,
    format_log_line,
    log,
    parse_input,
    progress,
    redact,
    register_secret,
    write_result,
)

pytestmark = pytest.mark.usefixtures("no_secrets")

VALID = {
    "server_connection": {"Scheme": "http", "Host": "0.0.0.0", "Port": 9999},
    "args": {"mode": "queue_status"},
}


# parse_input -------------------------------------------------------------------------


def test_parse_input_accepts_stash_input_as_bytes_and_as_text() -> None:
    raw = json.dumps(VALID)
    assert parse_input(raw.encode()) == VALID
    assert parse_input(raw) == VALID


def test_parse_input_accepts_null_server_connection() -> None:
    assert parse_input(b'{"server_connection": null, "args": {}}')["args"] == {}


@pytest.mark.parametrize("raw", [b"", b"   \n\t", ""])
def test_parse_input_empty_stdin_says_it_must_be_run_by_stash(raw: bytes | str) -> None:
    with pytest.raises(ProtocolError, match=r"stdin is empty.*run by Stash"):
        parse_input(raw)


def test_parse_input_invalid_utf8_names_the_byte_offset() -> None:
    with pytest.raises(ProtocolError, match=r"not valid UTF-8 \(byte 9\)"):
        parse_input(b'{"args": \xff}')


@pytest.mark.parametrize("raw", [b"{", b"{'args': {}}", b'{"args": {}} trailing', b"nan-ish"])
def test_parse_input_invalid_json_is_a_protocol_error(raw: bytes) -> None:
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_input(raw)


def test_parse_input_deeply_nested_json_is_a_protocol_error_not_a_crash() -> None:
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_input(b"[" * 100_000 + b"]" * 100_000)


def test_parse_input_huge_json_error_message_is_shortened() -> None:
    with pytest.raises(ProtocolError) as info:
        parse_input(b'{"args": "' + b"x" * 10_000)
    assert len(str(info.value)) < 400


@pytest.mark.parametrize(
    ("raw", "kind"), [(b"[]", "list"), (b'"args"', "str"), (b"12", "int"), (b"null", "NoneType")]
)
def test_parse_input_non_object_names_the_type_received(raw: bytes, kind: str) -> None:
    with pytest.raises(ProtocolError, match=f"must be a JSON object, got {kind}"):
        parse_input(raw)


@pytest.mark.parametrize("raw", [b"{}", b'{"args": null}', b'{"server_connection": {}}'])
def test_parse_input_missing_args_says_args_is_missing(raw: bytes) -> None:
    with pytest.raises(ProtocolError, match="no 'args' object"):
        parse_input(raw)


@pytest.mark.parametrize("args", ["[]", '"sync_all"', "3"])
def test_parse_input_args_not_an_object_is_rejected(args: str) -> None:
    with pytest.raises(ProtocolError, match="'args' must be a JSON object"):
        parse_input(f'{{"args": {args}}}')


def test_parse_input_server_connection_not_an_object_is_rejected() -> None:
    with pytest.raises(ProtocolError, match="'server_connection' must be a JSON object"):
        parse_input(b'{"args": {}, "server_connection": "http://x"}')


# format_log_line ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "code"),
    [("trace", "t"), ("debug", "d"), ("info", "i"), ("warning", "w"), ("error", "e")],
)
def test_format_log_line_uses_stash_level_prefix(level: str, code: str) -> None:
    assert format_log_line(level, "hello") == f"\x01{code}\x02hello\n"


def test_format_log_line_unknown_level_is_logged_as_info() -> None:
    assert format_log_line("verbose", "x") == "\x01i\x02x\n"


def test_format_log_line_folds_newlines_into_one_line() -> None:
    line = format_log_line("error", "first\nsecond\r\nthird\rfourth")
    assert line.count("\n") == 1
    assert line.endswith("\n")
    assert "first | second" in line
    assert "third" in line
    assert "fourth" in line
    assert "\r" not in line


def test_format_log_line_short_message_is_not_cut() -> None:
    message = "é" * 1000
    assert format_log_line("info", message) == f"\x01i\x02{message}\n"


@pytest.mark.parametrize("char", ["a", "é", "日", "😀"])
def test_format_log_line_caps_at_64000_bytes_with_multibyte_text(char: str) -> None:
    line = format_log_line("warning", char * 70_000)
    encoded = line.encode("utf-8")  # strict: a cut never leaves half a character
    assert len(encoded) <= MAX_LOG_LINE_BYTES
    assert len(encoded) > MAX_LOG_LINE_BYTES - 8
    assert line.startswith("\x01w\x02")
    assert line.endswith("...\n")
    assert line.count("\n") == 1


def test_format_log_line_exactly_at_budget_is_not_cut() -> None:
    budget = MAX_LOG_LINE_BYTES - len(b"\x01i\x02") - 1
    line = format_log_line("info", "a" * budget)
    assert len(line.encode()) == MAX_LOG_LINE_BYTES
    assert not line.endswith("...\n")


def test_log_writes_the_line_to_the_given_stream() -> None:
    stream = io.StringIO()
    log("error", "boom", stream)
    assert stream.getvalue() == "\x01e\x02boom\n"


# progress ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fraction", "shown"), [(-0.5, "0.000"), (0.0, "0.000"), (0.25, "0.250"), (1.0, "1.000")]
)
def test_progress_writes_fraction_line(fraction: float, shown: str) -> None:
    stream = io.StringIO()
    progress(fraction, stream)
    assert stream.getvalue() == f"\x01p\x02{shown}\n"


def test_progress_above_one_is_clamped_to_one() -> None:
    stream = io.StringIO()
    progress(7.5, stream)
    assert stream.getvalue() == "\x01p\x021.000\n"


# write_result and secrets ----------------------------------------------------------


def test_write_result_writes_one_json_object_with_output_and_error() -> None:
    stream = io.StringIO()
    write_result({"queued": 3}, None, stream)
    assert json.loads(stream.getvalue()) == {"output": {"queued": 3}, "error": None}


def test_write_result_keeps_non_ascii_text_readable() -> None:
    stream = io.StringIO()
    write_result("skipped: 日本", None, stream)
    assert "日本" in stream.getvalue()


def test_write_result_serializes_unknown_objects_as_text() -> None:
    stream = io.StringIO()
    write_result({"when": object}, None, stream)
    assert json.loads(stream.getvalue())["output"]["when"] == str(object)


def test_write_result_redacts_a_registered_secret_in_output_and_error() -> None:
    register_secret("TOKEN-SECRET-123")
    stream = io.StringIO()
    write_result({"url": "x?t=TOKEN-SECRET-123"}, "bad token TOKEN-SECRET-123", stream)
    text = stream.getvalue()
    assert "TOKEN-SECRET-123" not in text
    assert json.loads(text) == {"output": {"url": "x?t=***"}, "error": "bad token ***"}


def test_log_line_redacts_every_registered_secret() -> None:
    register_secret("TOKEN-SECRET-123")
    register_secret("cookie-value-xyz")
    line = format_log_line("error", "token TOKEN-SECRET-123 cookie cookie-value-xyz")
    assert "TOKEN-SECRET-123" not in line
    assert "cookie-value-xyz" not in line
    assert line == "\x01e\x02token *** cookie ***\n"


@pytest.mark.parametrize("value", [None, "", "abc"])
def test_register_secret_ignores_empty_and_very_short_values(value: str | None) -> None:
    register_secret(value)
    assert redact("abc and more text") == "abc and more text"
    assert not protocol._SECRETS
