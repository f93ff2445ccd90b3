"""Properties that must hold for every input, not just the examples we thought of."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hooks.hook_event import HANDLED_HOOKS, HookDecision, HookInputError, decide
from plex.edits import assume_written, build_edit
from plex.path_map import map_path
from plugin_core.protocol import ProtocolError, parse_input
from tests.unit.conftest import same_as
from validation.config import ALL_SYNC_FIELDS, PathRule
from validation.metadata import SceneMetadata
from validation.sanitize import (
    SUMMARY_MAX,
    TAG_MAX,
    TITLE_MAX,
    clean_summary,
    clean_tags,
    clean_title,
)

FAST = settings(max_examples=200, deadline=None)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


# parse_input ---------------------------------------------------------------------------


@FAST
@given(st.binary())
def test_parse_input_on_any_bytes_returns_an_object_or_raises_protocol_error(raw: bytes) -> None:
    try:
        result = parse_input(raw)
    except ProtocolError as exc:
        assert str(exc)
    else:
        assert isinstance(result, dict)
        assert isinstance(result["args"], dict)


@FAST
@given(json_values, json_values, st.booleans())
def test_parse_input_on_any_json_returns_an_object_or_raises_protocol_error(
    args: Any, connection: Any, wrap: bool
) -> None:
    document = {"args": args, "server_connection": connection} if wrap else args
    try:
        result = parse_input(json.dumps(document).encode())
    except ProtocolError as exc:
        assert str(exc)
    else:
        assert result == document
        assert isinstance(result["args"], dict)
        assert result.get("server_connection") is None or isinstance(
            result["server_connection"], dict
        )


# decide ------------------------------------------------------------------------------

ids = (
    json_values
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.from_regex(r"\s*-?[0-9]{1,25}\s*", fullmatch=True)
)
field_names = st.sampled_from(["title", "play_count", "id", "tag_ids", "o_counter", "urls"])
hook_contexts = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from([*HANDLED_HOOKS, "Tag.Update.Post"]) | json_values,
        "id": ids,
        "input": json_values,
        "inputFields": st.lists(field_names | json_values, max_size=4) | json_values,
    },
)


@FAST
@given(hook_contexts | json_values)
def test_decide_returns_a_decision_or_raises_hook_input_error(context: Any) -> None:
    try:
        decision = decide(context)
    except HookInputError as exc:
        assert "hookContext" in str(exc)
    else:
        assert isinstance(decision, HookDecision)
        if decision.queue:
            assert decision.event in HANDLED_HOOKS
            assert decision.scene_id.isascii() and decision.scene_id.isdigit()
            assert int(decision.scene_id) > 0
            assert decision.scene_id == str(int(decision.scene_id))
        else:
            assert decision.reason


# sanitizers --------------------------------------------------------------------------


def _removed(ch: str) -> bool:
    """Characters the sanitizer deletes (see the xfail tests in test_sanitize.py)."""
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in "\u200b\u2028\u2029\ufeff\ufffe\uffff"


# Any text without deleted characters, and text full of deleted characters but without
# the combining marks that a deletion could bring together (a known bug, xfailed).
clean_alphabet_text = st.text(st.characters().filter(lambda c: not _removed(c)), max_size=400)
noisy_text = st.text(
    st.sampled_from(
        list("ab cD\u00e9\u65e5\U0001f600\t\n\r\x00\x07\x1b\x7f\x85\u200b\ufeff\u00a0")
    ),
    max_size=400,
)
long_text = st.text(st.sampled_from(list("ab c\n")), min_size=250, max_size=12_000)
texts = clean_alphabet_text | noisy_text


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


@FAST
@given(texts | long_text)
def test_clean_title_is_idempotent_single_line_and_within_limit(value: str) -> None:
    once = clean_title(value)
    assert clean_title(once) == once
    assert len(once) <= TITLE_MAX
    assert not _has_control(once)
    assert once == once.strip()


@FAST
@given(texts | long_text)
def test_clean_summary_is_idempotent_and_within_limit(value: str) -> None:
    once = clean_summary(value)
    assert clean_summary(once) == once
    assert len(once) <= SUMMARY_MAX
    assert not _has_control(once, allowed="\n")
    assert "\n\n\n" not in once


@FAST
@given(st.lists(texts, max_size=8))
def test_clean_tags_are_idempotent_unique_and_within_limit(values: list[str]) -> None:
    once = clean_tags(values)
    assert clean_tags(once) == once
    assert all(0 < len(tag) <= TAG_MAX and not _has_control(tag) for tag in once)
    assert len({tag.casefold() for tag in once}) == len(once)


# build_edit --------------------------------------------------------------------------

small_text = st.text(st.sampled_from(list("abAB ")), max_size=3).map(str.strip)
tag_lists = st.lists(st.sampled_from(["a", "b", "c", "d, e"]), max_size=3, unique=True).map(tuple)
metas = st.builds(
    SceneMetadata,
    scene_id=st.just("1"),
    title=small_text,
    date=st.none() | st.sampled_from(["2020-01-01", "2021-06-30", "1999-12-31"]),
    summary=small_text,
    studio=small_text,
    performers=tag_lists,
    tags=tag_lists,
    director=small_text,
    rating=st.none() | st.integers(0, 100).map(lambda n: n / 10),
)
sync_field_sets = st.sets(st.sampled_from(ALL_SYNC_FIELDS)).map(tuple)


@FAST
@given(metas, sync_field_sets, st.booleans())
def test_build_edit_for_an_item_that_already_shows_the_scene_is_empty(
    meta: SceneMetadata, fields: tuple[str, ...], preserve: bool
) -> None:
    written = assume_written(same_as(meta), fields, meta.studio)
    plan = build_edit(meta, same_as(meta), fields, preserve, written)
    assert plan.empty
    assert plan.changed == ()


FIELD_KEYS = {
    "title": ("title.",),
    "summary": ("summary.",),
    "studio": ("studio.",),
    "date": ("originallyAvailableAt.", "year."),
    "performers": ("actor",),
    "tags": ("genre",),
    "director": ("director",),
    "studioCollection": ("collection",),
}


def _equal(name: str, a: SceneMetadata, b: SceneMetadata) -> bool:
    if name in ("performers", "tags"):
        return set(getattr(a, name)) == set(getattr(b, name))
    if name == "studioCollection":
        return a.studio == b.studio
    return getattr(a, name) == getattr(b, name)


@FAST
@given(metas, metas, sync_field_sets)
def test_build_edit_never_sends_a_field_that_is_equal(
    wanted: SceneMetadata, shown: SceneMetadata, fields: tuple[str, ...]
) -> None:
    written = assume_written(same_as(shown), fields, shown.studio)
    plan = build_edit(wanted, same_as(shown), fields, False, written)
    for name, prefixes in FIELD_KEYS.items():
        sent = any(key.startswith(prefixes) for key in plan.params)
        if name not in fields or _equal(name, wanted, shown):
            assert not sent, name
            assert name not in plan.changed
        else:
            assert sent == (name in plan.changed), name
    rating_equal = wanted.rating == shown.rating
    assert plan.set_rating == ("rating" in fields and not rating_equal)


# map_path ---------------------------------------------------------------

component = st.text(st.sampled_from(list("abcXYZ019 ._-\u00e9")), min_size=1, max_size=6)
components = st.lists(component, min_size=1, max_size=4)
posix_prefixes = components.map(lambda parts: "/" + "/".join(parts)) | st.just("/")
windows_prefixes = st.tuples(st.sampled_from("CDZ"), st.lists(component, max_size=3)).map(
    lambda t: f"{t[0]}:\\" + "\\".join(t[1])
)
unc_prefixes = components.map(lambda parts: "\\\\nas\\" + "\\".join(parts))
prefixes = posix_prefixes | windows_prefixes | unc_prefixes


def _under(prefix: str, rest: list[str]) -> str:
    sep = "/" if prefix.startswith("/") else "\\"
    return prefix.rstrip("\\/") + "".join(sep + part for part in rest) if rest else prefix


@FAST
@given(prefixes, prefixes, st.lists(component, min_size=1, max_size=4))
def test_map_path_keeps_the_rest_of_the_path_under_a_rule(
    stash_prefix: str, plex_prefix: str, rest: list[str]
) -> None:
    rules = (PathRule(stash_prefix=stash_prefix, plex_prefix=plex_prefix),)
    path = _under(stash_prefix, rest)
    mapped = map_path(path, rules)
    assert mapped.replace("\\", "/").endswith("/" + "/".join(rest))


@FAST
@given(prefixes, prefixes, st.lists(component, min_size=1, max_size=4))
def test_map_path_leaves_paths_outside_the_rule_alone(
    stash_prefix: str, plex_prefix: str, rest: list[str]
) -> None:
    # "q" is not in the components' alphabet, in either case: Windows prefixes fold case.
    rules = (PathRule(stash_prefix=stash_prefix + "-q", plex_prefix=plex_prefix),)
    path = _under(stash_prefix, rest)
    assert map_path(path, rules) == path
