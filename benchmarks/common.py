"""Shared setup for the benchmarks: the fakes, the plugin run as Stash runs it, measurements.

Every benchmark starts the fake Stash and the fake Plex in this process, runs the
real `PlexSync.py` as a subprocess (JSON on stdin, another working folder,
PYTHONPATH = the repository's parent, STASH_PLUGIN_DATA = a temporary folder), and
stops everything it started: it waits for the worker lock to be free and for every
worker process it saw to be gone before the fakes go down.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENTRY = ROOT / "PlexSync.py"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plugin_core.lock import is_locked  # noqa: E402
from tests.fakes import fake_stash  # noqa: E402
from tests.fakes.fake_plex import FakePlex  # noqa: E402
from tests.fakes.fake_stash import FakeStash  # noqa: E402
from tests.plugin_runner import PluginRun  # noqa: E402

DEFAULT_LATENCY = 0.005
MEDIA_TEMPLATE = "/media/scene{i:06d}.mp4"
STASH_TITLE = "Stash title {i}"
SECTION = "Movies"
WORKER_EXIT_TIMEOUT = 60.0
RSS_POLL_S = 0.01
PROGRESS = re.compile(rb"\x01p\x02([0-9.]+)")


# ----------------------------------------------------------------------------- printing


def machine() -> dict[str, str]:
    """nproc, CPU model, memory, OS and Python, as printed in every header."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def print_header(title: str, settings: dict[str, Any]) -> None:
    info = machine()
    print(f"== PlexSync benchmark: {title}")
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(
        f"machine:  {info['nproc']} CPU(s), {info['cpu']}, {info['memory']} RAM, {info['os']}, "
        f"{info['python']}"
    )
    print(f"command:  {Path(sys.executable).name} {' '.join(sys.argv)}")
    with contextlib.suppress(OSError, AttributeError):
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"load:     {load} (1, 5, 15 min averages before the run)")
    print("settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
    print()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def mib(kib: float | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def check(label: str, ok: bool, detail: str) -> bool:
    """One acceptance line: PASS or FAIL, what was checked, the measured figure."""
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); pct in 0..100."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ----------------------------------------------------------------------------- processes


@dataclass
class ProcResult(PluginRun):
    """A plugin run (stdout JSON, log lines) with its wall time, memory and progress."""

    wall: float = 0.0
    peak_rss_kib: float | None = None
    cpu_s: float | None = None
    progress: list[tuple[float, float]] = field(default_factory=list)


def _vm_hwm_kib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a running process, from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_measured(
    argv: Sequence[str],
    stdin: bytes,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
) -> ProcResult:
    """Run a child to completion; its wall time and its own peak RSS.

    Peak RSS is the child's VmHWM from /proc/<pid>/status, polled every 10 ms while
    it runs (VmHWM only grows, so the last reading before exit is the peak but for
    the final 10 ms); CPU time (user + system) is read the same way, from
    /proc/<pid>/stat. Not `wait4()`/RUSAGE_CHILDREN: Linux folds the high-water mark
    of the forked image, i.e. of this benchmark process with its fakes, into the
    child's ru_maxrss at exec, which made a 45 MB task look like 310 MB.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(cwd),
        env=env,
    )
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}
    progress: list[tuple[float, float]] = []
    peak: list[float] = []
    cpu: list[float] = []
    done = threading.Event()

    def pump(stream: Any, key: str) -> None:
        for block in iter(lambda: stream.read1(65536), b""):
            chunks[key].append(block)
            if key == "err":
                now = time.perf_counter() - started
                progress.extend((now, float(m)) for m in PROGRESS.findall(block))

    def poll_rss() -> None:
        while not done.is_set():
            value = _vm_hwm_kib(proc.pid)
            if value is not None and (not peak or value > peak[0]):
                peak[:] = [value]
            seconds = _cpu_seconds(proc.pid)
            if seconds is not None:
                cpu[:] = [seconds]
            done.wait(RSS_POLL_S)

    threads = [
        threading.Thread(target=pump, args=(proc.stdout, "out"), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, "err"), daemon=True),
    ]
    poller = threading.Thread(target=poll_rss, daemon=True)
    poller.start()
    for thread in threads:
        thread.start()
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(stdin)  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise TimeoutError(f"{argv[-1]} did not finish within {timeout:.0f} s") from None
    finally:
        done.set()
        poller.join(5)
    wall = time.perf_counter() - started
    for thread in threads:
        thread.join(10)
    return ProcResult(
        proc.returncode,
        b"".join(chunks["out"]).decode("utf-8", "replace"),
        b"".join(chunks["err"]).decode("utf-8", "replace"),
        wall,
        peak[0] if peak else None,
        cpu[0] if cpu else None,
        progress,
    )


def run_quick(argv: Sequence[str], stdin: bytes, env: dict[str, str], cwd: Path) -> ProcResult:
    """A short child (a hook, `python -c pass`) timed exactly as Stash would wait for it."""
    started = time.perf_counter()
    proc = subprocess.run(
        list(argv), input=stdin, capture_output=True, cwd=str(cwd), env=env, timeout=60, check=False
    )
    wall = time.perf_counter() - started
    return ProcResult(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        wall,
    )


def python_pass(env: dict[str, str], cwd: Path) -> float:
    """Wall time of `python -c pass`, started the same way as the plugin."""
    return run_quick([sys.executable, "-c", "pass"], b"", env, cwd).wall


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


# ----------------------------------------------------------------------------- the bench


def _stash_nodelay() -> None:
    """Answer from the fake Stash without Nagle's delay, as Stash (Go net/http) does.

    FakeStash writes a response's headers and body in two writes on a socket without
    TCP_NODELAY, so every keep-alive request waits for the client's delayed ACK
    (40 ms on Linux): 40 ms per screenshot that real Stash does not cost. FakePlex
    already sets TCP_NODELAY; this does the same for FakeStash, in this process only.
    """
    handler = fake_stash._Handler
    if getattr(handler, "_bench_nodelay", False):
        return
    original = handler.setup

    def setup(self: Any) -> None:
        original(self)
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    handler.setup = setup  # type: ignore[method-assign]
    handler._bench_nodelay = True  # type: ignore[attr-defined]


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--latency",
        type=float,
        default=DEFAULT_LATENCY,
        help=f"seconds the fake Plex waits before each answer (default {DEFAULT_LATENCY})",
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the plugin with PYTHONDONTWRITEBYTECODE=1 (every start compiles its modules)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")


def common_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "plex latency": f"{args.latency} s/request",
        "bytecode cache": "off" if args.no_bytecode_cache else "on",
    }


@dataclass
class Bench:
    """Fake Stash + fake Plex + a plugin folder; `close()` leaves nothing running."""

    latency: float = DEFAULT_LATENCY
    time_scale: float | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    keep: bool = False
    bytecode_cache: bool = True

    @classmethod
    def from_args(cls, args: argparse.Namespace, **kwargs: Any) -> Bench:
        return cls(
            latency=args.latency,
            bytecode_cache=not args.no_bytecode_cache,
            keep=args.keep,
            **kwargs,
        )

    def __post_init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="plexsync-bench-", dir=_scratch_dir()))
        self.data_dir = self.tmp / "plugins" / "PlexSync" / "data"
        self.cwd = self.tmp / "stash-cwd"
        self.cwd.mkdir(parents=True)
        _stash_nodelay()
        self.plex = FakePlex(latency=self.latency).start()
        self.section = self.plex.add_section(SECTION)
        self.stash = FakeStash(auth="none").start()
        self.stash.plugin_settings = {
            "PlexSync": {"plexUrl": self.plex.url, "plexToken": self.plex.token}
        }
        self.worker_pids: set[int] = set()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLEX", "STASH_PLUGIN"))}
        env.update({"STASH_PLUGIN_DATA": str(self.data_dir), "PYTHONPATH": str(ROOT.parent)})
        if self.bytecode_cache:
            # As on an ordinary install: Python caches compiled modules. The cache goes to
            # the benchmark's temporary folder so nothing is written into the repository.
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(self.tmp / "pycache")
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX", None)
        if self.time_scale is not None:
            env["PLEXSYNC_TIME_SCALE"] = str(self.time_scale)
        env.update(self.extra_env)
        self.env = env

    # -------------------------------------------------------------- data
    def populate(self, n: int) -> None:
        """N Stash scenes and N+1 Plex items matched by path under /media.

        Stash counts scenes from 1 and the fake Plex counts items from 0, so Plex holds
        one extra item (scene000000) that no scene matches, as real libraries do.
        Every Plex title differs from Stash's, so every scene starts out changed.
        """
        self.plex.bulk_add_items(self.section, n + 1, MEDIA_TEMPLATE)
        self.stash.bulk_add_scenes(n, MEDIA_TEMPLATE, title_template=STASH_TITLE)
        self._key_by_path = {item.files[0][0]: item.rating_key for item in self.plex.items()}
        # The fakes' libraries never die: keep the cyclic GC from re-scanning them
        # while it collects, so the fakes answer as fast at 20,000 scenes as at 20.
        gc.freeze()

    def rating_key(self, scene_id: str | int) -> str:
        return self._key_by_path[MEDIA_TEMPLATE.format(i=int(scene_id))]

    def plex_title(self, scene_id: str | int) -> str:
        return self.plex.item(self.rating_key(scene_id)).title

    def unconverged(self) -> list[str]:
        """Scenes whose Plex item does not carry the Stash title."""
        items = {item.files[0][0]: item.title for item in self.plex.items() if item.files}
        with self.stash._lock:
            scenes = [(s.id, s.title, s.files[0].path) for s in self.stash._scenes.values()]
        return [str(i) for i, title, path in scenes if items.get(path) != title]

    # -------------------------------------------------------------- plugin runs
    @property
    def connection(self) -> dict[str, Any]:
        return self.stash.server_connection(
            plugin_dir=str(self.data_dir.parent), stash_dir=str(self.cwd)
        )

    def hook_payload(self, scene_id: str | int, fields: Sequence[str] = ("title",)) -> bytes:
        context = {
            "id": int(scene_id),
            "type": "Scene.Update.Post",
            "input": {"id": str(scene_id), **dict.fromkeys(fields, "x")},
            "inputFields": ["id", *fields],
        }
        payload = {"server_connection": self.connection, "args": {"hookContext": context}}
        return json.dumps(payload).encode()

    def task_payload(self, mode: str, **args: Any) -> bytes:
        payload = {"server_connection": self.connection, "args": {"mode": mode, **args}}
        return json.dumps(payload).encode()

    def hook(self, scene_id: str | int, env: dict[str, str] | None = None) -> ProcResult:
        return run_quick(
            [sys.executable, str(ENTRY)], self.hook_payload(scene_id), env or self.env, self.cwd
        )

    def start_hook(self, scene_id: str | int) -> subprocess.Popen[bytes]:
        """A hook started without waiting (end-to-end timing polls Plex meanwhile)."""
        proc = subprocess.Popen(
            [sys.executable, str(ENTRY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=str(self.cwd),
            env=self.env,
        )
        proc.stdin.write(self.hook_payload(scene_id))  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
        proc.stdin = None  # so communicate() does not flush the closed pipe
        return proc

    def task(self, mode: str, timeout: float = 3600, **args: Any) -> ProcResult:
        run = run_measured(
            [sys.executable, str(ENTRY)],
            self.task_payload(mode, **args),
            self.env,
            self.cwd,
            timeout,
        )
        if run.returncode != 0:
            raise RuntimeError(f"task {mode} failed ({run.returncode}): {run.stdout[-2000:]}")
        return run

    def python_pass(self) -> float:
        return python_pass(self.env, self.cwd)

    # -------------------------------------------------------------- worker
    @property
    def lock_path(self) -> Path:
        return self.data_dir / "worker.lock"

    def worker_running(self) -> bool:
        return is_locked(self.lock_path)

    def worker_pid(self) -> int | None:
        """The running worker's pid from its status row (remembered for the clean-up)."""
        path = self.data_dir / "state.db"
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                row = conn.execute("SELECT pid FROM worker_status WHERE id = 1").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        if row and row[0]:
            self.worker_pids.add(int(row[0]))
            return int(row[0])
        return None

    def wait_worker_gone(self, timeout: float = WORKER_EXIT_TIMEOUT) -> bool:
        """Lock free and every worker process seen so far exited."""
        self.worker_pid()
        return bool(
            wait_until(
                lambda: (
                    not self.worker_running() and not any(pid_alive(p) for p in self.worker_pids)
                ),
                timeout,
                0.02,
            )
        )

    def stop_worker(self, timeout: float = WORKER_EXIT_TIMEOUT) -> bool:
        """Ask a busy worker to stop (SIGTERM: it releases its jobs), then wait for it."""
        self.worker_pid()
        for pid in self.worker_pids:
            if pid_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        return self.wait_worker_gone(timeout)

    def queue_counts(self) -> Counter[int]:
        path = self.data_dir / "queue.db"
        if not path.exists():
            return Counter()
        conn = sqlite3.connect(path, timeout=10)
        try:
            rows = conn.execute("SELECT status, COUNT(*) FROM ack_queue_default GROUP BY status")
            return Counter(dict(rows.fetchall()))
        finally:
            conn.close()

    # -------------------------------------------------------------- clean-up
    def close(self) -> None:
        clean = self.wait_worker_gone()
        if not clean:
            print("WARNING: a worker was still running; sending SIGTERM", file=sys.stderr)
            clean = self.stop_worker(20)
        if not clean:
            for pid in self.worker_pids:
                if pid_alive(pid):
                    print(f"WARNING: killing worker {pid}", file=sys.stderr)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self.stash.stop()
        self.plex.stop()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scratch_dir() -> str | None:
    """PLEXSYNC_BENCH_TMP if set (to benchmark a particular disk), else the system temp."""
    return os.environ.get("PLEXSYNC_BENCH_TMP") or None


# ----------------------------------------------------------------------------- counting

PLEX_KINDS = ("GET index pages", "GET /library/metadata", "PUT", "POST posters", "other")


def plex_kind(method: str, path: str) -> str:
    if method == "GET" and path.startswith("/library/sections/") and path.endswith("/all"):
        return "GET index pages"
    if method == "GET" and path.startswith("/library/metadata/"):
        return "GET /library/metadata"
    if method == "PUT":
        return "PUT"
    if method == "POST" and path.endswith("/posters"):
        return "POST posters"
    return "other"


def plex_breakdown(requests: Iterable[Any]) -> Counter[str]:
    counts: Counter[str] = Counter(dict.fromkeys(PLEX_KINDS, 0))
    others: Counter[str] = Counter()
    for r in requests:
        kind = plex_kind(r.method, r.path)
        counts[kind] += 1
        if kind == "other":
            others[f"{r.method} {r.path}"] += 1
    counts.update({f"  other: {k}": v for k, v in others.items()})
    return counts


def plex_writes(requests: Iterable[Any]) -> int:
    return sum(1 for r in requests if r.method in ("PUT", "POST", "DELETE"))


def stash_breakdown(requests: Iterable[Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for r in requests:
        if r.path == "/graphql":
            counts[f"graphql {r.operation_name or '(anonymous)'}"] += 1
        elif r.path.endswith("/screenshot"):
            counts["GET screenshot"] += 1
        else:
            counts[f"{r.method} {r.path}"] += 1
    return counts


def print_counts(title: str, counts: Counter[str], per: int | None = None) -> None:
    total = sum(v for k, v in counts.items() if not k.startswith("  "))
    print(f"  {title}: {total} in total" + (f", {total / per:.3f} per scene" if per else ""))
    for kind, value in counts.items():
        if per and not kind.startswith("  "):
            print(f"    {kind:<34} {value:>8}  ({value / per:.3f} per scene)")
        else:
            print(f"    {kind:<34} {value:>8}")
