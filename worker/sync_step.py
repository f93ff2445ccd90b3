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
from typing import Any, Protocol

from plex.client import PlexClient
from plex.drift import wanted_edit
from plex.edits import EditPlan
from plex.errors import NotFoundError
from plex.index import PlexIndex
from plex.item_values import PlexValues, read_values
from plex.matcher import HIGH, LOW, Candidate, MatchResult, SceneFiles
from plex.path_map import map_path
from plex.scene_lookup import SceneLookup
from stash_client.errors import StashAuthError, StashError
from sync_queue.sync_state import SyncRecord, SyncRecords
from sync_queue.written_values import WrittenValues
from validation.config import Settings
from validation.metadata import InvalidMetadata, SceneMetadata, scene_to_metadata
from worker.batch_reads import BatchItems
from worker.logs import scene_paths_in_scope
from worker.missing_file import MissingFile
from worker.side_by_side import SideBySide

log = logging.getLogger("plexsync.sync")
SYNCED = "synced"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
NO_METADATA = "no_metadata"


@dataclass(frozen=True)
class Outcome:
    status: str
    message: str
    rating_key: str | None = None
    reason: str = ""
    confidence: str | None = None
    candidates: tuple[Candidate, ...] = ()
    warn: bool = True  # a skip the user should look at (False: one they chose)


class Screenshots(Protocol):
    """Where posters come from: the Stash reader, or worker/screenshots_ahead.py over it."""

    def screenshot(self, url: str) -> bytes: ...


def describe(scene_id: str, title: str) -> str:
    return f'scene {scene_id} "{title}"' if title else f"scene {scene_id}"


