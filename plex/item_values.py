"""What a Plex item currently shows, read from plexapi's object into plain values.

The edit builder compares against these, so only changed fields are written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlexValues:
    rating_key: str
    title: str = ""
    summary: str = ""
    studio: str = ""
    date: str | None = None
    genres: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    user_rating: float | None = None
    locked: frozenset[str] = frozenset()


def _tags(item: Any, attribute: str) -> tuple[str, ...]:
    return tuple(t.tag for t in getattr(item, attribute, None) or [] if getattr(t, "tag", None))


def read_values(item: Any) -> PlexValues:
    """Plain values from a fully loaded plexapi Video."""
    date = getattr(item, "originallyAvailableAt", None)
    rating = getattr(item, "userRating", None)
    return PlexValues(
        rating_key=str(item.ratingKey),
        title=item.title or "",
        summary=getattr(item, "summary", "") or "",
        studio=getattr(item, "studio", "") or "",
        date=date.strftime("%Y-%m-%d") if date else None,
        genres=_tags(item, "genres"),
        actors=_tags(item, "roles"),
        directors=_tags(item, "directors"),
        collections=_tags(item, "collections"),
        user_rating=float(rating) if rating is not None else None,
        locked=frozenset(
            f.name for f in getattr(item, "fields", None) or [] if getattr(f, "locked", False)
        ),
    )
