"""The poster: Stash's screenshot, uploaded when it differs from what Plex last got from us.

A screenshot is downloaded only when Plex may not show it yet. Stash's screenshot
link carries a version (`t=`, the scene's update time), and PlexSync keeps, with
what it wrote to the item (sync_queue/written_values.py, field "poster"), the
version it last uploaded or found already there. When the two agree, Plex has
that screenshot and nothing is downloaded: renaming a performer in 5,000 scenes
re-sends their names without fetching 5,000 images from Stash.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from stash_client.errors import StashAuthError, StashError
from validation.config import Settings
from validation.metadata import SceneMetadata, screenshot_version

log = logging.getLogger("plexsync.sync")
POSTER = "poster"


class ScreenshotSource(Protocol):
    def screenshot(self, url: str) -> bytes: ...


@dataclass(frozen=True)
class PosterPlan:
    upload: tuple[bytes, str] | None = None  # the image and its hash, when Plex needs it
    version: str | None = None  # the screenshot version Plex shows once this sync is done


def poster_current(
    written: Mapping[str, object] | None, url: str | None, known: str | None
) -> bool:
    """Plex already shows this version of the screenshot, as PlexSync uploaded it (pure)."""
    if not (written and url and known):
        return False
    return written.get(POSTER) == screenshot_version(url)


def with_poster(written: Mapping[str, object], version: str | None) -> dict[str, object]:
    """What PlexSync wrote to the item, with the poster version it now shows (if known)."""
    values = {k: v for k, v in written.items() if k != POSTER}
    return {**values, POSTER: version} if version else values


class PosterStep:
    def __init__(self, settings: Settings, stash: ScreenshotSource) -> None:
        self.settings = settings
        self.stash = stash

    def wanted(self, meta: SceneMetadata, item: Any) -> bool:
        """Whether this sync looks at the poster at all (preservePlexEdits keeps Plex's)."""
        if POSTER not in self.settings.sync_fields or not meta.screenshot_url:
            return False
        return not (self.settings.preserve_plex_edits and getattr(item, "thumb", None))

    def plan(
        self,
        meta: SceneMetadata,
        item: Any,
        known_sha: str | None,
        written: Mapping[str, object] | None,
    ) -> PosterPlan:
        """What to upload, downloading the screenshot only when Plex may lack it."""
        if not self.wanted(meta, item):
            return PosterPlan()
        url = str(meta.screenshot_url)
        version = screenshot_version(url)
        if poster_current(written, url, known_sha):
            return PosterPlan(version=version)
        try:
            image = self.stash.screenshot(url)
        except StashAuthError:
            raise
        except StashError as exc:
            log.debug("scene %s: no poster sent (%s)", meta.scene_id, exc)
            return PosterPlan()
        if not image:
            return PosterPlan()
        sha = hashlib.sha256(image).hexdigest()
        return PosterPlan(None if sha == known_sha else (image, sha), version)