class SceneSyncer:
    def __init__(
        self,
        settings: Settings,
        plex: PlexClient,
        index: PlexIndex,
        records: SyncRecords,
        written: WrittenValues,
        missing: MissingFile,
        stash: Screenshots,
        items: BatchItems,
        now: Callable[[], float] = time.time,
        beside: SideBySide | None = None,
    ) -> None:
        self.settings = settings
        self.plex = plex
        self.index = index
        self.records = records
        self.written = written
        self.missing = missing
        self.stash = stash
        self.items = items
        self.now = now
        self.beside = beside or SideBySide()  # the poster upload beside the edit
        self.lookup = SceneLookup(index, plex, settings.path_map)

    def sync(self, scene: dict[str, Any]) -> Outcome:
        meta = scene_to_metadata(scene, self.settings)
        who = describe(meta.scene_id, meta.title)
        scene_paths_in_scope(
            [f.path for f in meta.files]
            + [map_path(f.path, self.settings.path_map) for f in meta.files]
        )
        if not meta.has_metadata:
            # A scene fresh from a Stash scan: syncing it would only erase what Plex has.
            why = "no metadata in Stash yet"
            return Outcome(NO_METADATA, f"{who}: skipped: {why}", reason=why)
        if self.settings.skip_unorganized and not meta.organized:
            why = "not marked organized (skipUnorganized is on)"
            return Outcome(SKIPPED, f"{who}: skipped, {why}", reason=why, warn=False)
        match = self.match(meta)
        if match.confidence == LOW and not self.settings.allow_ambiguous_match:
            listed = "; ".join(
                f"item {c.rating_key} {c.path} ({c.size} bytes)" for c in match.candidates[:5]
            )
            return Outcome(
                SKIPPED,
                f"{who}: skipped, ambiguous match: {match.reason}: {listed}. "
                "Fix pathMap or turn on allowAmbiguousMatch",
                reason=f"ambiguous match: {match.reason}",
                confidence=match.confidence,
                candidates=match.candidates,
            )
        if match.rating_key is None and not meta.files:
            why = "the scene has no files to find in Plex"
            return Outcome(SKIPPED, f"{who}: skipped, {why}", reason=why)
        if match.rating_key is None:
            raise self.missing.error(meta, match)
        return self._apply(meta, match, who)

    def sure_key(self, scene: dict[str, Any]) -> str | None:
        """The Plex item a scene surely matches in the index as it is, to read it with its batch.

        A scene that needs an index refresh, would be skipped or is invalid gets None
        and reads its item on its own turn.
        """
        meta = self._to_sync(scene)
        if meta is None:
            return None
        self.lookup.ensure()
        result = self.lookup.lookup(_scene_files(meta))
        sure = result.confidence == HIGH or self.settings.allow_ambiguous_match
        return str(result.rating_key) if result.rating_key is not None and sure else None

    def poster_url(self, scene: dict[str, Any]) -> str | None:
        """The screenshot this scene's sync will download, to download it ahead; else None.

        Only for a scene surely matched in the index, and never when a Plex item's
        own poster may decide (preservePlexEdits): a screenshot is downloaded in vain
        only when the item turns out gone from Plex.
        """
        if "poster" not in self.settings.sync_fields or self.settings.preserve_plex_edits:
            return None
        return (scene.get("paths") or {}).get("screenshot") if self.sure_key(scene) else None

    def _to_sync(self, scene: dict[str, Any]) -> SceneMetadata | None:
        """The scene's metadata when its sync goes as far as Plex, judged from Stash alone."""
        try:
            meta = scene_to_metadata(scene, self.settings)
        except InvalidMetadata:
            return None
        if not meta.has_metadata or (self.settings.skip_unorganized and not meta.organized):
            return None
        return meta

    def match(self, meta: SceneMetadata) -> MatchResult:
        """The sync's lookup (plex/scene_lookup.py), shared with the match report."""
        result = self.lookup.match(_scene_files(meta), self.missing.index_max_age(meta))
        log.debug(
            "scene %s matched %s (%s: %s)",
            meta.scene_id,
            result.rating_key,
            result.confidence,
            result.reason,
        )
        return result

    def _apply(self, meta: SceneMetadata, match: MatchResult, who: str) -> Outcome:
        key = str(match.rating_key)
        record = self.records.get(meta.scene_id)
        previous = record if record is not None and record.rating_key == key else None
        item = self._fetch(key)
        current = read_values(item)
        plan = wanted_edit(meta, current, self.settings, self.written.get(key), previous)
        poster_sha = previous.poster_sha if previous else None
        new_poster = self._poster(meta, item, poster_sha)
        poster_sha = self._write(meta.scene_id, key, item, plan, current, poster_sha, new_poster)
        changed = [*plan.changed, "poster"] if new_poster is not None else list(plan.changed)
        self.written.save(key, plan.written)
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
        how = {"confidence": match.confidence, "candidates": match.candidates}
        locked = f"locked {', '.join(plan.locked)}" if plan.locked else ""
        if not changed and not locked:
            return Outcome(UNCHANGED, f"{who} -> {target}: already up to date", key, **how)
        updated = f"updated {', '.join(changed)}" if changed else ""
        done = "; ".join(filter(None, (updated, locked)))
        return Outcome(SYNCED, f"{who} -> {target}: {done}", key, **how)

    def _fetch(self, key: str) -> Any:
        """The item as read with the batch, or read now; an item gone from Plex leaves the index."""
        try:
            batched = self.items.take(key)
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
        """Poster and the one edit together, then the rating; returns the poster hash Plex has."""
        params = dict(plan.params)
        if new_poster is not None or (poster_sha and "thumb" not in current.locked):
            params["thumb.locked"] = "1"  # also when an earlier attempt uploaded the poster
        upload_error, edit_error = self._upload_and_edit(item, params, new_poster)
        if new_poster is not None and upload_error is None:
            self.records.save_poster(scene_id, key, new_poster[1], self.now())
            poster_sha = new_poster[1]
        if upload_error is not None or edit_error is not None:
            raise upload_error or edit_error  # type: ignore[misc]
        if plan.set_rating:
            self.plex.rate(item, plan.rating)
        return poster_sha

    def _upload_and_edit(
        self, item: Any, params: dict[str, str], new_poster: tuple[bytes, str] | None
    ) -> tuple[BaseException | None, BaseException | None]:
        """The poster upload beside the edit PUT (worker/side_by_side.py); their errors.

        The upload's error is raised first, as when the upload went first, and a
        poster Plex took is recorded even when the edit failed, so a retry does
        not upload it again.
        """
        if new_poster is None:
            if params:
                self.plex.edit(item, params)
            return None, None
        image = new_poster[0]
        return self.beside.run_both(
            lambda: self.plex.upload_poster(item, image), lambda: self.plex.edit(item, params)
        )

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


def _scene_files(meta: SceneMetadata) -> SceneFiles:
    return SceneFiles(tuple((f.path, f.size) for f in meta.files), meta.urls)
