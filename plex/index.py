"""A local index of every file Plex knows: path -> ratingKey, kept in the state database.

plexapi cannot filter a section by file path on the server, and paging a whole
section per scene would cost thousands of requests. So each library is read once
in large pages (1,000 items a request), stored, and reused across worker runs. A
path that is missing refreshes only the sections that could hold it, at most once
a minute, because new files appear in Plex only after a library scan.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence

from plex.client import IndexedFile, PlexClient, SectionInfo
from plex.errors import LibraryNotFound
from plex.matcher import Candidate
from plex.path_map import basename, fold
from sync_queue.sqlite_db import transaction
from sync_queue.state_db import kv_get, kv_set

log = logging.getLogger("plexsync.index")
REFRESH_MIN_AGE_S = 60.0
VIDEO_SECTION_TYPES = ("movie",)
MACHINE_KEY = "plex_machine_identifier"  # for Plex Web links (tasks/scene_status.py)


def choose_sections(sections: Sequence[SectionInfo], wanted: Sequence[str]) -> list[SectionInfo]:
    """The sections named in plexLibraries (case-insensitive), else every movie/video section."""
    if not wanted:
        return [s for s in sections if s.type in VIDEO_SECTION_TYPES]
    by_title = {s.title.casefold(): s for s in sections}
    missing = [name for name in wanted if name.casefold() not in by_title]
    if missing:
        known = ", ".join(s.title for s in sections) or "none"
        raise LibraryNotFound(
            f"Plex has no library named {', '.join(missing)} (libraries: {known}); "
            "fix plexLibraries in Stash > Settings > Plugins > PlexSync"
        )
    return [by_title[name.casefold()] for name in wanted]


class PlexIndex:
    """The index in SQLite, with the lookups the matcher needs."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        client: PlexClient,
        libraries: Sequence[str],
        now: Callable[[], float] = time.time,
        scale: float = 1.0,
    ) -> None:
        """`scale` is PLEXSYNC_TIME_SCALE, applied to the minimum age before a re-read."""
        self.conn = conn
        self.client = client
        self.libraries = tuple(libraries)
        self.now = now
        self.refresh_min_age = REFRESH_MIN_AGE_S * scale
        self._sections: list[SectionInfo] | None = None

    @property
    def windows_server(self) -> bool:
        return (kv_get(self.conn, "plex_platform") or "").lower().startswith("win")

    def sections(self) -> list[SectionInfo]:
        if self._sections is None:
            self._sections = choose_sections(self.client.sections(), self.libraries)
        return self._sections

    def ensure(self) -> None:
        """Build the index unless it exists for this server and library choice (no request then)."""
        built = self.conn.execute("SELECT 1 FROM plex_sections LIMIT 1").fetchone() is not None
        if not built or kv_get(self.conn, "index_identity") != self._identity():
            self.rebuild()
        if kv_get(self.conn, MACHINE_KEY) != self.client.machine_identifier:
            kv_set(self.conn, MACHINE_KEY, self.client.machine_identifier)

    def rebuild(self) -> None:
        """Read every chosen library afresh, and learn which platform the server runs on."""
        with transaction(self.conn):
            self.conn.execute("DELETE FROM plex_files")
            self.conn.execute("DELETE FROM plex_sections")
            kv_set(self.conn, "index_identity", self._identity())
            kv_set(self.conn, "plex_platform", self.client.platform)
        self.refresh(self.sections())

    def _identity(self) -> str:
        libraries = ",".join(self.libraries)
        return f"{self.client.settings.plex_url}|{self.client.machine_identifier}|{libraries}"

    def refresh(self, sections: Iterable[SectionInfo] | None = None) -> int:
        """Re-read sections from Plex; returns how many files are now indexed in them."""
        total = 0
        for section in sections if sections is not None else self.sections():
            total += self._refresh_section(section)
        return total

    def _refresh_section(self, section: SectionInfo) -> int:
        started = self.now()
        count = 0
        pages = self.client.section_files(section.key)
        first = next(pages, [])
        with transaction(self.conn):
            self.conn.execute("DELETE FROM plex_files WHERE section = ?", (section.key,))
            for page in _chain(first, pages):
                self._insert(section.key, page)
                count += len(page)
            self.conn.execute(
                "INSERT OR REPLACE INTO plex_sections VALUES (?, ?, ?, ?, ?, ?)",
                (
                    section.key,
                    section.title,
                    section.type,
                    json.dumps(section.locations),
                    started,
                    count,
                ),
            )
        log.debug("indexed Plex library %r: %d files", section.title, count)
        return count

    def _insert(self, section: str, files: list[IndexedFile]) -> None:
        self.conn.executemany(
            "INSERT INTO plex_files (path, folded, basename, size, rating_key, section) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (f.path, fold(f.path), basename(f.path).casefold(), f.size, f.rating_key, section)
                for f in files
            ],
        )

    def refresh_for_missing(self, plex_path: str, min_age: float | None = None) -> bool:
        """Re-read the sections that could hold `plex_path`, unless read within `min_age` s.

        A minute by default; seconds right after PlexSync asked Plex to scan the folder.
        """
        stale_before = self.now() - (self.refresh_min_age if min_age is None else min_age)
        rows = self.conn.execute("SELECT key, locations, indexed_at FROM plex_sections").fetchall()
        folded = fold(plex_path)
        holders = [
            r
            for r in rows
            if any(folded.startswith(fold(loc).rstrip("/") + "/") for loc in json.loads(r[1]))
        ]
        targets = {r[0] for r in (holders or rows) if r[2] < stale_before}
        if not targets:
            return False
        self.refresh([s for s in self.sections() if s.key in targets])
        return True

    def by_path(self, path: str) -> list[Candidate]:
        return self._select("path", path)

    def by_folded(self, folded: str) -> list[Candidate]:
        return self._select("folded", folded)

    def by_basename(self, name: str) -> list[Candidate]:
        return self._select("basename", name)

    def has_key(self, rating_key: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM plex_files WHERE rating_key = ? LIMIT 1", (rating_key,)
        ).fetchone()
        return row is not None

    def forget(self, rating_key: str) -> None:
        """Drop an item Plex no longer has (it answered 404)."""
        self.conn.execute("DELETE FROM plex_files WHERE rating_key = ?", (rating_key,))

    def _select(self, column: str, value: str) -> list[Candidate]:
        rows = self.conn.execute(
            f"SELECT rating_key, path, size FROM plex_files WHERE {column} = ? LIMIT 50", (value,)
        ).fetchall()
        return [Candidate(str(r[0]), r[1], int(r[2])) for r in rows]


def _chain(
    first: list[IndexedFile], rest: Iterable[list[IndexedFile]]
) -> Iterable[list[IndexedFile]]:
    yield first
    yield from rest
