"""Fixtures shared by the unit tests: a clean secret registry and real time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from plex.item_values import PlexValues
from plugin_core import protocol
from validation.metadata import SceneMetadata

ALL_LOCKS = frozenset(
    [
        "title",
        "summary",
        "studio",
        "originallyAvailableAt",
        "year",
        "genre",
        "actor",
        "director",
        "collection",
        "thumb",
    ]
)


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """An empty secret registry for this test only (the real one is process-wide)."""
    secrets: set[str] = set()
    monkeypatch.setattr(protocol, "_SECRETS", secrets)
    return secrets


@pytest.fixture
def real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Delays at their documented size, whatever PLEXSYNC_TIME_SCALE the runner has set."""
    monkeypatch.delenv("PLEXSYNC_TIME_SCALE", raising=False)


def same_as(meta: SceneMetadata, **changes: Any) -> PlexValues:
    """What Plex shows once `meta` has been synced (every field locked), with `changes` applied."""
    values = PlexValues(
        rating_key="500",
        title=meta.title,
        summary=meta.summary,
        studio=meta.studio,
        date=meta.date,
        genres=meta.tags,
        actors=meta.performers,
        directors=(meta.director,) if meta.director else (),
        collections=(meta.studio,) if meta.studio else (),
        user_rating=meta.rating,
        locked=ALL_LOCKS,
    )
    return replace(values, **changes)
