"""The `sync_all` task at library scale: a first full sync, then a repeat with nothing changed.

Stash holds N scenes and Plex N+1 items, matched by path under /media, with every
Plex title different from Stash's. Before the measured runs, a `process_queue` task
syncs every tenth scene (jobs written with sync_queue.enqueue.insert_jobs), so the
first full sync finds about 10 % already in sync, as after hooks have run for a
while; that pre-sync also builds the Plex index. Then:

1. `sync_all`: queues the ~90 % that changed and drains them in the foreground;
2. `sync_all` again: nothing changed, so nothing is queued and Plex is not touched.

For each: wall time, scenes/s, Plex requests by kind (per changed scene and in
total), Stash requests, and the peak RSS and CPU time of the task process.

    .venv/bin/python benchmarks/sync_all.py --scenes 2000
    .venv/bin/python benchmarks/sync_all.py --scenes 20000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    Bench,
    ProcResult,
    add_common_args,
    check,
    common_settings,
    mib,
    plex_breakdown,
    plex_writes,
    print_counts,
    print_header,
    stash_breakdown,
)
from sync_queue.enqueue import insert_jobs, open_queue_db
from sync_queue.job import Job

PRESYNC_EVERY = 10
REPEAT_MAX_REQUESTS = 30
REPEAT_MAX_SECONDS = 60.0
FIRST_MAX_PER_SCENE = 2.05  # 1 PUT + 1 poster upload + the batched reads
FIRST_MAX_WITHOUT_POSTERS = 1.05  # the same without the poster uploads
MAX_RSS_MIB = 150.0
TASK_TIMEOUT_S = 4 * 3600


def presync(bench: Bench, n: int) -> tuple[ProcResult, int]:
    """Sync every tenth scene with process_queue, as if hooks had done it earlier."""
    ids = [str(i) for i in range(PRESYNC_EVERY, n + 1, PRESYNC_EVERY)]
    bench.data_dir.mkdir(parents=True, exist_ok=True)
    conn = open_queue_db(bench.data_dir / "queue.db")
    try:
        now = time.time()
        insert_jobs(conn, (Job(i, "Scene.Update.Post", now) for i in ids))
    finally:
        conn.close()
    return bench.task("process_queue", timeout=TASK_TIMEOUT_S), len(ids)


def measured_task(bench: Bench, mode: str) -> tuple[ProcResult, list[Any], list[Any]]:
    bench.plex.clear_requests()
    bench.stash.clear_requests()
    run = bench.task(mode, timeout=TASK_TIMEOUT_S)
    return run, bench.plex.requests, list(bench.stash.requests)


QUEUE_SHARE = 0.3  # tasks/sync_tasks.py: progress 0..0.3 reads and queues, 0.3..1 drains


def drain_profile(run: ProcResult, changed: int) -> str:
    """Scenes/s early, midway and late in the drain, from the task's progress lines."""
    events = run.progress
    if not events or not changed:
        return "no progress lines"

    def reached(share: float) -> float | None:
        target = QUEUE_SHARE + (1 - QUEUE_SHARE) * share - 1e-9
        return next((t for t, value in events if value >= target), None)

    queued_at = max((t for t, value in events if value <= QUEUE_SHARE), default=0.0)
    parts = [f"read and queue {queued_at:.1f} s"]
    for label, low, high in (
        ("first 10 %", 0.0, 0.1),
        ("45-55 %", 0.45, 0.55),
        ("last 10 %", 0.9, 1.0),
    ):
        start = queued_at if low == 0 else reached(low)
        end = reached(high)
        if start is not None and end is not None and end > start:
            parts.append(f"{label} {(high - low) * changed / (end - start):.1f} scenes/s")
    return "drain rate: " + ", ".join(parts)


def describe(
    label: str, run: ProcResult, plex: list[Any], stash: list[Any], scenes: int, changed: int
) -> None:
    out = run.output
    print(f"[{label}]")
    print(f"  output: {out}")
    print(
        f"  wall {run.wall:.1f} s, {scenes / run.wall:.1f} scenes read/s"
        + (f", {changed / run.wall:.1f} changed scenes synced/s" if changed else "")
        + f", peak RSS of the task process {mib(run.peak_rss_kib)}"
    )
    if run.cpu_s is not None:
        print(
            f"  CPU of the task process {run.cpu_s:.1f} s = {run.cpu_s / run.wall:.0%} of its wall "
            "time (the rest it waits for Plex, Stash, the disk, or a CPU the fakes hold)"
        )
    if changed:
        print(f"  {drain_profile(run, changed)}")
    print_counts("Plex requests", plex_breakdown(plex), per=changed or None)
    print_counts("Stash requests", stash_breakdown(stash), per=changed or None)


