"""A job: one request to bring one Stash scene's metadata to Plex.

It carries the scene id and the event, never a snapshot of the scene: the worker
reads the scene when the job runs, so it always sends the latest state.
Standard library only (the hook builds jobs).
"""

from __future__ import annotations

import json
from collections import namedtuple

_FIELDS = "scene_id event enqueued_at attempt not_before last_error error_kind first_failure_at"


class Job(namedtuple("Job", _FIELDS, defaults=(0, 0.0, None, None, None))):
    """What the queue stores, serialized as JSON (never pickle).

    scene_id, event, enqueued_at; attempt (failed attempts so far), not_before (due
    time), last_error, error_kind, first_failure_at. An immutable named tuple rather
    than a dataclass: `dataclasses` costs the hook ~10 ms to import.
    """

    __slots__ = ()

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
