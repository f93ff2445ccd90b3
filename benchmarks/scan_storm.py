"""A Stash library scan over a Plex library that already has the files: what it costs Plex.

A Stash scan creates one scene per new file and runs one `Scene.Create.Post` hook
for each, in sequence (Stash sends no `input` for them). The scenes know nothing
yet: no title, details, date, studio, performers or tags. Plex already shows the
same files with an agent's metadata. CONTRACT §6: none of it may be touched, and a
scan storm must cost Plex nothing (docs/performance.md: at most 10 Plex requests and no write
for 1,000 hooks; the hook within 3x `python -c pass`).

The hooks run as Stash runs them (one `PlexSync.py` process each, JSON on stdin),
alternating with `python -c pass` so both see the same, possibly loaded, machine.
The first hook starts the real background worker, which drains the jobs while the
later hooks run. Printed: hook wall time against `python -c pass`, every request
the fake Plex received (writes and folder scans apart), the Stash reads, the time
from the last hook until the worker has settled every job and until it exits, and
whether any Plex item changed. Request counts and the items are checked (PASS or
FAIL); wall times are only reported, never checked.

    .venv/bin/python benchmarks/scan_storm.py --scenes 1000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    ENTRY,
    MEDIA_TEMPLATE,
    Bench,
    add_common_args,
    check,
    common_settings,
    ms,
    percentile,
    plex_breakdown,
    plex_writes,
    print_counts,
    print_header,
    run_quick,
    stash_breakdown,
    wait_until,
)
from worker.drain import BACKGROUND

TARGET_RATIO = 3.0
MAX_PLEX_REQUESTS = 10
SETTLE_TIMEOUT_S = 600.0
AGENT = {
    "summary": "The agent's summary",
    "studio": "Agent Studio",
    "genres": ["Drama"],
    "actors": ["Agent Actor"],
    "originallyAvailableAt": "2001-02-03",
    "year": 2001,
}


def populate(bench: Bench, n: int) -> list[str]:
    """Plex items 1..n with agent metadata; n new Stash scenes on the same files, all empty."""
    keys = [
        bench.plex.add_item(
            bench.section, f"Agent title {i}", [(MEDIA_TEMPLATE.format(i=i), 1_000_000)], **AGENT
        )
        for i in range(1, n + 1)
    ]
    bench.stash.bulk_add_scenes(n, MEDIA_TEMPLATE)
    return keys


def shown(bench: Bench, keys: list[str]) -> list[tuple[Any, ...]]:
    """What Plex shows for each item, locks and posters included."""
    rows = []
    for key in keys:
        item = bench.plex.item(key)
        rows.append(
            (
                item.title,
                item.summary,
                item.studio,
                item.originallyAvailableAt,
                tuple(item.genres),
                tuple(item.actors),
                tuple(sorted(item.locked)),
                item.poster_uploads,
            )
        )
    return rows


def create_payload(bench: Bench, scene_id: int) -> bytes:
    """The hook input of a scan-created scene, as Stash sends it: no input, no inputFields."""
    context = {"id": scene_id, "type": "Scene.Create.Post", "input": None, "inputFields": None}
    payload = {"server_connection": bench.connection, "args": {"hookContext": context}}
    return json.dumps(payload).encode()


@dataclass
class Storm:
    hooks: list[float]
    passes: list[float]
    started: float
    last_hook_done: float


def storm(bench: Bench, n: int) -> Storm:
    """Every scene's create hook in sequence, each after a `python -c pass`."""
    hooks: list[float] = []
    passes: list[float] = []
    started = time.monotonic()
    for scene_id in range(1, n + 1):
        passes.append(bench.python_pass())
        run = run_quick(
            [sys.executable, str(ENTRY)], create_payload(bench, scene_id), bench.env, bench.cwd
        )
        if run.returncode != 0 or run.output != "queued":
            raise RuntimeError(f"hook failed ({run.returncode}): {run.stdout} {run.stderr[-500:]}")
        hooks.append(run.wall)
        if scene_id % 10 == 1:
            bench.worker_pid()  # remembers every worker process for the count and clean-up
    return Storm(hooks, passes, started, time.monotonic())


def open_jobs(bench: Bench) -> int:
    counts = bench.queue_counts()
    return counts.get(0, 0) + counts.get(1, 0) + counts.get(2, 0)


def _line(name: str, values: list[float]) -> None:
    print(
        f"  {name:<16} p50 {ms(percentile(values, 50))}  p95 {ms(percentile(values, 95))}  "
        f"min {ms(min(values))}  max {ms(max(values))}"
    )


