"""A Stash scene as the metadata PlexSync sends to Plex, validated before any request.

The worker reads raw scenes from Stash; this module turns one into a frozen,
sanitized `SceneMetadata` or raises `InvalidMetadata` naming the field and the
reason, which the worker treats as a permanent error (dead letter, no retries).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import ntpath
import posixpath
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from plugin_core.failure import Failure
from validation.config import Settings
from validation.sanitize import clean_summary, clean_tags, clean_text, clean_title, transliterate


class InvalidMetadata(Failure):
    """The scene's metadata cannot be sent to Plex as it is; permanent until edited in Stash."""

    kind = "invalid_metadata"
    advice = "correct the scene in Stash; the next edit queues it again"


class SceneFile(BaseModel):
    model_config = ConfigDict(frozen=True)
    path: str
    size: int = 0


class SceneMetadata(BaseModel):
    """Everything PlexSync may write to one Plex item, already sanitized."""

    model_config = ConfigDict(frozen=True)

    scene_id: str
    title: str
    title_is_file_name: bool = False
    date: str | None = None
    summary: str = ""
    studio: str = ""
    performers: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    director: str = ""
    rating: float | None = None
    organized: bool = False
    files: tuple[SceneFile, ...] = ()
    urls: tuple[str, ...] = ()
    screenshot_url: str | None = None

    @field_validator("date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            parsed = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date of the form YYYY-MM-DD") from None
        if not 1800 <= parsed.year <= 2200:
            raise ValueError(f"{value!r} is outside the years Plex accepts (1800-2200)")
        return parsed.isoformat()

    @field_validator("rating")
    @classmethod
    def _rating(cls, value: float | None) -> float | None:
        if value is None:
            return None
        if not 0 <= value <= 10:
            raise ValueError(f"rating {value} is outside 0-10 (rating100 must be 0-100)")
        return round(value, 1)

    @property
    def stash_title(self) -> str:
        """The title Stash has; empty when `title` is only the file name standing in for it."""
        return "" if self.title_is_file_name else self.title

    @property
    def has_metadata(self) -> bool:
        """Whether Stash knows anything about the scene yet (CONTRACT §6).

        A scene fresh from a Stash scan has none of these; syncing it would only
        overwrite what a Plex agent found. Rating, director and URLs alone do not count.
        """
        return bool(
            self.stash_title
            or self.summary
            or self.date
            or self.studio
            or self.performers
            or self.tags
        )

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def fingerprint(self, sync_fields: tuple[str, ...]) -> str:
        """A digest of exactly what would be sent, so unchanged scenes cost nothing.

        The poster is represented by its version in Stash's screenshot link rather
        than by the image, which sync_all cannot afford to download for every scene.
        """
        sent = {name: _field_value(self, name) for name in sorted(sync_fields)}
        blob = json.dumps(sent, sort_keys=True, ensure_ascii=False, default=list)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _field_value(meta: SceneMetadata, name: str) -> Any:
    if name == "studioCollection":
        return meta.studio
    if name == "poster":
        return screenshot_version(meta.screenshot_url)
    return getattr(meta, name)


def screenshot_version(url: str | None) -> str | None:
    """The `t=` of Stash's screenshot link: the scene's update time, which a new cover changes.

    The host is left out, so reaching Stash by another address re-syncs nothing.
    """
    if not url:
        return None
    parts = urlsplit(url)
    versions = parse_qs(parts.query).get("t")
    return versions[0] if versions else parts.path


def file_stem(path: str) -> str:
    """The file name without extension, for either slash style."""
    base = ntpath.basename(path) if "\\" in path else posixpath.basename(path)
    stem, _ext = posixpath.splitext(base)
    return stem or base


def scene_to_metadata(scene: dict[str, Any], settings: Settings) -> SceneMetadata:
    """Map and sanitize one Stash scene (as read by the worker's GraphQL query)."""
    files = tuple(
        SceneFile(path=f["path"], size=int(f.get("size") or 0))
        for f in scene.get("files") or []
        if f.get("path")
    )
    title = clean_title(scene.get("title"))
    from_file = not title and bool(files)
    if from_file:
        # Without a Stash title Plex shows the file name, as it would before any sync.
        title = clean_title(file_stem(files[0].path))
    if settings.clean_titles and title:
        title = transliterate(title)
    rating100 = scene.get("rating100")
    studio = scene.get("studio") or {}
    try:
        return SceneMetadata(
            scene_id=str(scene["id"]),
            title=title,
            title_is_file_name=from_file,
            date=scene.get("date"),
            summary=clean_summary(scene.get("details")),
            studio=clean_text(studio.get("name"), 255),
            performers=clean_tags([p.get("name") or "" for p in scene.get("performers") or []]),
            tags=clean_tags([t.get("name") or "" for t in scene.get("tags") or []]),
            director=clean_text(scene.get("director"), 255),
            rating=None if rating100 is None else rating100 / 10,
            organized=bool(scene.get("organized")),
            files=files,
            urls=tuple(u for u in scene.get("urls") or [] if isinstance(u, str)),
            screenshot_url=(scene.get("paths") or {}).get("screenshot"),
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "scene"
        reason = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidMetadata(f"invalid {field}: {reason}") from None
