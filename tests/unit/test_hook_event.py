"""Deciding from the hook context alone whether a Stash event is worth a job."""

from __future__ import annotations

from typing import Any

import pytest

from hooks.hook_event import (
    MAX_SCENE_ID,
    SYNC_RELEVANT_INPUT_FIELDS,
    HookDecision,
    HookInputError,
    decide,
)

UPDATE = "Scene.Update.Post"
CREATE = "Scene.Create.Post"


def ctx(**values: Any) -> dict[str, Any]:
    return {"type": UPDATE, "id": 12, **values}


# hook types --------------------------------------------------------------------------


def test_scene_update_with_a_title_change_is_queued() -> None:
    assert decide(ctx(input={"title": "x"}, inputFields=["title"])) == HookDecision(
        "12", UPDATE, True
    )


def test_scene_create_is_queued_whatever_fields_it_names() -> None:
    decision = decide({"type": CREATE, "id": "7", "inputFields": ["play_count"], "input": {}})
    assert decision == HookDecision("7", CREATE, True)


@pytest.mark.parametrize(
    "hook_type", ["Scene.Destroy.Post", "Performer.Destroy.Post", "Gallery.Create.Post"]
)
def test_unhandled_hook_type_is_skipped_with_its_name(hook_type: str) -> None:
    decision = decide({"type": hook_type, "id": 3})
    assert not decision.queue
    assert decision.reason == f"hook type {hook_type} is not handled"


def test_unhandled_hook_type_is_skipped_even_without_an_id() -> None:
    assert not decide({"type": "Tag.Destroy.Post"}).queue


# renames and merges --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hook_type", "entity"),
    [
        ("Performer.Update.Post", "performer"),
        ("Tag.Update.Post", "tag"),
        ("Studio.Update.Post", "studio"),
    ],
)
def test_entity_rename_queues_one_job_for_the_entity(hook_type: str, entity: str) -> None:
    decision = decide({"type": hook_type, "id": 9, "inputFields": ["id", "name"], "input": {}})
    assert decision == HookDecision("9", hook_type, True, "", entity)


def test_entity_update_without_a_name_change_is_skipped_naming_the_fields() -> None:
    decision = decide(
        {"type": "Tag.Update.Post", "id": 9, "inputFields": ["id", "aliases"], "input": {}}
    )
    assert not decision.queue
    assert decision.reason == "the tag's name did not change (aliases)"


def test_entity_update_without_input_fields_is_queued() -> None:
    assert decide({"type": "Studio.Update.Post", "id": 4}).entity == "studio"


def test_tag_merge_queues_the_destination_tag() -> None:
    merge = {"type": "Tag.Merge.Post", "id": 5, "input": {"source": ["3"], "destination": "5"}}
    assert decide(merge) == HookDecision("5", "Tag.Merge.Post", True, "", "tag")


def test_entity_hook_without_an_id_is_an_error_naming_the_entity() -> None:
    with pytest.raises(HookInputError, match="no performer id"):
        decide({"type": "Performer.Update.Post", "inputFields": ["name"], "input": {}})


@pytest.mark.parametrize("value", [None, "", 5, ["Scene.Update.Post"]])
def test_missing_or_non_text_type_is_an_error_naming_hookcontext_type(value: Any) -> None:
    with pytest.raises(HookInputError, match=r"'hookContext\.type' is missing"):
        decide({"type": value, "id": 1})


@pytest.mark.parametrize("value", [None, [], "Scene.Update.Post", 3])
def test_hook_context_not_an_object_is_an_error(value: Any) -> None:
    with pytest.raises(HookInputError, match="'hookContext' must be a JSON object"):
        decide(value)


# scene id ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, "12"), ("12", "12"), (" 12 ", "12"), ("007", "7"), (MAX_SCENE_ID, str(MAX_SCENE_ID))],
)
def test_scene_id_is_normalised_to_decimal_text(value: Any, expected: str) -> None:
    assert decide(ctx(id=value)).scene_id == expected


