"""Draining a large queue: the worker's cost per batch of 100 scenes, as the queue empties.

Fills a fresh queue.db with N jobs the way hooks and sync_all do (one row per
scene, every tenth scene edited twice, every twentieth waiting for a retry),
then drains it with the worker's own calls (JobQueue.take_due + ack) and prints
the time per batch at the start, middle and end, and the total. For a ratio
measured in the same run it also times, once on the full queue, the full-table
scan take_due first did (read and decode every open row for every batch).

    .venv/bin/python benchmarks/queue_take.py --scenes 20000 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync_queue.enqueue import TABLE
from sync_queue.job import Job
from sync_queue.job_queue import JobQueue

BATCH = 100
NOW = 1_700_000_000.0


def fill(queue: JobQueue, jobs: int) -> None:
    rows = []
    for n in range(jobs):
        due = NOW + 3600 if n % 20 == 0 else NOW - 1
        rows.append(Job(str(n), "Scene.Update.Post", NOW - 5, not_before=due))
        if n % 10 == 0:
            rows.append(Job(str(n), "Scene.Update.Post", NOW - 4))
    queue.enqueue(rows)


def full_scan_seconds(queue: JobQueue) -> float:
    """One batch the first way: every open row read and decoded."""
    started = time.perf_counter()
    open_rows = queue.conn.execute(
        f"SELECT _id, data, timestamp FROM `{TABLE}` WHERE status IN (0, 1) ORDER BY _id"
    ).fetchall()
    for _, data, _ in open_rows:
        Job.from_json(data)
    return time.perf_counter() - started


def drain(queue: JobQueue) -> tuple[list[float], float]:
    """Seconds per batch (claim + acks), and the share of all of it spent in the acks."""
    per_batch = []
    acking = 0.0
    while True:
        started = time.perf_counter()
        batch = queue.take_due(NOW, BATCH)
        claimed_at = time.perf_counter()
        for claimed in batch:
            queue.ack(claimed)
        if not batch:
            return per_batch, acking / max(sum(per_batch), 1e-9)
        per_batch.append(time.perf_counter() - started)
        acking += time.perf_counter() - claimed_at


def thirds(values: list[float]) -> list[float]:
    size = max(1, len(values) // 3)
    middle = len(values) // 2
    parts = (values[:size], values[middle : middle + size], values[-size:])
    return [statistics.median(part) * 1000 for part in parts]


def run(jobs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        queue = JobQueue(Path(folder))
        try:
            fill(queue, jobs)
            scan = full_scan_seconds(queue)
            started = time.perf_counter()
            per_batch, ack_share = drain(queue)
            total = time.perf_counter() - started
        finally:
            queue.close()
    start, middle, end = thirds(per_batch)
    print(f"jobs: {jobs}  batches of {BATCH} scenes: {len(per_batch)}")
    print(
        f"  take_due + ack per batch (median ms): start {start:.1f}  middle {middle:.1f}  end {end:.1f}"
    )
    print(f"  total drain of queue bookkeeping: {total:.1f} s, {ack_share:.0%} of it in the acks")
    print(f"  old full scan, one batch on the full queue: {scan * 1000:.0f} ms")
    print(f"  ratio old scan / new batch at the start: {scan * 1000 / start:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenes", "--jobs", dest="jobs", type=int, nargs="+", default=[20_000, 100_000]
    )
    for jobs in parser.parse_args().jobs:
        run(jobs)


if __name__ == "__main__":
    main()
