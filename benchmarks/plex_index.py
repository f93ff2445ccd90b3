"""Building the Plex index (path -> ratingKey) for 20,000 and 100,000 items.

The index is built by the plugin's own code (plex.index.PlexIndex with a PlexClient
from validation.config.load_settings and sync_queue.state_db.open_state_db) in a
child process, so the fake Plex's own memory is not counted: the figure is the
child's peak RSS (wait4 ru_maxrss). A second child then opens the same state
database to show that a built index is reused without reading the library again.

Acceptance (DESIGN §4): 20,000 items in at most 25 requests and 150 MB;
100,000 items within 400 MB.

    .venv/bin/python benchmarks/plex_index.py --scenes 20000 100000
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import (
    MEDIA_TEMPLATE,
    ROOT,
    Bench,
    add_common_args,
    check,
    common_settings,
    mib,
    plex_breakdown,
    print_counts,
    print_header,
    run_measured,
)

LIMITS_MB = {20_000: 150, 100_000: 400}
MAX_REQUESTS_20K = 25
CHILD_TIMEOUT_S = 1800
LOOKUPS = 1000

CHILD = """
import json, os, sys, time
from pathlib import Path

sys.path.insert(0, os.environ["BENCH_ROOT"])


def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    return None


from plex.client import PlexClient
from plex.index import PlexIndex
from sync_queue.state_db import open_state_db
from validation.config import load_settings

settings = load_settings(
    {"plexUrl": os.environ["BENCH_PLEX_URL"], "plexToken": os.environ["BENCH_PLEX_TOKEN"]}, env={}
)
conn = open_state_db(Path(os.environ["BENCH_DATA_DIR"]))
index = PlexIndex(conn, PlexClient(settings), settings.plex_libraries)
rss_before = status("VmRSS")
started = time.perf_counter()
index.ensure()
seconds = time.perf_counter() - started
files = conn.execute("SELECT COUNT(*) FROM plex_files").fetchone()[0]
n = int(os.environ["BENCH_ITEMS"])
lookups = int(os.environ["BENCH_LOOKUPS"])
template = os.environ["BENCH_TEMPLATE"]
started = time.perf_counter()
found = sum(len(index.by_path(template.format(i=(k * 7919) % n))) for k in range(lookups))
lookup_s = (time.perf_counter() - started) / lookups
conn.close()
print(json.dumps({
    "seconds": seconds, "files": files, "rss_before_kib": rss_before,
    "hwm_kib": status("VmHWM"), "lookup_s": lookup_s, "found": found,
}))
"""


def build_in_child(bench: Bench, n: int) -> tuple[dict, float | None, float]:
    env = {
        **bench.env,
        "BENCH_ROOT": str(ROOT),
        "BENCH_PLEX_URL": bench.plex.url,
        "BENCH_PLEX_TOKEN": bench.plex.token,
        "BENCH_DATA_DIR": str(bench.data_dir),
        "BENCH_ITEMS": str(n),
        "BENCH_LOOKUPS": str(LOOKUPS),
        "BENCH_TEMPLATE": MEDIA_TEMPLATE,
    }
    run = run_measured([sys.executable, "-c", CHILD], b"", env, bench.cwd, timeout=CHILD_TIMEOUT_S)
    if run.returncode != 0:
        raise RuntimeError(f"index child failed ({run.returncode}): {run.stderr[-3000:]}")
    return json.loads(run.stdout), run.peak_rss_kib, run.wall


def one_size(args: argparse.Namespace, n: int) -> bool:
    with Bench.from_args(args) as bench:
        bench.data_dir.mkdir(parents=True)
        bench.plex.bulk_add_items(bench.section, n, MEDIA_TEMPLATE)
        bench.plex.clear_requests()
        built, polled, wall = build_in_child(bench, n)
        peak = max(polled or 0.0, built["hwm_kib"] or 0.0)
        requests = bench.plex.requests
        bench.plex.clear_requests()
        reused, reuse_peak, _ = build_in_child(bench, n)
        reuse_requests = bench.plex.requests
        db_bytes = sum(p.stat().st_size for p in bench.data_dir.glob("state.db*"))

        print(f"[{n} items]")
        print(
            f"  index built in {built['seconds']:.2f} s ({n / built['seconds']:.0f} items/s); "
            f"child process wall {wall:.2f} s"
        )
        print(
            f"  child peak RSS {mib(peak)} ({peak * 1024 / 1e6:.1f} MB; the child's own VmHWM "
            f"at its end {mib(built['hwm_kib'])}, polled {mib(polled)}); "
            f"RSS after imports, before indexing {mib(built['rss_before_kib'])}"
        )
        print(f"  files indexed {built['files']}; state.db on disk {db_bytes / 1e6:.1f} MB")
        print(f"  path lookup: {built['lookup_s'] * 1e6:.0f} us each ({LOOKUPS} lookups)")
        print_counts("Plex requests to build", plex_breakdown(requests))
        print(
            f"  next process, index already built: {len(reuse_requests)} Plex request(s) "
            f"({', '.join(sorted({f'{r.method} {r.path}' for r in reuse_requests})) or 'none'}), "
            f"{reused['seconds'] * 1000:.0f} ms, peak RSS {mib(reuse_peak)}"
        )
        peak_mb = peak * 1024 / 1e6
        ok = check(f"{n} items: every file indexed", built["files"] == n, f"{built['files']} rows")
        ok &= check(
            f"{n} items: lookups find their item", built["found"] == LOOKUPS, str(built["found"])
        )
        if n == 20_000:
            ok &= check(
                f"20,000 items: at most {MAX_REQUESTS_20K} requests",
                len(requests) <= MAX_REQUESTS_20K,
                f"{len(requests)} requests",
            )
        limit = LIMITS_MB.get(n)
        if limit is not None:
            ok &= check(
                f"{n:,} items: peak RSS at most {limit} MB",
                peak_mb <= limit,
                f"{peak_mb:.1f} MB ({mib(peak)})",
            )
        ok &= check(
            f"{n} items: a built index is reused (no library page read)",
            not any(r.path.endswith("/all") for r in reuse_requests),
            f"{len(reuse_requests)} request(s)",
        )
        print()
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scenes",
        type=int,
        nargs="+",
        default=[20_000, 100_000],
        help="Plex library sizes to index (default 20000 100000)",
    )
    add_common_args(parser)
    args = parser.parse_args(argv)
    print_header(
        "Plex index",
        {"items": " and ".join(str(n) for n in args.scenes), **common_settings(args)},
    )
    ok = True
    for n in args.scenes:
        ok &= one_size(args, n)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