def run(args: argparse.Namespace) -> bool:
    """The whole scenario; whether every check passed."""
    n = args.scenes
    with Bench.from_args(args) as bench:
        started = time.perf_counter()
        bench.populate(n)
        print(
            f"fakes ready: {n} scenes, {n + 1} Plex items ({time.perf_counter() - started:.1f} s)"
        )

        bench.plex.clear_requests()
        pre, pre_count = presync(bench, n)
        print(
            f"[pre-sync: process_queue over {pre_count} scenes (every {PRESYNC_EVERY}th), "
            f"builds the index] wall {pre.wall:.1f} s, output {pre.output}, "
            f"Plex requests {len(bench.plex.requests)}"
        )
        print()

        first, first_plex, first_stash = measured_task(bench, "sync_all")
        changed = int(first.output["queued"])
        describe("first full sync: sync_all", first, first_plex, first_stash, n, changed)
        unconverged = bench.unconverged()
        leftover = not bench.wait_worker_gone()
        print()

        repeat, repeat_plex, repeat_stash = measured_task(bench, "sync_all")
        describe("repeat, nothing changed: sync_all", repeat, repeat_plex, repeat_stash, n, 0)
        unconverged_after = bench.unconverged()
        leftover |= not bench.wait_worker_gone()
        print()

        kinds = plex_breakdown(first_plex)
        first_total = len(first_plex)
        per_scene = first_total / max(1, changed)
        without_posters = (first_total - kinds["POST posters"]) / max(1, changed)
        rss = (first.peak_rss_kib or 0) / 1024
        ok = check(
            "repeat: no Plex writes",
            plex_writes(repeat_plex) == 0,
            f"{plex_writes(repeat_plex)} PUT/POST/DELETE",
        )
        ok &= check(
            f"repeat: at most {REPEAT_MAX_REQUESTS} Plex requests in all",
            len(repeat_plex) <= REPEAT_MAX_REQUESTS,
            f"{len(repeat_plex)} requests",
        )
        ok &= check(
            f"repeat: under {REPEAT_MAX_SECONDS:.0f} s (target set for 20,000 scenes)",
            repeat.wall < REPEAT_MAX_SECONDS,
            f"{repeat.wall:.1f} s for {n} scenes",
        )
        ok &= check(
            f"first sync: at most {FIRST_MAX_PER_SCENE} Plex requests per changed scene",
            per_scene <= FIRST_MAX_PER_SCENE,
            f"{first_total} / {changed} = {per_scene:.3f}",
        )
        ok &= check(
            f"first sync: at most {FIRST_MAX_WITHOUT_POSTERS} per changed scene without posters",
            without_posters <= FIRST_MAX_WITHOUT_POSTERS,
            f"({first_total} - {kinds['POST posters']}) / {changed} = {without_posters:.3f}",
        )
        ok &= check(
            f"first sync: peak memory at most {MAX_RSS_MIB:.0f} MiB",
            rss <= MAX_RSS_MIB,
            f"{rss:.1f} MiB",
        )
        ok &= check(
            "first sync: about 90 % queued, the pre-synced 10 % skipped as unchanged",
            int(first.output["skipped_unchanged"]) == pre_count and changed == n - pre_count,
            f"queued {changed}, skipped_unchanged {first.output['skipped_unchanged']}",
        )
        ok &= check(
            "every scene converges (Plex title == Stash title)",
            not unconverged and not unconverged_after,
            f"{len(unconverged)} differ after the first sync"
            + (f" (e.g. scenes {', '.join(unconverged[:5])})" if unconverged else "")
            + f", {len(unconverged_after)} after the repeat",
        )
        ok &= check("no worker left behind", not leftover, "lock free, no worker process")
        print(f"first sync: {changed / first.wall:.1f} changed scenes synced/s")
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=2000, help="scenes (default 2000)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.scenes < PRESYNC_EVERY:
        parser.error(f"--scenes must be at least {PRESYNC_EVERY}")
    print_header(
        "sync_all",
        {"scenes": args.scenes, "syncFields": "default (with poster)", **common_settings(args)},
    )
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
