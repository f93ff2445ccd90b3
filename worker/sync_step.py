"""One scene, start to finish: validate -> match -> minimal edit -> Plex -> record.

Raises the classified errors of plex/errors.py (and InvalidMetadata) for the drain
loop to retry or dead-letter; returns an Outcome a person can read otherwise. The
drain reads the Plex items of a whole batch at once (worker/batch_reads.py); a
scene takes its item from there, or reads it itself when it was not read early.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from plex.client import PlexClient
from plex.drift import wanted_edit
from plex.edits import EditPlan
from plex.errors import NotFoundError
from plex.index import PlexIndex
from plex.item_values import PlexValues, read_values
from plex.matcher import HIGH, LOW, MatchResult, SceneFiles, match_scene
from plex.path_map import map_path
from sync_queue.sync_state import SyncRecord, SyncRecords
from validation.config import Settings
from validation.metadata import InvalidMetadata, SceneMetadata, scene_to_metadata
from worker.batch_reads import BatchItems
from worker.logs import scene_paths_in_scope
from worker.stash_reader import StashAuthError, StashError, StashReader

log = logging.getLogger("plexsync.sync")
SYNCED = "synced"
UNCHANGED = "unchanged"
SKIPPED = "skipped"


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str
    rating_key: str | None = None


def describe(scene_id: str, title: str) -> str:
    return f'scene {scene_id} "{title}"' if title else f"scene {scene_id}"


class SceneSyncer:
    def __init__(
        self,
        settings: Settings,
        plex: PlexClient,
        index: PlexIndex,
        records: SyncRecords,
        stash: StashReader,
        now: Callable[[], float] = time.time,
        items: BatchItems | None = None,
    ) -> None:
        self.settings = settings
        self.plex = plex
        self.index = index
        self.records = records
        self.stash = stash
        self.now = now
        self.items = items

    def sync(self, scene: dict[str, Any]) -> Outcome:
        meta = scene_to_metadata(scene, self.settings)
        who = describe(meta.scene_id, meta.title)
        scene_paths_in_scope(
            [f.path for f in meta.files]
            + [map_path(f.path, self.settings.path_map) for f in meta.files]
        )
        if self.settings.skip_unorganized and not meta.organized:
            return Outcome(SKIPPED, f"{who}: skipped, not marked organized (skipUnorganized is on)")
        match = self.match(meta)
        if match.confidence == LOW and not self.settings.allow_ambiguous_match:
            listed = "; ".join(
                f"item {c.rating_key} {c.path} ({c.size} bytes)" for c in match.candidates[:5]
            )
            return Outcome(
                SKIPPED,
                f"{who}: skipped, ambiguous match: {match.reason}: {listed}. "
                "Fix pathMap or turn on allowAmbiguousMatch",
            )
        if match.rating_key is None and not meta.files:
            return Outcome(SKIPPED, f"{who}: skipped, the scene has no files to find in Plex")
        if match.rating_key is None:
            raise NotFoundError(f"not in Plex: {match.reason}")
        return self._apply(meta, match, who)

    def sure_key(self, scene: dict[str, Any]) -> str | None:
        """The Plex item of a scene the built index matches at once, to read it early.

        A scene that needs an index refresh, is skipped or is invalid gets None and
        is left to its own turn.
        """
        try:
            meta = scene_to_metadata(scene, self.settings)
        except InvalidMetadata:
            return None
        if self.settings.skip_unorganized and not meta.organized:
            return None
        self.index.ensure()
        result = self._lookup(meta)
        if result.rating_key is None:
            return None
        if result.confidence == HIGH or self.settings.allow_ambiguous_match:
            return str(result.rating_key)
        return None

    def match(self, meta: SceneMetadata) -> MatchResult:
        """Match against the index; a miss refreshes the sections that could hold the file."""
        self.index.ensure()
        result = self._lookup(meta)
        if result.confidence != HIGH and meta.files:
            mapped = map_path(meta.files[0].path, self.settings.path_map)
            if self.index.refresh_for_missing(mapped):
                result = self._lookup(meta)
        log.debug(
            "scene %s matched %s (%s: %s)",
            meta.scene_id,
            result.rating_key,
            result.confidence,
            result.reason,
        )
        return result

    def _lookup(self, meta: SceneMetadata) -> MatchResult:
        scene = SceneFiles(tuple((f.path, f.size) for f in meta.files), meta.urls)
        windows = self.index.windows_server
        machine = self.plex.machine_identifier
        return match_scene(scene, self.settings.path_map, self.index, windows, machine)

    def _apply(self, meta: SceneMetadata, match: MatchResult, who: str) -> Outcome:
        key = str(match.rating_key)
        record = self.records.get(meta.scene_id)
        previous = record if record is not None and record.rating_key == key else None
        item = self._fetch(key)
        current = read_values(item)
        plan = wanted_edit(meta, current, self.settings, previous)
        poster_sha = previous.poster_sha if previous else None
        new_poster = self._poster(meta, item, poster_sha)
        poster_sha = self._write(meta.scene_id, key, item, plan, current, poster_sha, new_poster)
        changed = [*plan.changed, "poster"] if new_poster is not None else list(plan.changed)
        self.records.save(
            SyncRecord(
                meta.scene_id,
                meta.fingerprint(self.settings.sync_fields),
                key,
                self.now(),
                poster_sha,
                meta.studio or None,
            )
        )
        target = f'Plex item {key} "{current.title}"' if current.title else f"Plex item {key}"
        if not changed:
            return Outcome(UNCHANGED, f"{who} -> {target}: already up to date", key)
        return Outcome(SYNCED, f"{who} -> {target}: updated {', '.join(changed)}", key)

    def _fetch(self, key: str) -> Any:
        """The item as read with the batch, or read now; an item gone from Plex leaves the index."""
        try:
            batched = self.items.take(key) if self.items else None
            return batched if batched is not None else self.plex.fetch_item(key)
        except NotFoundError:
            self.index.forget(key)
            raise

    def _write(
        self,
        scene_id: str,
        key: str,
        item: Any,
        plan: EditPlan,
        current: PlexValues,
        poster_sha: str | None,
        new_poster: tuple[bytes, str] | None,
    ) -> str | None:
        """Poster, then the one edit, then the rating; returns the poster hash Plex now has."""
        params = dict(plan.params)
        if new_poster is not None:
            self.plex.upload_poster(item, new_poster[0])
            self.records.save_poster(scene_id, key, new_poster[1], self.now())
            poster_sha = new_poster[1]
        if new_poster is not None or (poster_sha and "thumb" not in current.locked):
            params["thumb.locked"] = "1"  # also when an earlier attempt uploaded the poster
        if params:
            self.plex.edit(item, params)
        if plan.set_rating:
            self.plex.rate(item, plan.rating)
        return poster_sha

    def _poster(
        self, meta: SceneMetadata, item: Any, known_sha: str | None
    ) -> tuple[bytes, str] | None:
        """The screenshot bytes and hash when they differ from what Plex last got from us."""
        if "poster" not in self.settings.sync_fields or not meta.screenshot_url:
            return None
        if self.settings.preserve_plex_edits and getattr(item, "thumb", None):
            return None
        try:
            image = self.stash.screenshot(meta.screenshot_url)
        except StashAuthError:
            raise
        except StashError as exc:
            log.debug("scene %s: no poster sent (%s)", meta.scene_id, exc)
            return None
        if not image:
            return None
        sha = hashlib.sha256(image).hexdigest()
        return None if sha == known_sha else (image, sha)
