"""Which scenes read from Stash need a sync: the one rule sync_all, sync_recent and renames share.

A scene is compared by fingerprint (what would be sent), not by `updated_at`: a
renamed performer, tag or studio changes what Plex should show without touching
the scene, and an unchanged scene must cost Plex nothing. A scene with no metadata
yet is left out (CONTRACT §6), as is one skipUnorganized excludes. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sync_queue.job import Job
from validation.config import Settings
from validation.metadata import InvalidMetadata, scene_to_metadata


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    unchanged: int = 0
    unorganized: int = 0
    no_metadata: int = 0


def plan_jobs(
    scenes: Iterable[dict[str, Any]],
    recorded: dict[str, str],
    settings: Settings,
    event: str,
    now: float,
    only_synced: bool = False,
) -> Plan:
    """Jobs for the scenes whose fingerprint differs from the one last sent.

    With `only_synced`, scenes PlexSync never synced are left alone (a rename changes
    nothing PlexSync sent for them).
    """
    plan = Plan()
    for scene in scenes:
        scene_id = str(scene["id"])
        if only_synced and scene_id not in recorded:
            continue
        try:
            meta = scene_to_metadata(scene, settings)
        except InvalidMetadata:
            plan.jobs.append(
                Job(scene_id, event, now)
            )  # the worker dead-letters it with the reason
            continue
        if not meta.has_metadata:
            plan.no_metadata += 1  # nothing to say yet, so nothing to erase with
        elif settings.skip_unorganized and not meta.organized:
            plan.unorganized += 1
        elif recorded.get(scene_id) == meta.fingerprint(settings.sync_fields):
            plan.unchanged += 1
        else:
            plan.jobs.append(Job(scene_id, event, now))
    return plan
