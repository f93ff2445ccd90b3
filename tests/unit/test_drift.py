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
WRITTEN = {"title": "Title", "summary": "About", "tags": ("Beach",)}


def _plex(**values) -> PlexValues:
    base = {"title": "Title", "summary": "About", "genres": ("Beach",), "locked": LOCKED}
    return PlexValues("10", **{**base, **values})


def _drift(current: PlexValues, written=WRITTEN, record=RECORD) -> list[str]:
    plan = wanted_edit(META, current, SETTINGS, written, record)
    return drifted_fields(plan, current, record.poster_sha if record else None)


def test_an_item_in_step_needs_no_edit_and_has_no_drift() -> None:
    assert wanted_edit(META, _plex(), SETTINGS, WRITTEN, RECORD).empty
    assert _drift(_plex()) == []


def test_values_edited_in_plex_are_drift() -> None:
    assert _drift(_plex(title="Edited", genres=())) == ["title", "tags"]


def test_an_owned_field_unlocked_in_plex_is_locked_again() -> None:
    plan = wanted_edit(META, _plex(locked=LOCKED - {"summary"}), SETTINGS, WRITTEN, RECORD)
    assert plan.locked == ("summary",)
    assert plan.params == {"summary.locked": "1"}


def test_a_value_plexsync_never_wrote_is_not_drift() -> None:
    meta = META.model_copy(update={"summary": ""})
    current = _plex(summary="Written by an agent", locked=frozenset())
    plan = wanted_edit(meta, current, SETTINGS, {"title": "Title"}, RECORD)
    assert "summary" not in drifted_fields(plan, current, None)


def test_an_item_synced_by_plexsync_1x_counts_as_written() -> None:
    meta = META.model_copy(update={"summary": ""})
    plan = wanted_edit(meta, _plex(), SETTINGS, None, RECORD)
    assert plan.changed == ("summary",)  # 1.x wrote it, so clearing it in Stash clears it


def test_an_unlocked_poster_plexsync_uploaded_is_drift() -> None:
    assert _drift(_plex(locked=LOCKED - {"thumb"})) == ["poster"]


def test_an_unlocked_poster_plexsync_never_uploaded_is_not_drift() -> None:
    assert _drift(_plex(locked=LOCKED - {"thumb"}), record=None) == []
