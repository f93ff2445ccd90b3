"""Settings as the user enters them in Stash: defaults, ranges, legacy keys, the secret token."""

from __future__ import annotations

from typing import Any

import pytest

from validation.config import (
    ALL_SYNC_FIELDS,
    BOOLEAN_KEYS,
    DEFAULT_PLEX_URL,
    DEFAULT_SYNC_FIELDS,
    PathRule,
    Settings,
    SettingsError,
    load_settings,
    parse_list,
    parse_path_map,
)

TOKEN = "TOKEN-SECRET-123"


def load(**raw: Any) -> Settings:
    return load_settings({"plexToken": TOKEN, **raw}, env={})


def error_of(raw: dict[str, Any], env: dict[str, str] | None = None) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(raw, env={} if env is None else env)
    return str(info.value)


# defaults ----------------------------------------------------------------------------


def test_defaults_when_only_the_token_is_set() -> None:
    s = load()
    assert s.plex_url == DEFAULT_PLEX_URL == "http://localhost:32400"
    assert s.token == TOKEN
    assert s.plex_libraries == ()
    assert s.path_map == ()
    assert s.sync_fields == DEFAULT_SYNC_FIELDS
    assert DEFAULT_SYNC_FIELDS == (
        "title",
        "date",
        "summary",
        "studio",
        "performers",
        "tags",
        "poster",
    )
    assert (s.max_retries, s.connect_timeout, s.read_timeout, s.dlq_retention_days) == (
        5,
        5,
        30,
        30,
    )


@pytest.mark.parametrize("key", BOOLEAN_KEYS)
def test_every_boolean_setting_is_off_when_unset(key: str) -> None:
    s = load()
    field = next(n for n, f in Settings.model_fields.items() if f.alias == key)
    assert getattr(s, field) is False


def test_boolean_keys_are_the_contract_booleans() -> None:
    assert set(BOOLEAN_KEYS) == {
        "allowAmbiguousMatch",
        "preservePlexEdits",
        "skipUnorganized",
        "cleanTitles",
        "insecureSkipTlsVerify",
        "obfuscatePaths",
        "debugLogging",
        "scanPlexFolders",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), ("TRUE", True), ("", False)],
)
def test_boolean_setting_accepts_booleans_and_true_false_text(value: Any, expected: bool) -> None:
    assert load(preservePlexEdits=value).preserve_plex_edits is expected


@pytest.mark.parametrize("value", ["yes", 1, "on"])
def test_boolean_setting_rejects_other_values_naming_the_key(value: Any) -> None:
    message = error_of({"plexToken": TOKEN, "debugLogging": value})
    assert message == f"setting debugLogging={value!r} must be true or false"


# numeric ranges ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "attribute", "low", "high"),
    [
        ("maxRetries", "max_retries", 1, 20),
        ("connectTimeout", "connect_timeout", 1, 30),
        ("readTimeout", "read_timeout", 5, 120),
        ("dlqRetentionDays", "dlq_retention_days", 1, 365),
    ],
)
def test_range_edges_are_accepted(key: str, attribute: str, low: int, high: int) -> None:
    assert getattr(load(**{key: low}), attribute) == low
    assert getattr(load(**{key: high}), attribute) == high
    assert getattr(load(**{key: str(high)}), attribute) == high


@pytest.mark.parametrize(
    ("key", "value", "low", "high"),
    [
        ("maxRetries", 0, 1, 20),
        ("maxRetries", 21, 1, 20),
        ("connectTimeout", 0, 1, 30),
        ("connectTimeout", 31, 1, 30),
        ("readTimeout", 4, 5, 120),
        ("readTimeout", 121, 5, 120),
        ("dlqRetentionDays", 0, 1, 365),
        ("dlqRetentionDays", 366, 1, 365),
        ("maxRetries", 2.5, 1, 20),
        ("maxRetries", "nan", 1, 20),
        ("maxRetries", -3, 1, 20),
    ],
)
def test_out_of_range_number_names_key_value_and_range(
    key: str, value: Any, low: int, high: int
) -> None:
    message = error_of({"plexToken": TOKEN, key: value})
    assert message == (
        f"setting {key}={value!r} is out of range; accepted whole numbers {low}-{high}"
    )


@pytest.mark.parametrize("value", ["five", [5], {"n": 5}])
def test_non_numeric_number_names_key_value_and_range(value: Any) -> None:
    message = error_of({"plexToken": TOKEN, "maxRetries": value})
    assert message == f"setting maxRetries={value!r} is not a number; accepted range 1-20"


