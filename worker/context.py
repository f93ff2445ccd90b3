"""Everything a worker or task needs, built once per process: settings, Stash, Plex, logs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plex.client import PlexClient
from plugin_core.data_dir import ensure_data_dir
from plugin_core.protocol import register_secret
from stash_client.reader import StashReader
from validation.config import Settings, load_settings
from worker.logs import configure_logging

log = logging.getLogger("plexsync")


@dataclass
class Context:
    data_dir: Path
    settings: Settings
    stash: StashReader
    plex: PlexClient
    time_scale: float = 1.0


def build_context(
    data_dir: Path, server_connection: dict[str, Any], to_stash: bool, time_scale: float = 1.0
) -> Context:
    """Connect to Stash, read and validate settings, prepare (not yet connect) Plex.

    `time_scale` is PLEXSYNC_TIME_SCALE as the process entry read it.
    """
    ensure_data_dir(data_dir)
    configure_logging(data_dir, to_stash=to_stash)
    stash = StashReader(server_connection)
    settings = load_settings(stash.plugin_settings())
    return _with_settings(data_dir, stash, settings, to_stash, time_scale)


def worker_context_with(ctx: Context, settings: Settings) -> Context:
    """The running worker's context after the user changed the settings in Stash."""
    return _with_settings(ctx.data_dir, ctx.stash, settings, False, ctx.time_scale)


def _with_settings(
    data_dir: Path, stash: StashReader, settings: Settings, to_stash: bool, time_scale: float
) -> Context:
    register_secret(settings.token)
    configure_logging(
        data_dir,
        to_stash=to_stash,
        debug=settings.debug_logging,
        obfuscate_paths=settings.obfuscate_paths,
    )
    plex = PlexClient(settings, time_scale)
    return Context(data_dir, settings, stash, plex, time_scale)
