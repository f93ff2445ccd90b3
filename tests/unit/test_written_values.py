"""What PlexSync wrote, per Plex item and field (CONTRACT §6)."""

from __future__ import annotations

from sync_queue.state_db import open_state_db
from sync_queue.written_values import WrittenValues


def test_values_round_trip_with_tag_lists_as_tuples(tmp_path) -> None:
    written = WrittenValues(open_state_db(tmp_path))
    written.save("501", {"title": "T", "tags": ("a", "b, c"), "rating": 7.5})
    assert written.get("501") == {"title": "T", "tags": ("a", "b, c"), "rating": 7.5}


def test_an_item_never_recorded_differs_from_one_where_plexsync_owns_nothing(tmp_path) -> None:
    written = WrittenValues(open_state_db(tmp_path))
    written.save("1", {})
    assert (written.get("1"), written.get("2")) == ({}, None)


def test_saving_replaces_the_items_whole_record(tmp_path) -> None:
    written = WrittenValues(open_state_db(tmp_path))
    written.save("1", {"title": "Old", "summary": "S"})
    written.save("1", {"title": "New"})
    assert written.get("1") == {"title": "New"}