def test_unset_number_keeps_its_default() -> None:
    assert load(maxRetries=None, readTimeout="").max_retries == 5


def test_number_given_as_float_text_is_accepted() -> None:
    assert load(maxRetries="7.0").max_retries == 7


# plexUrl, legacy keys, environment ---------------------------------------------------


def test_plex_url_is_trimmed_of_spaces_and_trailing_slash() -> None:
    assert load(plexUrl="  https://plex.example:32400/ ").plex_url == "https://plex.example:32400"


@pytest.mark.parametrize("url", ["plex:32400", "ftp://plex", "http://", "32400"])
def test_plex_url_that_is_not_http_is_rejected_naming_the_key(url: str) -> None:
    message = error_of({"plexToken": TOKEN, "plexUrl": url})
    assert message.startswith(f"setting plexUrl={url!r} is invalid: must be an http:// or https://")
    assert "Stash > Settings > Plugins > PlexSync" in message


def test_plex_url_with_a_query_string_is_rejected() -> None:
    message = error_of({"plexToken": TOKEN, "plexUrl": "http://plex:32400/?a=1"})
    assert "plexUrl" in message
    assert "must not contain a query string" in message


def test_plex_url_carrying_the_token_never_shows_the_token() -> None:
    message = error_of({"plexToken": TOKEN, "plexUrl": f"http://plex:32400/?X-Plex-Token={TOKEN}"})
    assert "plexUrl" in message
    assert TOKEN not in message


def test_plex_url_with_an_impossible_port_is_rejected_naming_the_key() -> None:
    message = error_of({"plexToken": TOKEN, "plexUrl": "http://plex:99999"})
    assert "plexUrl" in message


def test_legacy_host_and_port_are_used_when_plex_url_is_unset() -> None:
    assert load(plexHost="192.168.1.5", plexPort=32401).plex_url == "http://192.168.1.5:32401"
    assert load(plexHost="https://plex.lan/", plexPort="443").plex_url == "https://plex.lan:443"
    assert load(plexHost="plex.lan").plex_url == "http://plex.lan"


def test_legacy_port_is_ignored_when_the_host_has_one() -> None:
    assert load(plexHost="plex.lan:1234", plexPort=32400).plex_url == "http://plex.lan:1234"


def test_plex_url_wins_over_legacy_keys_and_environment() -> None:
    s = load_settings(
        {"plexToken": TOKEN, "plexUrl": "http://new:1", "plexHost": "old", "plexPort": 2},
        env={"PLEX_URL": "http://env:3"},
    )
    assert s.plex_url == "http://new:1"


def test_legacy_port_that_is_not_a_number_is_a_settings_error() -> None:
    message = error_of({"plexToken": TOKEN, "plexHost": "plex.lan", "plexPort": "abc"})
    assert "plexPort" in message


def test_environment_fallback_for_url_and_token() -> None:
    s = load_settings({}, env={"PLEX_URL": "http://env-plex:32400", "PLEX_TOKEN": TOKEN})
    assert (s.plex_url, s.token) == ("http://env-plex:32400", TOKEN)


def test_stash_settings_win_over_environment() -> None:
    s = load_settings(
        {"plexToken": "stash-token", "plexUrl": "http://stash:1"},
        env={"PLEX_URL": "http://env:2", "PLEX_TOKEN": TOKEN},
    )
    assert (s.plex_url, s.token) == ("http://stash:1", "stash-token")


def test_legacy_host_wins_over_environment_url() -> None:
    s = load_settings({"plexToken": TOKEN, "plexHost": "legacy"}, env={"PLEX_URL": "http://env:2"})
    assert s.plex_url == "http://legacy"


# the token ---------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "env"), [({}, {}), ({"plexToken": ""}, {"PLEX_TOKEN": ""})])
def test_missing_token_says_where_to_enter_it(raw: dict[str, Any], env: dict[str, str]) -> None:
    assert error_of(raw, env) == (
        "setting plexToken is not set; enter your X-Plex-Token in "
        "Stash > Settings > Plugins > PlexSync"
    )


def test_token_is_trimmed() -> None:
    assert load_settings({"plexToken": f"  {TOKEN}\n"}, env={}).token == TOKEN


