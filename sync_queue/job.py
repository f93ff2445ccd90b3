"""A job: one request to bring one Stash scene's metadata to Plex.

It carries the scene id and the event, never a snapshot of the scene: the worker
reads the scene when the job runs, so it always sends the latest state.
An entity job (`entity` = performer, tag or studio; `scene_id` = that entity's id)
stands for every scene of a renamed or merged entity; the worker turns it into
scene jobs (worker/entity_jobs.py). Standard library only (the hook builds jobs).
"""

from __future__ import annotations

import json
from collections import namedtuple

_FIELDS = (
    "scene_id event enqueued_at attempt not_before last_error error_kind first_failure_at entity"
)


class Job(namedtuple("Job", _FIELDS, defaults=(0, 0.0, None, None, None, None))):
    """What the queue stores, serialized as JSON (never pickle).

    scene_id, event, enqueued_at; attempt (failed attempts so far), not_before (due
    time), last_error, error_kind, first_failure_at; entity (None for a scene job, else
    performer, tag or studio, whose id is in scene_id). An immutable named tuple rather
    than a dataclass: `dataclasses` costs the hook ~10 ms to import.
    """

    __slots__ = ()

    @property
    def queue_key(self) -> str:
        """What the queue groups rows by: the scene id, or `<entity>:<id>` for an entity job."""
        return f"{self.entity}:{self.scene_id}" if self.entity else self.scene_id

    def to_json(self) -> bytes:
        return json.dumps(self._asdict(), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Job:
        """Rebuild a job, tolerating fields added by later versions."""
        known = {k: data[k] for k in cls._fields if k in data}
        return cls(**{**known, "scene_id": str(known["scene_id"])})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Job:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        return cls.from_dict(json.loads(raw))

    def retry_later(self, not_before: float, kind: str, message: str, now: float) -> Job:
        """The same job, one attempt further on, due at `not_before`."""
        return self._replace(
            attempt=self.attempt + 1,
            not_before=not_before,
            last_error=message,
            error_kind=kind,
            first_failure_at=self.first_failure_at or now,
        )
