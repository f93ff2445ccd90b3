"""What was last sent to Plex per scene, in the state database."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_queue.state_db import kv_get, kv_set, open_state_db
from sync_queue.sync_state import SyncRecord, SyncRecords


@pytest.fixture
def records(tmp_path: Path):
    conn = open_state_db(tmp_path)
    yield SyncRecords(conn)
    conn.close()


def test_unknown_scene_has_no_record(records: SyncRecords) -> None:
    assert records.get("1") is None


def test_saved_record_is_read_back_whole(records: SyncRecords) -> None:
    record = SyncRecord("1", "abc", "501", 10.5, poster_sha="ff", studio_sent="Acme")
    records.save(record)
    assert records.get("1") == record


def test_saving_again_replaces_the_record(records: SyncRecords) -> None:
    records.save(SyncRecord("1", "old", "501", 1.0))
    records.save(SyncRecord("1", "new", "777", 2.0))
    assert records.get("1") == SyncRecord("1", "new", "777", 2.0)
    assert records.fingerprints(["1"]) == {"1": "new"}


def test_fingerprints_for_many_scenes_in_one_call(records: SyncRecords) -> None:
    records.save(SyncRecord("1", "f1", "1", 1.0))
    records.save(SyncRecord("2", "f2", "2", 1.0))
    assert records.fingerprints(["1", "2", "3"]) == {"1": "f1", "2": "f2"}
    assert records.fingerprints([]) == {}


def test_fingerprints_for_a_full_page_of_500_scenes(records: SyncRecords) -> None:
    ids = [str(i) for i in range(500)]
    for i in ids[::50]:
        records.save(SyncRecord(i, f"f{i}", i, 1.0))
    assert records.fingerprints(ids) == {i: f"f{i}" for i in ids[::50]}


def test_records_are_shared_by_two_connections(tmp_path: Path) -> None:
    writer, reader = open_state_db(tmp_path), open_state_db(tmp_path)
    try:
        SyncRecords(writer).save(SyncRecord("5", "f", "9", 1.0))
        assert SyncRecords(reader).get("5") == SyncRecord("5", "f", "9", 1.0)
    finally:
        writer.close()
        reader.close()


def test_kv_round_trip_and_missing_key(tmp_path: Path) -> None:
    conn = open_state_db(tmp_path)
    try:
        assert kv_get(conn, "plex_platform") is None
        kv_set(conn, "plex_platform", "Windows")
        kv_set(conn, "plex_platform", "Linux")
        assert kv_get(conn, "plex_platform") == "Linux"
    finally:
        conn.close()
