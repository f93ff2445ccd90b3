"""Noticing that the user changed PlexSync's settings in Stash while a worker runs.

A worker can live for hours: jobs wait for Plex to come back, or for an item to
appear after a Plex scan. A setting fixed in Stash meanwhile (a new Plex address,
a new token, another library) must take effect without a new edit, so the worker
reads the settings again every CHECK_EVERY_S and carries on with them when they
differ. Invalid new settings are reported once and the previous ones kept: Stash
saves each setting on its own, so a half-finished change is normal.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from stash_client.errors import StashError
from stash_client.reader import StashReader
from validation.config import Settings, SettingsError, load_settings

log = logging.getLogger("plexsync.worker")
CHECK_EVERY_S = 30.0
CONNECTION_FIELDS = (
    "plex_url",
    "plex_token",
    "insecure_skip_tls_verify",
    "connect_timeout",
    "read_timeout",
)


def plex_connection_changed(old: Settings, new: Settings) -> bool:
    """A new address, token or transport: Plex being down before says nothing about now."""
    return any(getattr(old, name) != getattr(new, name) for name in CONNECTION_FIELDS)


class SettingsWatch:
    def __init__(
        self,
        stash: StashReader,
        settings: Settings,
        now: Callable[[], float] = time.time,
        scale: float = 1.0,
    ) -> None:
        self.stash = stash
        self.current = settings
        self.now = now
        self.every = CHECK_EVERY_S * scale
        self.next_check = now() + self.every
        self.last_problem: str | None = None

    def poll(self) -> Settings | None:
        """The new settings when they changed since the last look and are valid; else None."""
        if self.now() < self.next_check:
            return None
        self.next_check = self.now() + self.every
        try:
            fresh = load_settings(self.stash.plugin_settings())
        except StashError as exc:
            log.debug("settings not checked: %s", exc)
            return None
        except SettingsError as exc:
            if str(exc) != self.last_problem:
                log.warning(
                    "the settings in Stash are not valid now (%s); keeping the previous ones", exc
                )
                self.last_problem = str(exc)
            return None
        self.last_problem = None
        if fresh == self.current:
            return None
        self.current = fresh
        return fresh
