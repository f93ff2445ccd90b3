"""The `reconcile` task at library scale: an in-sync library, then one with 1 % drifted.

Stash holds N scenes and Plex N+1 items matched by path under /media, each Plex
item already showing (and locking) its scene's title, as after a full sync. Then:

1. `reconcile` on the in-sync library: it builds the index, reads every matched
   item 50 per request and must write nothing;
2. 1 % of the items get another title in Plex (edited behind PlexSync's back);
   `reconcile` again: it must find exactly those, queue them and fix them.

For each: wall time, Plex requests by kind, and the peak RSS of the task process.

    .venv/bin/python benchmarks/reconcile.py --scenes 20000
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
    STASH_TITLE,
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
)

DRIFT_EVERY = 100
MAX_SECONDS = 60.0
MAX_RSS_MIB = 150.0
READS_PER_REQUEST = 50
OVERHEAD_REQUESTS = 25
TASK_TIMEOUT_S = 3600


def in_sync(bench: Bench, n: int) -> None:
    """Every Plex item shows its scene's Stash title, locked, as a sync leaves it."""
    for i in range(1, n + 1):
        item = bench.plex.item(bench.rating_key(i))
        item.title = STASH_TITLE.format(i=i)
        item.locked.add("title")


def measured(bench: Bench) -> tuple[ProcResult, list[Any]]:
    bench.plex.clear_requests()
    run = bench.task("reconcile", timeout=TASK_TIMEOUT_S)
    return run, bench.plex.requests


def describe(label: str, run: ProcResult, plex: list[Any]) -> None:
    print(f"[{label}]")
    print(f"  output: {run.output}")
    print(f"  wall {run.wall:.1f} s, peak RSS of the task process {mib(run.peak_rss_kib)}")
    if run.cpu_s is not None:
        print(
            f"  CPU of the task process {run.cpu_s:.1f} s = {run.cpu_s / run.wall:.0%} of its wall"
        )
    print_counts("Plex requests", plex_breakdown(plex))


def run(args: argparse.Namespace) -> bool:
    n = args.scenes
    with Bench.from_args(args) as bench:
        started = time.perf_counter()
        bench.populate(n)
        in_sync(bench, n)
        print(
            f"fakes ready: {n} scenes in step with {n + 1} Plex items ({time.perf_counter() - started:.1f} s)"
        )
        first, first_plex = measured(bench)
        describe("reconcile, library in step (builds the index first)", first, first_plex)
        drifted = [str(i) for i in range(DRIFT_EVERY, n + 1, DRIFT_EVERY)]
        for scene_id in drifted:
            bench.plex.item(bench.rating_key(scene_id)).title = "Edited in Plex"
        second, second_plex = measured(bench)
        describe(f"reconcile, {len(drifted)} items edited in Plex", second, second_plex)
        leftover = not bench.wait_worker_gone()
        limit = n // READS_PER_REQUEST + OVERHEAD_REQUESTS
        rss = (first.peak_rss_kib or 0) / 1024
        ok = check(
            f"in step: at most {n}/{READS_PER_REQUEST} + {OVERHEAD_REQUESTS} Plex requests",
            len(first_plex) <= limit,
            f"{len(first_plex)} requests (limit {limit})",
        )
        ok &= check(
            "in step: no Plex write",
            plex_writes(first_plex) == 0,
            f"{plex_writes(first_plex)} writes",
        )
        ok &= check(
            "in step: nothing differs",
            first.output["differing"] == 0 and first.output["checked"] == n,
            f"checked {first.output['checked']}, differing {first.output['differing']}",
        )
        ok &= check(
            f"in step: under {MAX_SECONDS:.0f} s", first.wall < MAX_SECONDS, f"{first.wall:.1f} s"
        )
        ok &= check(f"in step: at most {MAX_RSS_MIB:.0f} MiB", rss <= MAX_RSS_MIB, f"{rss:.1f} MiB")
        ok &= check(
            "drifted: exactly the edited items found and queued",
            (second.output["differing"], second.output["queued"]) == (len(drifted), len(drifted)),
            f"differing {second.output['differing']}, queued {second.output['queued']}",
        )
        unconverged = bench.unconverged()
        ok &= check(
            "drifted: every item fixed", not unconverged, f"{len(unconverged)} still differ"
        )
        ok &= check("no worker left behind", not leftover, "lock free, no worker process")
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=20000, help="scenes (default 20000)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    print_header("reconcile", {"scenes": args.scenes, **common_settings(args)})
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