def report_hooks(result: Storm) -> None:
    hook_p50, hook_p95 = percentile(result.hooks, 50), percentile(result.hooks, 95)
    pass_p50, pass_p95 = percentile(result.passes, 50), percentile(result.passes, 95)
    print(f"[hooks] {len(result.hooks)} Scene.Create.Post hooks in sequence")
    _line("hook wall", result.hooks)
    _line("python -c pass", result.passes)
    print(
        f"  ratio hook / python -c pass: p50 {hook_p50 / pass_p50:.2f}x, "
        f"p95 {hook_p95 / pass_p95:.2f}x (target <= {TARGET_RATIO:.0f}x; reported, not checked)"
    )
    print(
        f"  all hooks in sequence (what the scan waits for): "
        f"{result.last_hook_done - result.started:.1f} s, of which python -c pass "
        f"{sum(result.passes):.1f} s"
    )


def run(args: argparse.Namespace) -> bool:
    with Bench.from_args(args) as bench:
        if args.scan_plex_folders:
            bench.stash.plugin_settings["PlexSync"]["scanPlexFolders"] = True
        keys = populate(bench, args.scenes)
        before = shown(bench, keys)
        bench.plex.clear_requests()
        bench.stash.clear_requests()
        result = storm(bench, args.scenes)
        settled = wait_until(lambda: open_jobs(bench) == 0, SETTLE_TIMEOUT_S, 0.01)
        settled_at = time.monotonic()
        exited = bench.wait_worker_gone()
        exited_at = time.monotonic()
        plex_requests = list(bench.plex.requests)
        stash_requests = list(bench.stash.requests)
        status = json.loads(bench.task("queue_status").stdout)["output"]
        after = shown(bench, keys)

        report_hooks(result)
        print(f"[worker] {len(bench.worker_pids)} worker process(es)")
        print(
            f"  last hook exit -> every job settled: {ms(settled_at - result.last_hook_done)}; "
            f"-> worker exited: {ms(exited_at - result.last_hook_done)} "
            f"(it lingers {BACKGROUND.linger_s:g} s once idle)"
        )
        print(f"  first hook -> every job settled: {settled_at - result.started:.1f} s")
        stats = status["stats"]
        print(
            f"  queue_status: skipped_no_metadata {stats['skipped_no_metadata']}, "
            f"synced {stats['synced']}, failed {stats['failed']}, "
            f"dead letters {status['dead_letters']}, open jobs "
            f"{status['pending'] + status['in_progress'] + status['waiting_retry']}"
        )
        print("[requests during the storm]")
        print_counts("Plex", plex_breakdown(plex_requests), per=args.scenes)
        print(f"    folder scans requested              {len(bench.plex.scans):>8}")
        print_counts("Stash", stash_breakdown(stash_requests), per=args.scenes)
        changed = sum(1 for a, b in zip(before, after, strict=True) if a != b)
        print()
        ok = check("every job settled", bool(settled), f"{open_jobs(bench)} open job(s) left")
        ok &= check("no worker left behind", exited, "lock free, workers exited")
        ok &= check(
            "0 Plex writes", plex_writes(plex_requests) == 0, str(plex_writes(plex_requests))
        )
        ok &= check(
            f"at most {MAX_PLEX_REQUESTS} Plex requests for {args.scenes} hooks",
            len(plex_requests) <= MAX_PLEX_REQUESTS,
            str(len(plex_requests)),
        )
        ok &= check("no Plex item changed", changed == 0, f"{changed} of {len(keys)} changed")
        ok &= check(
            "every scene counted as skipped_no_metadata, none failed",
            stats["skipped_no_metadata"] == args.scenes
            and stats["failed"] == 0
            and status["dead_letters"] == 0,
            f"{stats['skipped_no_metadata']} skipped, {stats['failed']} failed",
        )
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=1000, help="new scenes (default 1000)")
    parser.add_argument(
        "--scan-plex-folders", action="store_true", help="run with the scanPlexFolders setting on"
    )
    add_common_args(parser)
    args = parser.parse_args(argv)
    print_header(
        "scan storm",
        {
            "new empty scenes": args.scenes,
            "Plex items with agent metadata": args.scenes,
            "scanPlexFolders": "on" if args.scan_plex_folders else "off",
            "PLEXSYNC_TIME_SCALE": f"1 (real waits: worker linger {BACKGROUND.linger_s:g} s)",
            **common_settings(args),
        },
    )
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
