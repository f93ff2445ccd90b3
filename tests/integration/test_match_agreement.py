"""Match report and sync answer alike, because they share one lookup (plex/scene_lookup.py).

The case that used to differ: a Windows Plex server with a network share, a pathMap
written with forward slashes (`//nas/media`), and two files of the same name. Only a lookup that has learnt the server's
platform folds case and slashes and finds the one right item; the report used to
skip that step and called the scene ambiguous while the sync matched it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from plex.client import PlexClient
from plex.folder_scans import FolderScans
from plex.index import PlexIndex
from plex.matcher import HIGH
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecords
from sync_queue.written_values import WrittenValues
from tasks.plex_checks import match_report
from tasks.task_run import TaskRun
from tests.fakes.fake_plex import FakePlex
from validation.config import load_settings
from validation.metadata import scene_to_metadata
from worker.batch_reads import BatchItems
from worker.context import Context
from worker.missing_file import MissingFile
from worker.sync_step import SceneSyncer

pytest_plugins = ["tests.fakes.plex_fixtures"]
SCENE = {
    "id": "7",
    "title": "Clip",
    "files": [{"path": "/data/a/CLIP.mp4", "size": 10}],
    "urls": [],
}


class OneSceneStash:
    """The only part of the Stash reader the report and the match use."""

    def scene_pages(self, _filter: Any = None) -> Iterator[tuple[list[dict[str, Any]], int]]:
        yield [SCENE], 1

    def screenshot(self, _url: str) -> bytes:
        return b""


def test_match_report_and_sync_agree_on_a_windows_path_library(
    fake_plex: FakePlex, tmp_path: Path
) -> None:
    fake_plex.set_platform("Windows")
    wanted = fake_plex.add_item("1", "A", [("\\\\nas\\media\\a\\clip.mp4", 10)])
    fake_plex.add_item("1", "B", [("\\\\nas\\media\\b\\clip.mp4", 10)])
    settings = load_settings(
        {"plexUrl": fake_plex.url, "plexToken": fake_plex.token, "pathMap": "/data=>//nas/media"}
    )
    plex = PlexClient(settings)
    context = Context(tmp_path, settings, OneSceneStash(), plex)  # type: ignore[arg-type]
    report = match_report(TaskRun({}, {}, tmp_path, _ctx=context))

    state = open_state_db(tmp_path)
    try:
        index = PlexIndex(state, plex, settings.plex_libraries)
        missing = MissingFile(settings, FolderScans(state, plex), index)
        stores = (SyncRecords(state), WrittenValues(state), missing)
        items = BatchItems(plex.fetch_items)
        syncer = SceneSyncer(settings, plex, index, *stores, OneSceneStash(), items)  # type: ignore[arg-type]
        synced = syncer.match(scene_to_metadata(SCENE, settings))
    finally:
        state.close()

    assert (synced.rating_key, synced.confidence) == (wanted, HIGH)
    assert (report["high"], report["low"], report["unmatched"]) == (1, 0, 0)
