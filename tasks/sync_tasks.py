"""sync_all and sync_recent: queue every scene whose synced fields changed, then drain.

A scene is compared by fingerprint (what would be sent), not by `updated_at`: a
renamed performer, tag or studio changes what Plex should show without touching
the scene, and an unchanged scene must cost Plex nothing. Scenes are read page
by page, never in one unbounded request.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import Any

from stash_client.reader import StashReader
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecords
from tasks.errors import TaskError
from tasks.foreground import drain_in_foreground
from tasks.task_run import TaskRun
from worker.changed_scenes import plan_jobs

log = logging.getLogger("plexsync.task")
QUEUE_SHARE_OF_PROGRESS = 0.3


def sync_all(run: TaskRun) -> dict[str, Any]:
    return _sync(run, "sync_all", _all_pages(run.ctx.stash))


def sync_recent(run: TaskRun) -> dict[str, Any]:
    hours = run.number_arg("hours", 24, 0.01, 24 * 3650)
    since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)
    return _sync(run, "sync_recent", _recent_pages(run.ctx.stash, since))


def _sync(
    run: TaskRun, event: str, pages: Iterator[tuple[list[dict[str, Any]], int]]
) -> dict[str, Any]:
    settings = run.ctx.settings
    queue, state = JobQueue(run.data_dir), open_state_db(run.data_dir)
    records = SyncRecords(state)
    queued = unchanged = unorganized = no_metadata = seen = 0
    try:
        for scenes, total in pages:
            ids = [str(s["id"]) for s in scenes]
            plan = plan_jobs(scenes, records.fingerprints(ids), settings, event, time.time())
            queued += queue.enqueue(plan.jobs)
            unchanged += plan.unchanged
            unorganized += plan.unorganized
            no_metadata += plan.no_metadata
            seen += len(scenes)
            run.progress(QUEUE_SHARE_OF_PROGRESS * min(1.0, seen / max(1, total)))
    finally:
        queue.close()
        state.close()
    log.info(
        "%s: %d scene(s) read, %d queued, %d unchanged, %d not organized, %d without metadata",
        event,
        seen,
        queued,
        unchanged,
        unorganized,
        no_metadata,
    )
    counts = {"queued": queued, "skipped_unchanged": unchanged, "skipped_unorganized": unorganized}
    try:
        drained = drain_in_foreground(run, QUEUE_SHARE_OF_PROGRESS)
    except TaskError as exc:
        raise TaskError(str(exc), {**counts, **(exc.output or {})}) from None
    # Scenes left out here and scenes the drain found empty (queued earlier by a hook).
    no_metadata += int(drained.pop("skipped_no_metadata", 0))
    return {**counts, "skipped_no_metadata": no_metadata, **drained}


def _all_pages(stash: StashReader) -> Iterator[tuple[list[dict[str, Any]], int]]:
    yield from stash.scene_pages()


def _recent_pages(
    stash: StashReader, since: dt.datetime
) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Scenes updated since `since`, plus scenes whose performers, tags or studio were."""
    filters: list[dict[str, Any]] = [{"updated_at": stash.updated_since(since)}]
    entities = stash.updated_entity_ids(since)
    if entities["performers"]:
        filters.append({"performers": {"value": entities["performers"], "modifier": "INCLUDES"}})
    for kind in ("tags", "studios"):
        if entities[kind]:
            filters.append({kind: {"value": entities[kind], "modifier": "INCLUDES", "depth": 0}})
    seen: set[str] = set()
    for scene_filter in filters:
        for scenes, total in stash.scene_pages(scene_filter):
            fresh = [s for s in scenes if str(s["id"]) not in seen]
            seen.update(str(s["id"]) for s in fresh)
            yield fresh, total
