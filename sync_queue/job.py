"""A job: one request to bring one Stash scene's metadata to Plex.

It carries the scene id and the event, never a snapshot of the scene: the worker
reads the scene when the job runs, so it always sends the latest state.
Standard library only (the hook builds jobs).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Job:
    """What the queue stores, serialized as JSON (never pickle)."""

    scene_id: str
    event: str
    enqueued_at: float
    attempt: int = 0
    not_before: float = 0.0
    last_error: str | None = None
    error_kind: str | None = None
    first_failure_at: float | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """Rebuild a job, tolerating fields added by later versions."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**{**known, "scene_id": str(known["scene_id"])})

    @classmethod
    def from_json(cls, raw: bytes | str) -> Job:
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        return cls.from_dict(json.loads(raw))

    def retry_later(self, not_before: float, kind: str, message: str, now: float) -> Job:
        """The same job, one attempt further on, due at `not_before`."""
        return replace(
            self,
            attempt=self.attempt + 1,
            not_before=not_before,
            last_error=message,
            error_kind=kind,
            first_failure_at=self.first_failure_at or now,
        )
