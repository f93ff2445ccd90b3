"""Deciding, from the hook context alone, whether a Stash event can matter to Plex.

Pure and standard library only: no Stash or Plex call happens on the hook path.
"""

from __future__ import annotations

from collections import namedtuple

SCENE_HOOKS = ("Scene.Update.Post", "Scene.Create.Post")
# A rename or merge changes what every scene of the entity shows, and fires no scene hook.
ENTITY_HOOKS = {
    "Performer.Update.Post": "performer",
    "Tag.Update.Post": "tag",
    "Tag.Merge.Post": "tag",
    "Studio.Update.Post": "studio",
}
HANDLED_HOOKS = (*SCENE_HOOKS, *ENTITY_HOOKS)

# Scene input fields whose change can alter what PlexSync sends or how it matches.
SYNC_RELEVANT_INPUT_FIELDS = frozenset(
    {
        "title",
        "code",
        "details",
        "date",
        "director",
        "rating",
        "rating100",
        "studio_id",
        "performer_ids",
        "tag_ids",
        "cover_image",
        "url",
        "urls",
        "organized",
        "primary_file_id",
        "files",
    }
)
MAX_SCENE_ID = 2**63 - 1


class HookInputError(Exception):
    """The hook context is malformed; the message names the field and what was expected."""


class HookDecision(
    namedtuple("HookDecision", "scene_id event queue reason entity", defaults=("", None))
):
    """Queue the scene (or, with `entity`, the performer, tag or studio whose id is
    `scene_id`), or skip the event with a reason the user can read.

    A named tuple rather than a dataclass: `dataclasses` costs the hook ~10 ms to import.
    """

    __slots__ = ()


def decide(hook_context: object) -> HookDecision:
    """Validate `hookContext` and say whether the event is worth a job."""
    if not isinstance(hook_context, dict):
        raise HookInputError("'hookContext' must be a JSON object")
    event = hook_context.get("type")
    if not isinstance(event, str) or not event:
        raise HookInputError("'hookContext.type' is missing; expected e.g. 'Scene.Update.Post'")
    if event not in HANDLED_HOOKS:
        return HookDecision("", event, False, f"hook type {event} is not handled")
    if event in ENTITY_HOOKS:
        return _entity_decision(hook_context, event, ENTITY_HOOKS[event])
    scene_id = _scene_id(hook_context.get("id"))
    if event == "Scene.Update.Post":
        fields = _input_fields(hook_context)
        if fields is not None and not fields & SYNC_RELEVANT_INPUT_FIELDS:
            changed = ", ".join(sorted(fields)) or "nothing"
            return HookDecision(scene_id, event, False, f"no synced field changed ({changed})")
    return HookDecision(scene_id, event, True)


def _entity_decision(hook_context: dict[str, object], event: str, entity: str) -> HookDecision:
    """Only a name reaches Plex; Tag.Merge.Post (id = the destination, which now holds
    the source tags' scenes) always matters."""
    entity_id = _scene_id(hook_context.get("id"), entity)
    if event != "Tag.Merge.Post":
        fields = _input_fields(hook_context)
        if fields is not None and "name" not in fields:
            changed = ", ".join(sorted(fields)) or "nothing"
            return HookDecision(
                entity_id, event, False, f"the {entity}'s name did not change ({changed})"
            )
    return HookDecision(entity_id, event, True, "", entity)


def _scene_id(value: object, noun: str = "scene") -> str:
    if value is None or value == "":
        raise HookInputError(
            f"the hook has no {noun} id ('hookContext.id'); Stash always sends one"
        )
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise HookInputError(f"'hookContext.id' must be a number, got {type(value).__name__}")
    text = str(value).strip()
    digits = text.lstrip("0")
    if (
        not text.isdigit()
        or not text.isascii()
        or len(digits) > len(str(MAX_SCENE_ID))
        or not 0 < int(digits or "0") <= MAX_SCENE_ID
    ):
        raise HookInputError(f"'hookContext.id' must be a positive whole number, got {text[:40]!r}")
    return digits


def _input_fields(hook_context: dict[str, object]) -> frozenset[str] | None:
    """The fields the update touched, or None when Stash did not say (scan updates)."""
    fields = hook_context.get("inputFields")
    if fields is None:
        return None
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise HookInputError("'hookContext.inputFields' must be a list of field names")
    if not fields and hook_context.get("input") is None:
        return None
    return frozenset(fields) - {"id", "clientMutationId"}
