"""A renamed or merged performer, tag or studio: its scenes that now show differently.

Stash fires no scene hook when a performer, tag or studio is renamed, or when tags
are merged, yet every scene of it should show the new name in Plex. The hook
queues one job for the entity; here the worker reads that entity's scenes from
Stash page by page (a scene filter on it, never one unbounded request) and queues
the scenes PlexSync synced before whose fingerprint changed. A tag merge's hook
names the destination tag, which now holds the source tags' scenes, so the same
expansion finds them. A scene PlexSync never synced is left alone: the rename
changes nothing it sent to Plex.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from stash_client.errors import StashError
from stash_client.reader import StashReader
from sync_queue.job import Job
from sync_queue.job_queue import ClaimedScene, JobQueue
from sync_queue.sync_state import SyncRecords
from validation.config import Settings
from worker.changed_scenes import plan_jobs

log = logging.getLogger("plexsync.worker")
SCENE_FILTER_FIELD = {"performer": "performers", "tag": "tags", "studio": "studios"}


def scene_filter(entity: str, entity_id: str) -> dict[str, Any]:
    """findScenes' filter for the scenes that carry this entity (itself only, no sub-tags)."""
    criterion: dict[str, Any] = {"value": [entity_id], "modifier": "INCLUDES"}
    if entity != "performer":
        criterion["depth"] = 0  # tags and studios are hierarchical criteria in Stash
    return {SCENE_FILTER_FIELD[entity]: criterion}


class EntityJobs:
    """Turns the entity jobs of a claimed batch into scene jobs, then settles them."""

    def __init__(
        self,
        stash: StashReader,
        queue: JobQueue,
        records: SyncRecords,
        settings: Settings,
        now: Callable[[], float],
    ) -> None:
        self.stash = stash
        self.queue = queue
        self.records = records
        self.settings = settings
        self.now = now

    def expand(self, claims: list[ClaimedScene]) -> None:
        """Queue each entity's changed scenes and ack its job; a Stash error releases
        the entity jobs not yet done and is raised for the drain to handle."""
        for position, claimed in enumerate(claims):
            try:
                checked, queued = self._expand_one(claimed.job)
            except StashError:
                self.queue.release(claims[position:])
                raise
            self.queue.ack(claimed)
            job = claimed.job
            log.info(
                "%s %s changed in Stash (%s): %d of its %d scene(s) show differently, queued",
                job.entity,
                job.scene_id,
                job.event,
                queued,
                checked,
            )

    def _expand_one(self, job: Job) -> tuple[int, int]:
        checked = queued = 0
        for scenes, _total in self.stash.scene_pages(scene_filter(job.entity, job.scene_id)):
            recorded = self.records.fingerprints([str(s["id"]) for s in scenes])
            plan = plan_jobs(
                scenes, recorded, self.settings, job.event, self.now(), only_synced=True
            )
            queued += self.queue.enqueue(plan.jobs)
            checked += len(scenes)
        return checked, queued