@pytest.mark.parametrize("token", ["   ", f"{TOKEN} extra", "TOKEN-\tSECRET-123"])
def test_bad_token_is_rejected_without_showing_it(token: str) -> None:
    message = error_of({"plexToken": token})
    assert message.startswith("setting plexToken=*** is invalid")
    assert "SECRET" not in message


def test_token_is_masked_in_repr_and_str_of_settings() -> None:
    s = load()
    assert TOKEN not in repr(s)
    assert TOKEN not in str(s)
    assert "**********" in repr(s)


@pytest.mark.parametrize(
    "raw",
    [
        {"maxRetries": 0},
        {"debugLogging": "yes"},
        {"plexUrl": "nonsense"},
        {"pathMap": "no arrow"},
        {"syncFields": "title, bogus"},
        {"plexLibraries": 5},
        {"plexHost": "x", "plexUrl": "ftp://x"},
    ],
)
def test_no_settings_error_message_contains_the_token(raw: dict[str, Any]) -> None:
    message = error_of({"plexToken": TOKEN, **raw}, env={"PLEX_TOKEN": TOKEN})
    assert TOKEN not in message


def test_settings_are_frozen() -> None:
    s = load()
    with pytest.raises(ValueError, match="frozen"):
        s.max_retries = 9  # type: ignore[misc]


# lists: plexLibraries, syncFields ----------------------------------------------------


def test_plex_libraries_are_trimmed_and_empty_names_dropped() -> None:
    assert load(plexLibraries=" Movies , ,Other Videos,").plex_libraries == (
        "Movies",
        "Other Videos",
    )


def test_plex_libraries_not_text_is_rejected_naming_the_key() -> None:
    message = error_of({"plexToken": TOKEN, "plexLibraries": ["Movies"]})
    assert message == "setting plexLibraries is invalid: must be text like 'a, b', got ['Movies']"


def test_parse_list_of_nothing_is_empty() -> None:
    assert parse_list(None) == ()
    assert parse_list(" , ") == ()


def test_sync_fields_are_case_insensitive_deduplicated_and_canonical() -> None:
    s = load(syncFields="TITLE, studiocollection, Title, rating,RATING")
    assert s.sync_fields == ("title", "studioCollection", "rating")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unset_sync_fields_mean_the_default_fields(value: Any) -> None:
    assert load(syncFields=value).sync_fields == DEFAULT_SYNC_FIELDS


def test_every_documented_sync_field_is_accepted() -> None:
    assert load(syncFields=",".join(ALL_SYNC_FIELDS)).sync_fields == ALL_SYNC_FIELDS


def test_unknown_sync_fields_are_named_with_the_accepted_list() -> None:
    message = error_of({"plexToken": TOKEN, "syncFields": "title, genres, Bogus"})
    assert message == (
        "setting syncFields has unknown field(s) genres, Bogus; accepted: "
        + ", ".join(ALL_SYNC_FIELDS)
    )


# pathMap -----------------------------------------------------------------------------


def test_path_map_rules_are_parsed_and_trimmed() -> None:
    s = load(pathMap=" /data => /media ; D:\\Videos=>/mnt/videos;\n/x=>/y ;")
    assert s.path_map == (
        PathRule(stash_prefix="/data", plex_prefix="/media"),
        PathRule(stash_prefix="D:\\Videos", plex_prefix="/mnt/videos"),
        PathRule(stash_prefix="/x", plex_prefix="/y"),
    )


def test_path_map_splits_only_at_the_first_arrow() -> None:
    assert parse_path_map("/a=>/b=>c") == (PathRule(stash_prefix="/a", plex_prefix="/b=>c"),)


def test_path_map_rule_without_arrow_is_named_in_the_error() -> None:
    message = error_of({"plexToken": TOKEN, "pathMap": "/data=>/media; /oops"})
    assert message == (
        "setting pathMap is invalid: rule '/oops' has no '=>'; "
        "write stashPrefix=>plexPrefix, rules separated by ';'"
    )


@pytest.mark.parametrize("rule", ["=>/media", "/data=>", " => "])
def test_path_map_rule_with_an_empty_side_is_rejected(rule: str) -> None:
    message = error_of({"plexToken": TOKEN, "pathMap": rule})
    assert message == (
        f"setting pathMap is invalid: rule {rule.strip()!r} needs a prefix on both sides of '=>'"
    )


def test_path_map_that_is_not_text_is_a_settings_error() -> None:
    message = error_of({"plexToken": TOKEN, "pathMap": ["/a=>/b"]})
    assert "pathMap" in message