@pytest.mark.parametrize("value", [None, ""])
def test_missing_scene_id_is_an_error_naming_hookcontext_id(value: Any) -> None:
    with pytest.raises(HookInputError, match=r"no scene id \('hookContext\.id'\)"):
        decide(ctx(id=value))


def test_absent_scene_id_key_is_an_error() -> None:
    with pytest.raises(HookInputError, match=r"hookContext\.id"):
        decide({"type": CREATE})


@pytest.mark.parametrize(
    ("value", "kind"), [(True, "bool"), (False, "bool"), (12.0, "float"), ([12], "list")]
)
def test_scene_id_of_wrong_type_is_an_error_naming_the_type(value: Any, kind: str) -> None:
    with pytest.raises(HookInputError, match=rf"'hookContext\.id' must be a number, got {kind}"):
        decide(ctx(id=value))


@pytest.mark.parametrize(
    "value",
    [
        0,
        -1,
        "-5",
        "0",
        "12.5",
        "1e3",
        "abc",
        "\u0661\u0662",  # Arabic-Indic digits: isdigit() but not a Stash id
        "\uff11\uff12",  # fullwidth digits
        "\u00b2",  # superscript two
        MAX_SCENE_ID + 1,
        str(2**64),
    ],
)
def test_scene_id_that_is_not_a_positive_ascii_integer_is_rejected(value: Any) -> None:
    with pytest.raises(HookInputError, match=r"'hookContext\.id' must be a positive whole number"):
        decide(ctx(id=value))


def test_rejected_scene_id_is_shown_shortened_in_the_message() -> None:
    with pytest.raises(HookInputError) as info:
        decide(ctx(id="x" * 500))
    assert len(str(info.value)) < 120


def test_scene_id_with_thousands_of_digits_is_a_hook_input_error() -> None:
    with pytest.raises(HookInputError, match=r"hookContext\.id"):
        decide(ctx(id="1" * 5000))


# inputFields -------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(SYNC_RELEVANT_INPUT_FIELDS))
def test_update_touching_a_synced_field_is_queued(field: str) -> None:
    assert decide(ctx(input={field: 1}, inputFields=["id", field])).queue


def test_update_touching_only_unsynced_fields_is_skipped_and_lists_them() -> None:
    decision = decide(ctx(input={}, inputFields=["play_count", "o_counter", "id"]))
    assert not decision.queue
    assert decision.scene_id == "12"
    assert decision.reason == "no synced field changed (o_counter, play_count)"


def test_update_with_only_id_and_mutation_id_is_skipped_as_nothing_changed() -> None:
    decision = decide(ctx(input={"id": "12"}, inputFields=["id", "clientMutationId"]))
    assert not decision.queue
    assert decision.reason == "no synced field changed (nothing)"


@pytest.mark.parametrize(
    "context",
    [
        {"type": UPDATE, "id": 4},
        {"type": UPDATE, "id": 4, "input": None, "inputFields": None},
        {"type": UPDATE, "id": 4, "input": None, "inputFields": []},
    ],
    ids=["absent", "null", "empty-fields-null-input"],
)
def test_scan_triggered_update_without_input_is_queued(context: dict[str, Any]) -> None:
    assert decide(context) == HookDecision("4", UPDATE, True)


def test_update_with_input_but_empty_field_list_is_skipped() -> None:
    assert not decide(ctx(input={}, inputFields=[])).queue


@pytest.mark.parametrize("fields", ["title", {"title": 1}, [1, "title"], [None]])
def test_input_fields_of_wrong_type_is_an_error_naming_the_field(fields: Any) -> None:
    with pytest.raises(HookInputError, match=r"'hookContext\.inputFields' must be a list"):
        decide(ctx(input={}, inputFields=fields))


def test_create_ignores_malformed_input_fields() -> None:
    assert decide({"type": CREATE, "id": 2, "inputFields": "junk"}).queue
