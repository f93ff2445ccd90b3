"""CONTRACT §6 as a property: over any sequence of Stash values and edits made in Plex,
Plex never loses a value PlexSync did not write, and always shows Stash's non-empty values.

The edits are applied to a model of the Plex item the way Plex applies them (indexed
tags replace the list, `tag-` removes entries), so the property checks what a user
would see in Plex after each sync, not the parameters.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from plex.edits import build_edit
from plex.item_values import PlexValues
from validation.metadata import SceneMetadata

FIELDS = ("title", "date", "summary", "studio", "performers", "tags", "director", "rating")
SCALAR_KEYS = {"title": "title", "summary": "summary", "studio": "studio"}
LIST_KEYS = {"actor": "actors", "genre": "genres", "director": "directors"}
FILE_NAME = "clip"

texts = st.sampled_from(["", "", "a", "b", "Agent"])
tags = st.lists(st.sampled_from(["x", "y", "z", "Agent"]), max_size=3, unique=True).map(tuple)
dates = st.sampled_from([None, None, "2020-01-01", "1999-12-31"])
ratings = st.sampled_from([None, None, 5.0, 7.5])


@st.composite
def stash_scenes(draw: st.DrawFn) -> SceneMetadata:
    title = draw(texts)
    return SceneMetadata(
        scene_id="1",
        title=title or FILE_NAME,
        title_is_file_name=not title,
        date=draw(dates),
        summary=draw(texts),
        studio=draw(texts),
        performers=draw(tags),
        tags=draw(tags),
        director=draw(texts),
        rating=draw(ratings),
    )


plex_items = st.builds(
    PlexValues,
    rating_key=st.just("9"),
    title=texts,
    summary=texts,
    studio=texts,
    date=dates,
    genres=tags,
    actors=tags,
    directors=tags.map(lambda t: t[:1]),
    user_rating=ratings,
)
# Each step is a Stash state to sync, or an edit somebody makes in Plex meanwhile.
steps = st.lists(st.tuples(st.booleans(), stash_scenes(), plex_items), min_size=1, max_size=6)


def apply(item: PlexValues, params: dict[str, str], rating: float | None, set_rating: bool):
    """What Plex shows after the edit (the fake Plex and real Plex agree on these rules)."""
    changes: dict[str, object] = {}
    for name, attribute in SCALAR_KEYS.items():
        if f"{name}.value" in params:
            changes[attribute] = params[f"{name}.value"]
    if "originallyAvailableAt.value" in params:
        changes["date"] = params["originallyAvailableAt.value"] or None
    for key, attribute in LIST_KEYS.items():
        indexed = {
            int(m.group(1)): value
            for name, value in params.items()
            if (m := re.fullmatch(rf"{key}\[(\d+)\]\.tag\.tag", name))
        }
        current = (
            [indexed[i] for i in sorted(indexed)] if indexed else list(getattr(item, attribute))
        )
        removed = {unquote(t) for t in params.get(f"{key}[].tag.tag-", "").split(",") if t}
        if indexed or removed:
            changes[attribute] = tuple(t for t in current if t not in removed)
    if set_rating:
        changes["user_rating"] = rating
    return replace(item, **changes)


def shown(item: PlexValues) -> dict[str, object]:
    return {
        "title": item.title,
        "date": item.date or "",
        "summary": item.summary,
        "studio": item.studio,
        "performers": item.actors,
        "tags": item.genres,
        "director": item.directors,
        "rating": item.user_rating,
    }


def wanted(meta: SceneMetadata) -> dict[str, object]:
    return {
        "title": meta.stash_title,
        "date": meta.date or "",
        "summary": meta.summary,
        "studio": meta.studio,
        "performers": meta.performers,
        "tags": meta.tags,
        "director": (meta.director,) if meta.director else (),
        "rating": meta.rating,
    }


def check_step(before: dict, after: dict, stash: dict, written: dict) -> None:
    for name in FIELDS:
        if isinstance(before[name], tuple):
            if stash[name]:
                assert set(after[name]) == set(stash[name]), name
            else:
                lost = set(before[name]) - set(after[name])
                assert lost <= set(written.get(name, ())), (name, lost)
        elif stash[name] not in (None, ""):
            assert after[name] == stash[name], name
        elif after[name] != before[name]:
            assert before[name] == written.get(name), (name, before[name], written)


@settings(max_examples=400, deadline=None)
@given(plex_items, steps, st.booleans())
def test_plex_never_loses_a_value_plexsync_did_not_write(
    item: PlexValues, sequence: list, preserve: bool
) -> None:
    written: dict[str, object] = {}
    for plex_edit_first, meta, edited in sequence:
        if plex_edit_first:
            item = replace(edited, locked=item.locked)  # somebody edits the item in Plex
        plan = build_edit(meta, item, FIELDS, preserve, written)
        after = apply(item, plan.params, plan.rating, plan.set_rating)
        stash = wanted(meta)
        if not preserve:
            check_step(shown(item), shown(after), stash, written)
        else:
            for name in FIELDS:  # preservePlexEdits: a value Plex has is never replaced
                if shown(item)[name] not in (None, "", ()):
                    assert shown(after)[name] == shown(item)[name], name
        item, written = after, plan.written
