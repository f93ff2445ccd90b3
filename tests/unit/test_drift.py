"""The comparison sync and reconcile share: values that differ, and owned fields unlocked."""

from __future__ import annotations

from plex.drift import drifted_fields, wanted_edit
from plex.item_values import PlexValues
from sync_queue.sync_state import SyncRecord
from validation.config import load_settings
from validation.metadata import SceneMetadata

SETTINGS = load_settings({"plexUrl": "http://plex:32400", "plexToken": "t"})
META = SceneMetadata(scene_id="1", title="Title", summary="About", tags=("Beach",))
LOCKED = frozenset({"title", "summary", "genre", "thumb"})
RECORD = SyncRecord("1", "fp", "10", 0.0, "sha", None)


def _plex(**values) -> PlexValues:
    base = {"title": "Title", "summary": "About", "genres": ("Beach",), "locked": LOCKED}
    return PlexValues("10", **{**base, **values})


def test_an_item_in_step_needs_no_edit_and_has_no_drift() -> None:
    assert wanted_edit(META, _plex(), SETTINGS, RECORD).empty
    assert drifted_fields(META, _plex(), SETTINGS, RECORD) == []


def test_values_edited_in_plex_are_drift() -> None:
    current = _plex(title="Edited", genres=())
    assert drifted_fields(META, current, SETTINGS, RECORD) == ["title", "tags"]


def test_an_owned_field_unlocked_in_plex_is_locked_again() -> None:
    plan = wanted_edit(META, _plex(locked=LOCKED - {"summary"}), SETTINGS, RECORD)
    assert plan.changed == ("summary",)
    assert plan.params == {"summary.locked": "1"}


def test_an_unlocked_field_of_a_scene_never_synced_is_not_drift() -> None:
    assert drifted_fields(META, _plex(locked=frozenset()), SETTINGS, None) == []


def test_an_unlocked_field_stash_has_nothing_for_is_not_drift() -> None:
    assert "studio" not in LOCKED
    assert drifted_fields(META, _plex(studio=""), SETTINGS, RECORD) == []


def test_an_unlocked_poster_plexsync_uploaded_is_drift() -> None:
    current = _plex(locked=LOCKED - {"thumb"})
    assert drifted_fields(META, current, SETTINGS, RECORD) == ["poster"]
