"""reconcile: find the scenes whose Plex item drifted from Stash, queue them, then drain.

sync_all only notices changes made in Stash (a fingerprint of what was sent).
When Plex changes behind PlexSync's back (an edit in Plex, an unlocked field
reverted by an agent refresh, a database restored from a backup), only reading
the items shows it. Every matched scene's item is read, 50 per request, and
compared with the same rules the sync uses (plex/drift.py), so an in-sync
library costs one read per 50 scenes and no write at all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from plex.client import ITEMS_PER_READ
from plex.drift import drifted_fields, wanted_edit
from plex.errors import LibraryNotFound
from plex.index import PlexIndex
from plex.item_values import read_values
from plex.matcher import HIGH, SceneFiles
from plex.scene_lookup import SceneLookup
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecord, SyncRecords
from sync_queue.written_values import WrittenValues
from tasks.errors import TaskError
from tasks.foreground import drain_in_foreground
from tasks.task_run import TaskRun
from validation.metadata import InvalidMetadata, SceneMetadata, scene_to_metadata
from worker.sync_step import describe

log = logging.getLogger("plexsync.task")
CHECK_SHARE_OF_PROGRESS = 0.5
EVENT = "reconcile"


@dataclass
class _Target:
    meta: SceneMetadata
    rating_key: str
    record: SyncRecord | None


@dataclass
class _Tally:
    checked: int = 0
    differing: int = 0
    unmatched: int = 0
    jobs: list[Job] = field(default_factory=list)


class Reconciler:
    """Compares scenes with their Plex items, 50 items per read; collects the jobs."""

    def __init__(
        self,
        run: TaskRun,
        lookup: SceneLookup,
        records: SyncRecords,
        written: WrittenValues,
        queued: set[str],
    ) -> None:
        self.run = run
        self.settings = run.ctx.settings
        self.lookup = lookup
        self.records = records
        self.written = written
        self.queued = queued
        self.tally = _Tally()
        self._waiting: list[_Target] = []

    def add(self, scene: dict[str, Any]) -> None:
        try:
            meta = scene_to_metadata(scene, self.settings)
        except InvalidMetadata:
            return  # sync_all queues it; the worker names the problem
        if not meta.has_metadata or (self.settings.skip_unorganized and not meta.organized):
            return  # never synced, so nothing in Plex can have drifted from it
        record = self.records.get(meta.scene_id)
        key = record.rating_key if record else self._match(meta)
        if key is None:
            self.tally.unmatched += 1
            return
        self._waiting.append(_Target(meta, key, record))
        if len(self._waiting) >= ITEMS_PER_READ:
            self.flush()

    def flush(self) -> None:
        """Read and compare the waiting scenes' items (one request)."""
        targets, self._waiting = self._waiting, []
        if not targets:
            return
        items = self.run.ctx.plex.fetch_items([t.rating_key for t in targets])
        for target in targets:
            item = items.get(target.rating_key)
            if item is None:
                self.tally.unmatched += 1
                log.info(
                    "reconcile: %s: Plex item %s is gone; the next sync looks for the file again",
                    describe(target.meta.scene_id, target.meta.title),
                    target.rating_key,
                )
                continue
            self.tally.checked += 1
            self._compare(target, item)

    def _compare(self, target: _Target, item: Any) -> None:
        current = read_values(item)
        previous = (
            target.record
            if target.record and target.record.rating_key == current.rating_key
            else None
        )
        written = self.written.get(target.rating_key)
        plan = wanted_edit(target.meta, current, self.settings, written, previous)
        poster_sha = (
            previous.poster_sha if previous and "poster" in self.settings.sync_fields else None
        )
        fields = drifted_fields(plan, current, poster_sha)
        if not fields:
            return
        self.tally.differing += 1
        scene_id = target.meta.scene_id
        already = scene_id in self.queued
        if not already:
            self.queued.add(scene_id)
            self.tally.jobs.append(Job(scene_id, EVENT, time.time()))
        log.info(
            "reconcile: %s -> Plex item %s differs in %s; %s",
            describe(scene_id, target.meta.title),
            target.rating_key,
            ", ".join(fields),
            "already queued" if already else "queued",
        )

    def _match(self, meta: SceneMetadata) -> str | None:
        result = self.lookup.lookup(
            SceneFiles(tuple((f.path, f.size) for f in meta.files), meta.urls)
        )
        sure = result.confidence == HIGH or self.settings.allow_ambiguous_match
        return str(result.rating_key) if result.rating_key is not None and sure else None


def reconcile(run: TaskRun) -> dict[str, Any]:
    ctx = run.ctx
    state, queue = open_state_db(run.data_dir), JobQueue(run.data_dir)
    try:
        index = PlexIndex(state, ctx.plex, ctx.settings.plex_libraries)
        lookup = SceneLookup(index, ctx.plex, ctx.settings.path_map)
        try:
            lookup.ensure()
        except LibraryNotFound as exc:
            raise TaskError(str(exc)) from None
        records, written = SyncRecords(state), WrittenValues(state)
        checker = Reconciler(run, lookup, records, written, queue.open_keys())
        seen = 0
        for scenes, total in ctx.stash.scene_pages():
            for scene in scenes:
                checker.add(scene)
            seen += len(scenes)
            run.progress(CHECK_SHARE_OF_PROGRESS * min(1.0, seen / max(1, total)))
        checker.flush()
        tally = checker.tally
        queued = queue.enqueue(tally.jobs)
    finally:
        queue.close()
        state.close()
    log.info(
        "reconcile: %d scene(s) compared with Plex, %d differ, %d queued, %d not in Plex",
        tally.checked,
        tally.differing,
        queued,
        tally.unmatched,
    )
    counts = {
        "checked": tally.checked,
        "differing": tally.differing,
        "queued": queued,
        "unmatched": tally.unmatched,
    }
    try:
        drained = drain_in_foreground(run, CHECK_SHARE_OF_PROGRESS)
    except TaskError as exc:
        raise TaskError(str(exc), {**counts, **(exc.output or {})}) from None
    return {**counts, **drained}
