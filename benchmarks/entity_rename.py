"""A performer renamed in N scenes: one hook, then the worker brings every scene to Plex.

Stash holds N scenes with the performer "Ann" (and N+1 Plex items matched by
path); a `sync_all` task syncs them all first. Then the performer is renamed in
Stash and only the hook Stash runs for it (`Performer.Update.Post`) follows. No
task runs. Measured: the hook's wall time against `python -c pass`, the time
until every Plex item shows the new name, and the Stash and Plex requests of
the background worker.

    .venv/bin/python benchmarks/entity_rename.py --scenes 2000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    ENTRY,
    Bench,
    add_common_args,
    check,
    common_settings,
    plex_breakdown,
    print_counts,
    print_header,
    run_quick,
    stash_breakdown,
    wait_until,
)

OLD, NEW = "Ann", "Anna Renamed"
REPEATS = 9
MAX_RATIO = 3.0
TASK_TIMEOUT_S = 3600


def rename_hook(bench: Bench, performer_id: str) -> bytes:
    context = {
        "id": int(performer_id),
        "type": "Performer.Update.Post",
        "input": {"id": performer_id, "name": NEW},
        "inputFields": ["id", "name"],
    }
    return json.dumps(
        {"server_connection": bench.connection, "args": {"hookContext": context}}
    ).encode()


def run(args: argparse.Namespace) -> bool:
    n = args.scenes
    with Bench.from_args(args) as bench:
        bench.plex.bulk_add_items(bench.section, n + 1, "/media/scene{i:06d}.mp4")
        bench.stash.bulk_add_scenes(n, "/media/scene{i:06d}.mp4", performers=[OLD])
        first = bench.task("sync_all", timeout=TASK_TIMEOUT_S)
        print(f"[first sync] {first.output}, wall {first.wall:.1f} s")
        performer = bench.stash.performer(OLD)["id"]
        bench.stash.rename_performer(OLD, NEW)
        bench.plex.clear_requests()
        bench.stash.clear_requests()
        started = time.perf_counter()
        payload = rename_hook(bench, performer)
        hook = run_quick([sys.executable, str(ENTRY)], payload, bench.env, bench.cwd)
        # More of the same hook while the worker drains (it holds the lock, so these
        # start no worker), each next to a `python -c pass`: like is compared with like.
        walls, passes = [], []
        for _ in range(REPEATS):
            passes.append(bench.python_pass())
            walls.append(
                run_quick([sys.executable, str(ENTRY)], payload, bench.env, bench.cwd).wall
            )
        done = wait_until(
            lambda: all(item.actors == [NEW] for item in bench.plex.items() if item.actors),
            TASK_TIMEOUT_S,
            0.1,
        )
        converged = time.perf_counter() - started
        bench.wait_worker_gone()
        base, median = statistics.median(passes), statistics.median(walls)
        print(
            f"[rename hook] output {hook.output}, wall {hook.wall * 1000:.1f} ms (started the worker)"
        )
        print(
            f"  {REPEATS} more, worker running: median {median * 1000:.1f} ms; python -c pass "
            f"median {base * 1000:.1f} ms; ratio {median / base:.2f}x"
        )
        print(
            f"  every Plex item shows the new name {converged:.1f} s after the first hook started"
        )
        print_counts("Plex requests (worker)", plex_breakdown(bench.plex.requests), per=n)
        print_counts("Stash requests (worker)", stash_breakdown(bench.stash.requests), per=n)
        shown = sum(1 for item in bench.plex.items() if item.actors == [NEW])
        ok = check("hook queued the performer", hook.output == "queued", str(hook.output))
        ok &= check(
            f"hook within {MAX_RATIO}x python -c pass",
            median <= MAX_RATIO * base,
            f"median {median * 1000:.1f} ms = {median / base:.2f}x {base * 1000:.1f} ms",
        )
        ok &= check(
            "every scene shows the new name, no task run",
            bool(done) and shown == n,
            f"{shown} of {n}",
        )
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=2000, help="scenes (default 2000)")
    add_common_args(parser)
    args = parser.parse_args(argv)
    print_header("entity_rename", {"scenes": args.scenes, **common_settings(args)})
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
