"""Building a drain: the one place that opens the stores and wires the collaborators.

The background worker and the foreground tasks both drain through `assembled_drain`,
so they run the same parts and differ only in their `DrainMode`. Everything opened
here is closed when the `with` block ends.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from plex.folder_scans import FolderScans
from plex.index import PlexIndex
from plugin_core.timescale import Clock
from sync_queue.dlq import DeadLetterQueue
from sync_queue.job_queue import JobQueue
from sync_queue.state_db import open_state_db
from sync_queue.sync_state import SyncRecords
from sync_queue.written_values import WrittenValues
from worker.batch_reads import BatchItems
from worker.circuit_breaker import CircuitBreaker
from worker.context import Context
from worker.drain import Drainer, DrainMode, DrainParts
from worker.entity_jobs import EntityJobs
from worker.missing_file import MissingFile
from worker.notices import WorkerNotices, requeue_dead_letters
from worker.screenshots_ahead import ScreenshotsAhead
from worker.settings_watch import SettingsWatch
from worker.settle import DrainResult, Settler
from worker.side_by_side import SideBySide
from worker.stats import Stats
from worker.sync_step import SceneSyncer


@contextmanager
def assembled_drain(
    ctx: Context,
    mode: DrainMode,
    stop: threading.Event,
    progress: Callable[[DrainResult], None] | None = None,
    watch: SettingsWatch | None = None,
    result: DrainResult | None = None,
) -> Iterator[Drainer]:
    """A `Drainer` over the data folder's stores and `ctx`'s Stash and Plex, closed on exit."""
    clock = Clock(sleep=stop.wait, scale=ctx.time_scale)
    rng = random.Random()
    with ExitStack() as stack:
        queue = stack.enter_context(JobQueue(ctx.data_dir))
        dlq = stack.enter_context(DeadLetterQueue(ctx.data_dir))
        state = open_state_db(ctx.data_dir, check_same_thread=False)
        stack.callback(state.close)
        items = BatchItems(ctx.plex.fetch_items)
        screenshots = ScreenshotsAhead(ctx.stash.screenshot)
        stack.callback(screenshots.close)
        beside = SideBySide()
        stack.callback(beside.close)
        records = SyncRecords(state)
        breaker = CircuitBreaker(state, rng, clock.scale)
        settler = Settler(
            queue,
            dlq,
            Stats(state),
            breaker,
            clock,
            rng,
            ctx.settings.max_retries,
            result or DrainResult(),
            _notices(ctx, state, dlq, queue, clock),
            stop_when_server_down=mode.foreground,
            outcomes=state,
        )
        syncer = _syncer(ctx, state, records, items, clock, screenshots, beside)
        parts = DrainParts(
            queue,
            settler,
            breaker,
            syncer,
            ctx.stash.scenes_by_id,
            ctx.plex.identity,
            items,
            EntityJobs(ctx.stash, queue, records, ctx.settings, clock.now).expand,
            screenshots,
        )
        yield Drainer(parts, ctx.settings, mode, clock, stop, progress, watch)


def _syncer(
    ctx: Context,
    state: Any,
    records: SyncRecords,
    items: BatchItems,
    clock: Clock,
    screenshots: ScreenshotsAhead,
    beside: SideBySide,
) -> SceneSyncer:
    index = PlexIndex(state, ctx.plex, ctx.settings.plex_libraries, clock.now, clock.scale)
    scans = FolderScans(state, ctx.plex, clock.now, clock.scale)
    return SceneSyncer(
        ctx.settings,
        ctx.plex,
        index,
        records,
        WrittenValues(state),
        MissingFile(ctx.settings, scans, index),
        screenshots,
        items,
        clock.now,
        beside,
    )


def _notices(
    ctx: Context, state: Any, dlq: DeadLetterQueue, queue: JobQueue, clock: Clock
) -> WorkerNotices:
    """What the worker says about Plex and the settings; it requeues the dead letters a fix
    makes worth another try."""
    return WorkerNotices(
        state,
        ctx.settings.plex_url,
        ctx.settings.token,
        lambda kinds: requeue_dead_letters(dlq, queue, kinds, clock.now()),
        clock.now,
    )
