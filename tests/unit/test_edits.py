"""The minimal, locked Plex edit that makes an item show a scene's metadata.

Also the rule of CONTRACT §6: an empty Stash value clears only what PlexSync wrote.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from plexapi.mixins import EditTagsMixin

from plex.edits import EditPlan, assume_written, build_edit
from plex.item_values import PlexValues
from tests.unit.conftest import same_as
from validation.config import ALL_SYNC_FIELDS
from validation.metadata import SceneMetadata

ALL = ALL_SYNC_FIELDS

META = SceneMetadata(
    scene_id="1",
    title="Title",
    date="2021-03-04",
    summary="Summary",
    studio="Acme",
    performers=("Ann", "Bob"),
    tags=("HD", "Outdoor"),
    director="Jane",
    rating=8.5,
)
# What PlexSync owns after it synced META: every field, with META's values.
OWNED = assume_written(same_as(META), ALL, "Acme")
# A Plex item filled by an agent before PlexSync ever touched it.
AGENT = PlexValues(
    rating_key="500",
    title="Agent Title",
    summary="Agent summary",
    studio="Agent Studio",
    date="2001-02-03",
    genres=("Drama",),
    actors=("Agent Actor",),
    directors=("Agent Director",),
    collections=("Agent Collection",),
    user_rating=6.0,
)
EMPTY_SCENE = SceneMetadata(scene_id="1", title="clip", title_is_file_name=True)


def edit(meta: SceneMetadata = META, fields=ALL, **kwargs: Any) -> EditPlan:
    current = kwargs.pop("current", None) or same_as(META)
    written = kwargs.pop("written", OWNED)
    return build_edit(meta, current, fields, written=written, **kwargs)


def test_unchanged_item_gives_an_empty_plan() -> None:
    plan = edit()
    assert plan.empty
    assert plan == EditPlan({}, (), (), False, None, OWNED)


def test_tag_order_alone_is_not_a_change() -> None:
    assert edit(current=same_as(META, genres=("Outdoor", "HD"), actors=("Bob", "Ann"))).empty


@pytest.mark.parametrize(
    ("field", "key", "have"),
    [("title", "title", "Old"), ("summary", "summary", "Old"), ("studio", "studio", "Old")],
)
def test_changed_text_field_is_sent_alone_and_locked(field: str, key: str, have: str) -> None:
    plan = edit(current=same_as(META, **{field: have}), fields=(field,))
    assert plan.params == {f"{key}.value": getattr(META, field), f"{key}.locked": "1"}
    assert plan.changed == (field,)


def test_only_changed_fields_are_sent() -> None:
    plan = edit(current=same_as(META, title="Old", genres=("HD",)))
    assert plan.changed == ("title", "tags")
    assert set(plan.params) == {
        "title.value",
        "title.locked",
        "genre[0].tag.tag",
        "genre[1].tag.tag",
        "genre.locked",
    }


def test_fields_not_in_sync_fields_are_never_sent() -> None:
    plan = edit(current=PlexValues(rating_key="1"), fields=("title",))
    assert plan.changed == ("title",)
    assert set(plan.params) == {"title.value", "title.locked"}
    assert not plan.set_rating


def test_emptied_stash_title_that_plexsync_wrote_goes_back_to_the_file_name() -> None:
    meta = META.model_copy(update={"title": "clip", "title_is_file_name": True})
    plan = edit(meta, fields=("title",))
    assert plan.params == {"title.value": "clip", "title.locked": "1"}
    assert plan.written["title"] == "clip"


def test_empty_stash_title_never_replaces_an_agent_title() -> None:
    meta = META.model_copy(update={"title": "clip", "title_is_file_name": True})
    assert edit(meta, fields=("title",), current=AGENT, written={}).empty


def test_empty_stash_summary_clears_the_summary_plexsync_wrote() -> None:
    plan = edit(META.model_copy(update={"summary": ""}), fields=("summary",))
    assert plan.params == {"summary.value": "", "summary.locked": "1"}
    assert plan.written["summary"] == ""


def test_empty_stash_summary_keeps_a_summary_edited_in_plex_after_plexsync_wrote() -> None:
    current = same_as(META, summary="Typed in Plex")
    assert edit(META.model_copy(update={"summary": ""}), fields=("summary",), current=current).empty


def test_first_contact_with_an_empty_scene_leaves_every_agent_value() -> None:
    plan = edit(EMPTY_SCENE, current=AGENT, written={})
    assert plan.empty
    assert plan.written == {}


def test_first_contact_replaces_only_the_fields_stash_knows() -> None:
    meta = EMPTY_SCENE.model_copy(update={"title": "Real", "title_is_file_name": False})
    meta = meta.model_copy(update={"tags": ("HD",)})
    plan = edit(meta, current=AGENT, written={})
    assert plan.changed == ("title", "tags")
    assert plan.params["genre[0].tag.tag"] == "HD"
    assert plan.params["genre[].tag.tag-"] == "Drama"
    assert plan.written == {"title": "Real", "tags": ("HD",)}


def test_an_owned_field_someone_unlocked_is_locked_again_without_a_value() -> None:
    current = replace(same_as(META), locked=frozenset({"summary"}))
    plan = edit(current=current, fields=("title", "summary"))
    assert plan.params == {"title.locked": "1"}
    assert (plan.changed, plan.locked) == ((), ("title",))


def test_a_field_plexsync_does_not_own_is_never_locked() -> None:
    assert edit(EMPTY_SCENE, current=replace(AGENT, locked=frozenset()), written={}).empty


def test_date_sends_originally_available_at_and_year_locked() -> None:
    plan = edit(current=same_as(META, date="2020-01-01"), fields=("date",))
    assert plan.params == {
        "originallyAvailableAt.value": "2021-03-04",
        "originallyAvailableAt.locked": "1",
        "year.value": "2021",
        "year.locked": "1",
    }
    assert plan.changed == ("date",)


def test_removed_date_clears_date_and_year_plexsync_wrote() -> None:
    plan = edit(META.model_copy(update={"date": None}), fields=("date",))
    assert plan.params["originallyAvailableAt.value"] == ""
    assert plan.params["year.value"] == ""


def test_removed_date_keeps_an_agent_date() -> None:
    meta = META.model_copy(update={"date": None})
    assert edit(meta, fields=("date",), current=AGENT, written={}).empty


@pytest.mark.parametrize(
    ("field", "key", "attribute"),
    [("tags", "genre", "genres"), ("performers", "actor", "actors")],
)
def test_tag_list_is_sent_whole_indexed_and_locked(field: str, key: str, attribute: str) -> None:
    plan = edit(current=same_as(META, **{attribute: ()}), fields=(field,))
    wanted = getattr(META, field)
    assert plan.params == {
        f"{key}[0].tag.tag": wanted[0],
        f"{key}[1].tag.tag": wanted[1],
        f"{key}.locked": "1",
    }


def test_tags_stash_no_longer_has_are_removed_quoted_like_plexapi() -> None:
    have = ("HD", "Big, Tall", "50% off")
    plan = edit(current=same_as(META, genres=have), fields=("tags",))
    assert plan.params["genre[0].tag.tag"] == "HD"
    assert plan.params["genre[1].tag.tag"] == "Outdoor"
    removed = ["Big, Tall", "50% off"]
    assert plan.params["genre[].tag.tag-"] == "Big%2C%20Tall,50%25%20off"
    plexapi_form = EditTagsMixin._tagHelper("genre", removed, remove=True)
    assert plan.params["genre[].tag.tag-"] == plexapi_form["genre[].tag.tag-"]


def test_empty_wanted_list_removes_every_tag_plexsync_wrote() -> None:
    plan = edit(META.model_copy(update={"tags": ()}), current=same_as(META), fields=("tags",))
    assert plan.params == {"genre[].tag.tag-": "HD,Outdoor", "genre.locked": "1"}
    assert plan.changed == ("tags",)
    assert plan.written["tags"] == ()


def test_empty_wanted_list_keeps_the_entries_plexsync_did_not_write() -> None:
    current = same_as(META, genres=("HD", "Agent genre", "Outdoor"))
    plan = edit(META.model_copy(update={"tags": ()}), current=current, fields=("tags",))
    assert plan.params == {
        "genre[0].tag.tag": "Agent genre",
        "genre[].tag.tag-": "HD,Outdoor",
        "genre.locked": "1",
    }


def test_empty_wanted_list_on_first_contact_removes_nothing() -> None:
    assert edit(META.model_copy(update={"tags": ()}), current=AGENT, written={}).changed == (
        "title",
        "date",
        "summary",
        "studio",
        "performers",
        "director",
        "rating",
        "studioCollection",
    )


def test_director_is_a_one_tag_list() -> None:
    plan = edit(current=same_as(META, directors=("Old",)), fields=("director",))
    assert plan.params == {
        "director[0].tag.tag": "Jane",
        "director[].tag.tag-": "Old",
        "director.locked": "1",
    }


def test_removed_director_plexsync_wrote_is_removed() -> None:
    plan = edit(META.model_copy(update={"director": ""}), fields=("director",))
    assert plan.params == {"director[].tag.tag-": "Jane", "director.locked": "1"}


# preservePlexEdits -------------------------------------------------------------------


def test_preserve_plex_edits_leaves_fields_plex_already_has() -> None:
    current = same_as(
        META, title="Plex title", summary="Plex summary", date="1999-01-01", genres=("Plex",)
    )
    current = replace(current, user_rating=3.0)
    plan = edit(current=current, preserve_plex_edits=True)
    assert plan.empty


def test_preserve_plex_edits_fills_only_empty_fields() -> None:
    current = PlexValues(rating_key="1", title="Plex title", collections=("Acme",))
    plan = edit(current=current, preserve_plex_edits=True)
    assert "title" not in plan.changed
    assert plan.changed == (
        "date",
        "summary",
        "studio",
        "performers",
        "tags",
        "director",
        "rating",
    )


# studioCollection --------------------------------------------------------------------


def test_studio_collection_moves_from_the_previous_studio() -> None:
    meta = META.model_copy(update={"studio": "NewCo"})
    current = same_as(META, studio="NewCo", collections=("Favourites", "Acme"))
    plan = edit(meta, fields=("studioCollection",), current=current)
    assert plan.params == {
        "collection[0].tag.tag": "Favourites",
        "collection[1].tag.tag": "NewCo",
        "collection[].tag.tag-": "Acme",
        "collection.locked": "1",
    }
    assert plan.changed == ("studioCollection",)


def test_studio_collection_is_added_on_first_sync() -> None:
    current = same_as(META, collections=())
    plan = edit(fields=("studioCollection",), current=current, written={})
    assert plan.params == {"collection[0].tag.tag": "Acme", "collection.locked": "1"}


def test_studio_collection_is_kept_when_the_studio_is_unchanged() -> None:
    current = same_as(META, collections=("Acme", "Favourites"))
    assert edit(fields=("studioCollection",), current=current).empty


def test_studio_collection_is_moved_even_with_preserve_plex_edits() -> None:
    meta = META.model_copy(update={"studio": "NewCo"})
    current = same_as(META, studio="NewCo", collections=("Acme",))
    plan = edit(meta, fields=("studioCollection",), current=current, preserve_plex_edits=True)
    assert plan.changed == ("studioCollection",)


# rating ------------------------------------------------------------------------------


def test_changed_rating_is_set_with_set_rating_not_an_edit_param() -> None:
    plan = edit(current=same_as(META, user_rating=2.0), fields=("rating",))
    assert (plan.set_rating, plan.rating, plan.params) == (True, 8.5, {})
    assert plan.changed == ("rating",)
    assert not plan.empty


def test_rating_removed_in_stash_clears_the_rating_plexsync_set() -> None:
    plan = edit(META.model_copy(update={"rating": None}), fields=("rating",))
    assert (plan.set_rating, plan.rating) == (True, None)


def test_rating_removed_in_stash_keeps_a_rating_given_in_plex() -> None:
    meta = META.model_copy(update={"rating": None})
    assert not edit(meta, fields=("rating",), current=AGENT, written={}).set_rating


# upgrading from 1.x ------------------------------------------------------------------


def test_a_1x_sync_record_counts_as_written_for_every_synced_field() -> None:
    assumed = assume_written(AGENT, ("title", "tags", "studioCollection"), "Acme")
    assert assumed == {"title": "Agent Title", "tags": ("Drama",), "studioCollection": ("Acme",)}


def test_equal_rating_is_not_set() -> None:
    assert not edit(fields=("rating",)).set_rating
