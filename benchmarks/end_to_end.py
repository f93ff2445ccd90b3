"""From a Stash edit to Plex showing it: hook start to the fake Plex item carrying the new title.

Each sample renames one scene in the fake Stash, starts the hook as Stash does and
polls the fake Plex item until its title is the new one. Two cases:

* warm: a worker is already running (the previous sample's worker is still
  lingering, so hooks in quick succession reuse it);
* cold: no worker runs (the benchmark waits for the previous one to exit), so the
  hook starts one and it pays its whole start-up;
* bulk: a bulk edit of `--bulk` scenes, as Stash runs it: each scene is changed and
  its hook run, one after another, while the worker the first hook started syncs
  them. Per scene, from its hook's start to the PUT reaching the fake Plex (the
  fake's request log), and the time until the last scene shows in Plex.

CONTRACT §5: Plex shows the change within 10 seconds.

    .venv/bin/python benchmarks/end_to_end.py --scenes 2000 --samples 20 --bulk 1000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    Bench,
    add_common_args,
    check,
    common_settings,
    ms,
    percentile,
    print_header,
)
from worker.drain import BACKGROUND, IDLE_POLL_S

CONTRACT_LIMIT_S = 10.0
SAMPLE_TIMEOUT_S = 60.0
POLL_S = 0.002
WARM_GAP_MAX_S = 1.0


@dataclass
class Sample:
    seconds: float
    hook_wall: float
    worker_was_running: bool
    worker_pid: int | None


def one_sample(bench: Bench, scene_id: int, title: str) -> Sample:
    bench.stash.update_scene(str(scene_id), title=title)
    key = bench.rating_key(scene_id)
    was_running = bench.worker_running()
    started = time.perf_counter()
    proc = bench.start_hook(scene_id)
    hook_wall = None
    deadline = started + SAMPLE_TIMEOUT_S
    while bench.plex.item(key).title != title:
        if hook_wall is None and proc.poll() is not None:
            hook_wall = time.perf_counter() - started
        if time.perf_counter() > deadline:
            proc.kill()
            raise TimeoutError(f"scene {scene_id} did not reach Plex in {SAMPLE_TIMEOUT_S:.0f} s")
        time.sleep(POLL_S)
    seconds = time.perf_counter() - started
    out, err = proc.communicate(timeout=30)
    if hook_wall is None:
        hook_wall = time.perf_counter() - started
    result = json.loads(out)
    if proc.returncode != 0 or result["output"] != "queued":
        raise RuntimeError(f"hook failed: {out!r} {err[-500:]!r}")
    return Sample(seconds, hook_wall, was_running, bench.worker_pid())


@dataclass
class BulkResult:
    hook_walls: list[float]
    latencies: list[float]
    hooks_total: float
    last_hook_to_all: float
    first_hook_to_all: float
    worker_pids: set[int]
    missing: int


def bulk_edit(bench: Bench, first_scene: int, count: int) -> BulkResult:
    """Change each scene and run its hook in sequence, as a Stash bulk edit does."""
    scenes = list(range(first_scene, first_scene + count))
    titles = {s: f"E2E bulk {s}" for s in scenes}
    started_at: dict[str, float] = {}
    hook_walls: list[float] = []
    pids: set[int] = set()
    began = time.monotonic()
    for scene in scenes:
        bench.stash.update_scene(str(scene), title=titles[scene])
        started_at[bench.rating_key(scene)] = time.monotonic()
        run = bench.hook(scene)
        if run.returncode != 0 or run.output != "queued":
            raise RuntimeError(f"hook failed: {run.stdout} {run.stderr[-500:]}")
        hook_walls.append(run.wall)
        pid = bench.worker_pid()
        if pid:
            pids.add(pid)
    hooks_done = time.monotonic()
    deadline = hooks_done + SAMPLE_TIMEOUT_S * 5
    keys = {bench.rating_key(s): titles[s] for s in scenes}
    while any(bench.plex.item(k).title != t for k, t in keys.items()):
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)
    all_done = time.monotonic()
    arrived: dict[str, float] = {}
    for r in bench.plex.requests:
        if r.method == "PUT" and r.path.endswith("/all"):
            key = (r.query.get("id") or [""])[-1]
            if key in started_at and r.query.get("title.value", [""])[-1] == keys[key]:
                arrived[key] = r.time
    latencies = [arrived[k] - started_at[k] for k in started_at if k in arrived]
    missing = sum(1 for k, t in keys.items() if bench.plex.item(k).title != t)
    return BulkResult(
        hook_walls,
        latencies,
        hooks_done - began,
        all_done - hooks_done,
        all_done - began,
        pids,
        missing,
    )


def summary(label: str, samples: list[Sample]) -> tuple[float, float]:
    values = [s.seconds for s in samples]
    hooks = [s.hook_wall for s in samples]
    p50, p95 = percentile(values, 50), percentile(values, 95)
    print(f"[{label}] {len(samples)} samples")
    print(
        f"  hook start -> Plex title:  p50 {ms(p50)}  p95 {ms(p95)}  "
        f"min {ms(min(values))}  max {ms(max(values))}"
    )
    print(f"  hook wall in the same runs: p50 {ms(percentile(hooks, 50))}")
    return p50, p95


def run(args: argparse.Namespace) -> bool:
    with Bench.from_args(args) as bench:
        bench.populate(args.scenes)
        scene = 1
        first = one_sample(bench, scene, "E2E warm-up")  # builds the index, starts a worker
        print(
            f"  first sync after start (index of {args.scenes + 1} items built): {ms(first.seconds)}"
        )

        warm: list[Sample] = []
        rng = random.Random(args.seed)
        for k in range(args.samples):
            # A random pause (shorter than the worker's 2 s linger) so hooks arrive at a
            # random point of the idle worker's 0.5 s poll, as a user's edits do.
            time.sleep(rng.uniform(0, WARM_GAP_MAX_S))
            scene += 1
            warm.append(one_sample(bench, scene, f"E2E warm {k}"))
        warm_pids = {s.worker_pid for s in warm}
        all_warm = all(s.worker_was_running for s in warm)

        cold: list[Sample] = []
        for k in range(args.cold_samples):
            if not bench.wait_worker_gone():
                raise RuntimeError("the worker did not exit")
            scene += 1
            cold.append(one_sample(bench, scene, f"E2E cold {k}"))
        cold_pids = {s.worker_pid for s in cold}
        all_cold = not any(s.worker_was_running for s in cold)

        print()
        warm_p50, warm_p95 = summary("warm: worker already running", warm)
        print(
            f"  worker running when each hook started: {all_warm}; "
            f"worker processes used: {len(warm_pids)}"
        )
        cold_p50, cold_p95 = summary("cold: no worker running, the hook starts one", cold)
        print(
            f"  no worker running when each hook started: {all_cold}; "
            f"worker processes used: {len(cold_pids)}"
        )
        print(f"  cold / warm p50: {cold_p50 / warm_p50:.1f}x")
        bench.wait_worker_gone()

        bulk = None
        if args.bulk:
            bulk = bulk_edit(bench, scene + 1, args.bulk)
            scene += args.bulk
            print(f"[bulk edit of {args.bulk} scenes: hooks in sequence, one worker syncing]")
            print(
                f"  hooks in sequence (what the bulk edit waits for): {bulk.hooks_total:.1f} s; "
                f"hook wall p50 {ms(percentile(bulk.hook_walls, 50))}  "
                f"p95 {ms(percentile(bulk.hook_walls, 95))}  max {ms(max(bulk.hook_walls))}"
            )
            print(
                f"  per scene, hook start -> PUT at Plex: "
                f"p50 {ms(percentile(bulk.latencies, 50))}  "
                f"p95 {ms(percentile(bulk.latencies, 95))}  max {ms(max(bulk.latencies))}"
            )
            print(
                f"  last hook exit -> every scene in Plex: {ms(bulk.last_hook_to_all)}; "
                f"first hook -> every scene in Plex: {bulk.first_hook_to_all:.1f} s; "
                f"worker processes seen: {len(bulk.worker_pids)}"
            )
            bench.wait_worker_gone()
        print()
        ok = check(
            "warm: p95 within 10 s (CONTRACT §5)",
            warm_p95 <= CONTRACT_LIMIT_S,
            f"p95 {ms(warm_p95)}",
        )
        ok &= check(
            "cold: p95 within 10 s (CONTRACT §5)",
            cold_p95 <= CONTRACT_LIMIT_S,
            f"p95 {ms(cold_p95)}",
        )
        ok &= check(
            "warm samples reused one running worker",
            all_warm and len(warm_pids) == 1,
            f"{len(warm_pids)} worker process(es)",
        )
        ok &= check(
            "cold samples each started their own worker",
            all_cold and len(cold_pids) == len(cold),
            f"{len(cold_pids)} worker process(es) for {len(cold)} samples",
        )
        if bulk is not None:
            ok &= check(
                "bulk: every scene reached Plex",
                bulk.missing == 0 and len(bulk.latencies) == args.bulk,
                f"{args.bulk - bulk.missing} of {args.bulk}",
            )
            ok &= check(
                "bulk: every scene within 10 s of its hook (CONTRACT §5)",
                max(bulk.latencies) <= CONTRACT_LIMIT_S,
                f"max {ms(max(bulk.latencies))}",
            )
            ok &= check(
                "bulk: one worker for the whole bulk edit",
                len(bulk.worker_pids) == 1,
                f"{len(bulk.worker_pids)} worker process(es)",
            )
        ok &= check("no worker left behind", bench.wait_worker_gone(), "lock free, workers exited")
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenes", type=int, default=2000, help="scenes in Stash and Plex")
    parser.add_argument("--samples", type=int, default=20, help="warm samples (default 20)")
    parser.add_argument("--cold-samples", type=int, default=10, help="cold samples (default 10)")
    parser.add_argument(
        "--seed", type=int, default=1, help="seed of the pauses between warm samples"
    )
    parser.add_argument(
        "--bulk", type=int, default=1000, help="scenes in the bulk edit (0: skip; default 1000)"
    )
    add_common_args(parser)
    args = parser.parse_args(argv)
    if args.scenes < args.samples + args.cold_samples + args.bulk + 1:
        parser.error("--scenes must exceed the number of samples")
    print_header(
        "end to end",
        {
            "scenes": args.scenes,
            "warm samples": args.samples,
            "cold samples": args.cold_samples,
            "bulk edit": args.bulk,
            "pause before a warm sample": f"uniform 0-{WARM_GAP_MAX_S:g} s (seed {args.seed})",
            "PLEXSYNC_TIME_SCALE": (
                f"1 (real waits: worker linger {BACKGROUND.linger_s:g} s, idle poll {IDLE_POLL_S:g} s)"
            ),
            **common_settings(args),
        },
    )
    return 0 if run(args) else 1


if __name__ == "__main__":
    sys.exit(main())
