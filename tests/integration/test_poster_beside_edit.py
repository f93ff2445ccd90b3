"""A changed scene's poster upload and edit PUT, sent together to the fake Plex.

Both requests are in flight at once; what Plex ends up with is what the upload
followed by the edit gave. When one of them fails, the scene fails with that
error (the upload's first), a poster Plex took is remembered, and the retry
sends only what is still missing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plex.client import PlexClient
from plex.errors import PlexError
from plex.folder_scans import FolderScans
from plex.index import PlexIndex
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecords
from sync_queue.written_values import WrittenValues
from tests.fakes.fake_plex import FakePlex
from validation.config import load_settings
from worker.batch_reads import BatchItems
from worker.missing_file import MissingFile
from worker.side_by_side import SideBySide
from worker.sync_step import SYNCED, SceneSyncer

pytest_plugins = ["tests.fakes.plex_fixtures"]
IMAGE = b"\x89PNG\r\n\x1a\n" + b"screenshot" * 10
SCENE = {
    "id": "7",
    "title": "New title",
    "files": [{"path": "/media/a/clip.mp4", "size": 10}],
    "urls": [],
    "paths": {"screenshot": "http://stash/scene/7/screenshot?t=1"},
}


class OneScreenshot:
    def __init__(self) -> None:
        self.downloads = 0

    def screenshot(self, _url: str) -> bytes:
        self.downloads += 1
        return IMAGE


@pytest.fixture
def rig(fake_plex: FakePlex, tmp_path: Path) -> Iterator[tuple[SceneSyncer, str, SyncRecords]]:
    key = fake_plex.add_item("1", "Old title", [("/media/a/clip.mp4", 10)])
    settings = load_settings({"plexUrl": fake_plex.url, "plexToken": fake_plex.token})
    plex = PlexClient(settings)
    state = open_state_db(tmp_path, check_same_thread=False)
    beside = SideBySide()
    try:
        index = PlexIndex(state, plex, settings.plex_libraries)
        records = SyncRecords(state)
        missing = MissingFile(settings, FolderScans(state, plex), index)
        items = BatchItems(plex.fetch_items)
        syncer = SceneSyncer(
            settings, plex, index, records, WrittenValues(state), missing,
            OneScreenshot(), items, beside=beside,
        )  # fmt: skip
        yield syncer, key, records
    finally:
        beside.close()
        state.close()


def writes(fake_plex: FakePlex) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake_plex.requests if r.method in ("PUT", "POST")]


def test_the_upload_and_the_edit_are_in_flight_together(
    fake_plex: FakePlex, rig: tuple[SceneSyncer, str, SyncRecords]
) -> None:
    syncer, key, _records = rig
    gate = fake_plex.hold("POST", key)  # the upload waits, unanswered, until released
    outcome: list[Any] = []
    sync = threading.Thread(target=lambda: outcome.append(syncer.sync(SCENE)))
    sync.start()
    try:
        put_seen = _poll(lambda: any(m == "PUT" for m, _ in writes(fake_plex)))
    finally:
        gate.set()
        sync.join(30)
    assert put_seen, "the edit PUT reached Plex while the poster upload was still in flight"
    assert outcome[0].status == SYNCED
    item = fake_plex.item(key)
    assert (item.title, item.poster, item.poster_uploads) == ("New title", IMAGE, 1)
    assert "thumb" in item.locked


def test_a_failed_upload_fails_the_scene_and_the_retry_uploads_it_again(
    fake_plex: FakePlex, rig: tuple[SceneSyncer, str, SyncRecords]
) -> None:
    syncer, key, records = rig
    fake_plex.fail_next(1, 500, path_prefix=f"/library/metadata/{key}/posters", method="POST")
    with pytest.raises(PlexError, match="poster"):
        syncer.sync(SCENE)
    assert records.get("7") is None  # nothing recorded: the scene syncs again in full
    syncer.sync(SCENE)
    item = fake_plex.item(key)
    assert (item.title, item.poster, item.poster_uploads) == ("New title", IMAGE, 1)


def test_a_failed_edit_keeps_the_uploaded_poster_and_the_retry_sends_only_the_edit(
    fake_plex: FakePlex, rig: tuple[SceneSyncer, str, SyncRecords]
) -> None:
    syncer, key, _records = rig
    fake_plex.fail_next(1, 500, path_prefix="/library/sections", method="PUT")
    with pytest.raises(PlexError):
        syncer.sync(SCENE)
    assert fake_plex.item(key).title == "Old title"
    before = len(writes(fake_plex))
    syncer.sync(SCENE)
    retried = writes(fake_plex)[before:]
    assert [method for method, _ in retried] == ["PUT"]  # the poster is not uploaded again
    item = fake_plex.item(key)
    assert (item.title, item.poster_uploads) == ("New title", 1)


def _poll(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False
