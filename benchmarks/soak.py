"""Soak test: thousands of hooks while Plex, Stash and the worker misbehave at random.

Runs the real plugin against the fakes, as Stash runs it: one `PlexSync.py` process
per hook (JSON on stdin, Stash's working folder, PYTHONPATH = the repository's
parent), each after a random edit of a scene in the fake Stash (title, details,
tags, performers; now and then a performer rename, which fires no hook). Stash runs
hooks one at a time; `--threads 2` runs two at once to get through more of them.

Meanwhile a chaos thread makes things fail: Plex stopped for a while, bursts of
5xx, 429 with Retry-After, failed writes, an edit Plex rejects (400, dead-lettered
at once), slow answers, a hang past readTimeout,
Stash answering 401 or 502 or expiring its sessions, a `process_queue` task
cancelled (SIGKILL) by Stash; another thread SIGKILLs the background worker at
random moments (a new one starts with the next hook). Some Plex items are hidden
at the start, as files Plex has not scanned yet, and appear later.

Then the chaos stops, Plex comes back, hidden items appear, and the queue is
drained (`process_queue`, then the worker it starts). Phase 1 checks the
INVARIANT:

* every hooked scene's Plex item shows its latest Stash state (title, summary,
  genres, actors), or the scene is in the dead-letter queue with a reason written
  after its last hook; a performer renamed in Stash may still show its old name
  (a rename fires no hook);
* no dead letter is older than its scene's last job (a later sync removes it);
* no job is lost: the queue is empty, no row is left in progress or unreadable;
* no duplicate side effects beyond one repeat per kill: the edits Plex applied
  (PUTs it accepted) to an item <= the Stash changes that needed sending (queued
  hooks + renames), with all the extra edits together <= kills; the screenshot
  never changes, so every poster upload after an item's first must follow a kill,
  and there are no more of them than kills;
* every hook exited 0 with `queued` or `skipped: ...`; no unexpected error in the
  plugin's log; scenes never hooked were never written; no plugin process is left.

Phase 2 runs `sync_all` (it must queue at least the scenes phase 1 found stale) and
`retry_dead_letters`: afterwards every scene must show its Stash state exactly and
the dead-letter queue must be empty.

    .venv/bin/python benchmarks/soak.py --hooks 3000 --scenes 300 --seed 1

Exit status 0 when the invariant held, 1 when it did not.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ENTRY, ROOT, machine, percentile
from plugin_core.lock import is_locked
from tests.fakes.fake_plex import FakePlex
from tests.fakes.fake_stash import FakeStash

MEDIA = "/media/soak/scene{i:05d}.mp4"
# Queue row statuses (persist-queue's codes, see sync_queue/enqueue.py).
OPEN_STATUSES = (0, 1, 2)
IN_PROGRESS = 2
ACKED = 5

TITLE_WORDS = (
    "Sunset", "Harbour", "Night", "Café", "Zürich", "東京", "Rock & Roll", "Blue",
    'Say "hi"', "<b>bold</b>", "naïve", "Ölfeld", "Kraków", "Ember", "Quiet", "O'Hara",
)  # fmt: skip
SENTENCES = (
    "A quiet evening by the water.",
    "Two friends meet again after years.",
    "Filmed on location; no script & no rehearsal.",
    'Ünïcode, quotes "like these" and <angle> brackets.',
    "Line one.\nLine two, after a break.",
    "Short.",
)
TAG_NAMES = (
    "Drama", "Comedy", "Drama, Light", "Rock & Roll", "Outdoor", "Indoor", "東京",
    "Ünïcode", "Night", "Day", "Long Take", "B&W", "4K", "Interview", "Travel", "Music",
)  # fmt: skip
PERFORMER_NAMES = (
    "Ann Lee", "Bea Stone", "Cy Young", "Dee O'Brien", "Eve Núñez", "Flo Zoë", "Gus Ray",
    "Hal Kim", "Ida Berg", "Jo Park", "Kai Tanaka", "Lu Chen", "Mo Diaz", "Ned Holm",
    "Oli Marsh", "Pia Sand", "Quin Roe", "Rae Lund", "Sol Vega", "Tia Moss", "Uma Fox",
    "Vic Hale", "Wes Dunn", "Xia Wu",
)  # fmt: skip

HOOK_KINDS = {  # what a hook is preceded by, and how often
    "title": 30,
    "details": 15,
    "tags": 20,
    "performers": 15,
    "several": 10,
    "create": 3,  # Scene.Create.Post, nothing edited
    "scan": 3,  # Scene.Update.Post without inputFields, as after a scan
    "not_synced": 4,  # an update of a field PlexSync ignores: the hook skips it
}
RENAME_EVERY = 100  # about one performer rename per this many hooks (no hook fires)

FAULT_KINDS = {
    "plex_down": 10,
    "plex_5xx": 20,
    "plex_429": 12,
    "plex_put_5xx": 8,
    "plex_put_400": 2,  # Plex rejects one edit: a permanent error, dead-lettered at once
    "plex_slow": 10,
    "plex_hang": 3,
    "stash_401": 4,
    "stash_502": 4,
    "stash_session_expired": 3,
    "task_cancelled": 4,
}


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SoakConfig:
    hooks: int = 3000
    scenes: int = 300
    seconds: float = 1200.0  # the hook phase stops here even if hooks remain
    min_seconds: float = 0.0  # hooks are spread over at least this long (0: as fast as they go)
    seed: int = 1
    threads: int = 2
    time_scale: float = 0.01
    read_timeout: int = 5  # the minimum; hangs last longer than this
    max_retries: int = 5
    hidden_fraction: float = 0.1  # items Plex has "not scanned yet" at the start
    reveal_within: float = 120.0  # hidden items appear at random within this many seconds
    fault_every: float = 1.5  # mean seconds between faults
    fault_length: float = 1.0  # scales how long Plex stays down or slow
    kill_every: tuple[float, float] = (3.0, 9.0)  # seconds between worker kills
    max_kills: int = 1000
    max_hangs: int = 6
    pause_chance: float = 0.02  # a hook thread sometimes idles, so the worker exits
    drain_timeout: float = 300.0
    wrap_up: bool = True  # phase 2: sync_all and retry_dead_letters

    @classmethod
    def short(cls, seed: int = 7) -> SoakConfig:
        """The version `make test` runs: ~150 hooks, a few faults, 2-3 kills."""
        return cls(
            hooks=150,
            scenes=30,
            seconds=60.0,
            min_seconds=10.0,
            seed=seed,
            hidden_fraction=0.1,
            reveal_within=4.0,
            fault_every=0.4,
            fault_length=0.4,
            kill_every=(1.5, 2.5),
            max_kills=3,
            max_hangs=1,
            pause_chance=0.03,
            drain_timeout=60.0,
        )


# ----------------------------------------------------------------------------- the rig


@dataclass(frozen=True)
class DeadLetter:
    kind: str
    message: str
    attempts: int
    last_failure_at: float


@dataclass(frozen=True)
class KillSnapshot:
    claimed: set[str]  # scenes whose queue rows were in progress when the kill came
    posters: dict[str, int]  # poster uploads per rating key, once the kill settled


@dataclass
class HookRun:
    returncode: int
    stdout: str
    stderr: str
    wall: float


class Rig:
    """Fake Plex + fake Stash + a plugin folder, and the plugin run as Stash runs it."""

    def __init__(
        self,
        root: Path,
        plex: FakePlex | None = None,
        stash: FakeStash | None = None,
        time_scale: float = 0.01,
    ) -> None:
        self.root = root
        self.owns = (plex is None, stash is None)
        self.plex = plex or FakePlex().start()
        self.stash = stash or FakeStash(auth="cookie").start()
        self.section = self._movie_section()
        self.data_dir = root / "plugins" / "PlexSync" / "data"
        self.cwd = root / "stash-cwd"
        self.cwd.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLEX", "STASH_PLUGIN"))}
        env.update(
            {
                "STASH_PLUGIN_DATA": str(self.data_dir),
                "PLEXSYNC_TIME_SCALE": str(time_scale),
                "PYTHONPATH": str(ROOT.parent),
            }
        )
        self.env = env

    def _movie_section(self) -> str:
        with contextlib.suppress(KeyError):
            if self.plex.section("1").type == "movie":
                return "1"
        return self.plex.add_section("Movies")

    def settings(self, **values: Any) -> None:
        base = {"plexUrl": self.plex.url, "plexToken": self.plex.token}
        self.stash.plugin_settings = {"PlexSync": {**base, **values}}

    @property
    def connection(self) -> dict[str, Any]:
        return self.stash.server_connection(
            plugin_dir=str(self.data_dir.parent), stash_dir=str(self.cwd)
        )

    # -------------------------------------------------------------- plugin runs
    def run(self, args: dict[str, Any], timeout: float = 120) -> HookRun:
        payload = json.dumps({"server_connection": self.connection, "args": args}).encode()
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(ENTRY)],
            input=payload,
            capture_output=True,
            cwd=str(self.cwd),
            env=self.env,
            timeout=timeout,
            check=False,
        )
        return HookRun(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
            time.perf_counter() - started,
        )

    def hook(self, scene_id: str, hook_type: str, fields: list[str] | None) -> HookRun:
        context: dict[str, Any] = {"id": int(scene_id), "type": hook_type}
        if fields is not None:
            context["inputFields"] = ["id", *fields]
            context["input"] = {"id": scene_id, **dict.fromkeys(fields, "...")}
        return self.run({"hookContext": context}, timeout=60)

    def task(self, mode: str, **args: Any) -> HookRun:
        return self.run({"mode": mode, **args})

    def start_task(self, mode: str) -> subprocess.Popen[bytes]:
        payload = json.dumps({"server_connection": self.connection, "args": {"mode": mode}})
        proc = subprocess.Popen(
            [sys.executable, str(ENTRY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=str(self.cwd),
            env=self.env,
        )
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(payload.encode())  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        return proc

    # -------------------------------------------------------------- processes
    def plugin_processes(self) -> dict[int, str]:
        """Live PlexSync processes of this rig: pid -> "worker" or "hook/task" (Linux /proc)."""
        found: dict[int, str] = {}
        entry = str(ENTRY).encode()
        for proc_dir in Path("/proc").iterdir():
            if not proc_dir.name.isdigit():
                continue
            try:
                argv = (proc_dir / "cmdline").read_bytes().split(b"\0")
                if entry not in argv:
                    continue
                cwd = os.readlink(proc_dir / "cwd")
            except OSError:
                continue  # gone, or a zombie
            if b"--worker" in argv and cwd == str(self.data_dir.resolve()):
                found[int(proc_dir.name)] = "worker"
            elif cwd == str(self.cwd.resolve()):
                found[int(proc_dir.name)] = "hook/task"
        return found

    def workers(self) -> list[int]:
        return [pid for pid, kind in self.plugin_processes().items() if kind == "worker"]

    def status_pid(self) -> int | None:
        """The pid in state.db's worker_status (the lock holder's, unless it was killed)."""
        rows = self._read("state.db", "SELECT pid FROM worker_status WHERE id = 1")
        return int(rows[0][0]) if rows and rows[0][0] else None

    def worker_running(self) -> bool:
        return is_locked(self.data_dir / "worker.lock")

    def kill_worker(self, rng: random.Random) -> int | None:
        """SIGKILL the worker holding the queue (or any starting one); its pid, or None."""
        workers = self.workers()
        if not workers:
            return None
        holder = self.status_pid()
        pid = holder if holder in workers else rng.choice(workers)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid

    def stop_everything(self, grace: float = 30.0) -> list[int]:
        """Wait for our plugin processes to exit, then kill any left; the pids that were left."""
        deadline = time.monotonic() + grace
        while self.plugin_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        left = list(self.plugin_processes())
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while set(left) & set(self.plugin_processes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return left

    def close(self) -> None:
        owns_plex, owns_stash = self.owns
        if owns_stash:
            self.stash.stop()
        if owns_plex:
            self.plex.stop()

    # -------------------------------------------------------------- databases
    def _read(self, db: str, sql: str, params: tuple = ()) -> list[tuple]:
        path = self.data_dir / db
        if not path.exists():
            return []
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise

    def scenes_in_progress(self) -> set[str]:
        """Scenes with a queue row claimed by a worker or task (status in progress)."""
        rows = self._read(
            "queue.db", "SELECT data FROM ack_queue_default WHERE status = ?", (IN_PROGRESS,)
        )
        scenes = set()
        for (data,) in rows:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                scenes.add(str(json.loads(data)["scene_id"]))
        return scenes

    def queue_statuses(self) -> Counter[int]:
        rows = self._read("queue.db", "SELECT status, COUNT(*) FROM ack_queue_default GROUP BY 1")
        return Counter({int(s): int(n) for s, n in rows})

    def open_jobs(self) -> int:
        counts = self.queue_statuses()
        return sum(counts[s] for s in OPEN_STATUSES)

    def dead_letters(self) -> dict[str, DeadLetter]:
        rows = self._read(
            "dlq.db",
            "SELECT scene_id, error_kind, message, attempts, last_failure_at FROM dead_letters",
        )
        return {str(r[0]): DeadLetter(r[1], r[2], int(r[3]), float(r[4])) for r in rows}

    def log_records(self) -> list[dict[str, Any]]:
        records = []
        for path in sorted((self.data_dir / "logs").glob("plexsync.log*")):
            for line in path.read_text("utf-8", "replace").splitlines():
                with contextlib.suppress(ValueError):
                    records.append(json.loads(line))
        return records


def flush_stash_faults(stash: FakeStash, attempts: int = 50) -> None:
    """Use up failures queued in the fake Stash: each request takes one; /login is open."""
    for _ in range(attempts):
        conn = http.client.HTTPConnection("127.0.0.1", stash.port, timeout=5)
        try:
            conn.request("GET", "/login")
            status = conn.getresponse().status
        finally:
            conn.close()
        if status == 200:
            return


# ----------------------------------------------------------------------------- the world


@dataclass
class SceneBook:
    """What the soak did to one scene, to compute what Plex must show and may cost."""

    scene_id: str
    rating_key: str
    hidden: bool
    hooks: int = 0  # hooks run for it
    queued: int = 0  # hooks that answered "queued"
    changes: int = 0  # Stash changes that needed sending: queued hooks + renames
    last_queued_at: float = 0.0  # wall clock just before its last queued hook started


class World:
    """Scenes in the fake Stash, items in the fake Plex, and every change made to them."""

    def __init__(self, rig: Rig, config: SoakConfig, rng: random.Random) -> None:
        self.rig = rig
        self.config = config
        self.lock = threading.Lock()  # one Stash mutation at a time (renames vs. picks)
        self.books: dict[str, SceneBook] = {}
        self.performer_ids: dict[str, str] = {}  # every name a performer ever had -> id
        self.performer_names: list[str] = []  # current names
        self.renames = 0
        self.hot: list[str] = []
        self.populate(rng)

    def populate(self, rng: random.Random) -> None:
        stash, plex = self.rig.stash, self.rig.plex
        for name in PERFORMER_NAMES:
            self.performer_ids[name] = stash.add_performer(name)
        self.performer_names = list(PERFORMER_NAMES)
        for tag in TAG_NAMES:
            stash.add_tag(tag)
        for i in range(1, self.config.scenes + 1):
            path, size = MEDIA.format(i=i), 1_000_000 + i
            hidden = rng.random() < self.config.hidden_fraction
            key = plex.add_item(self.rig.section, f"plex {i}", [(path, size)], hidden=hidden)
            scene_id = stash.add_scene(
                title=random_title(rng),
                details=random_details(rng),
                tags=rng.sample(TAG_NAMES, rng.randint(0, 3)),
                performers=rng.sample(self.performer_names, rng.randint(0, 2)),
                files=[(path, size)],
            )
            self.books[scene_id] = SceneBook(scene_id, key, hidden)
        ids = list(self.books)
        self.hot = rng.sample(ids, max(1, len(ids) // 10))

    def pick(self, rng: random.Random) -> str:
        """A scene to edit: 40 % of edits go to a hot tenth of the scenes."""
        return rng.choice(self.hot) if rng.random() < 0.4 else rng.choice(list(self.books))

    def edit(self, scene_id: str, kind: str, rng: random.Random) -> tuple[str, list[str] | None]:
        """Change the scene as a user would; the hook type and inputFields Stash would send."""
        changes: dict[str, Any] = {}
        if kind in ("title", "several"):
            changes["title"] = random_title(rng)
        if kind == "details":
            changes["details"] = random_details(rng)
        if kind in ("tags", "several"):
            changes["tags"] = rng.sample(TAG_NAMES, rng.randint(0, 4))
        with self.lock:
            if kind in ("performers", "several"):
                changes["performers"] = rng.sample(self.performer_names, rng.randint(0, 3))
            if changes:
                self.rig.stash.update_scene(scene_id, **changes)
        field_names = {
            "title": "title",
            "details": "details",
            "tags": "tag_ids",
            "performers": "performer_ids",
        }
        if kind == "create":
            return "Scene.Create.Post", None
        if kind == "scan":
            return "Scene.Update.Post", None
        if kind == "not_synced":
            return "Scene.Update.Post", ["play_count"]
        return "Scene.Update.Post", [field_names[name] for name in changes]

    def rename_performer(self, rng: random.Random) -> None:
        """A rename in Stash: no scene hook fires, yet Plex should show the new name."""
        with self.lock:
            old = rng.choice(self.performer_names)
            self.renames += 1
            new = f"{old.split(' #')[0]} #{self.renames}"
            self.rig.stash.rename_performer(old, new)
            self.performer_ids[new] = self.performer_ids[old]
            self.performer_names[self.performer_names.index(old)] = new
            for book in self.books.values():
                if new in self.rig.stash.scene(book.scene_id)["performers"]:
                    book.changes += 1

    def record_hook(self, scene_id: str, queued: bool, started_at: float) -> None:
        with self.lock:
            book = self.books[scene_id]
            book.hooks += 1
            if queued:
                book.queued += 1
                book.changes += 1
                book.last_queued_at = max(book.last_queued_at, started_at)


def random_title(rng: random.Random) -> str:
    return f"{rng.choice(TITLE_WORDS)} {rng.choice(TITLE_WORDS)} {rng.randint(1, 99999)}"


def random_details(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return ""
    return " ".join(rng.sample(SENTENCES, rng.randint(1, 3)))


# ----------------------------------------------------------------------------- hooks


@dataclass
class HookStats:
    run: int = 0
    queued: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    pauses: int = 0


class HookDriver:
    """Threads that each edit a scene and run its hook, until the count or the time is up."""

    def __init__(self, rig: Rig, world: World, config: SoakConfig) -> None:
        self.rig = rig
        self.world = world
        self.config = config
        self.stats = HookStats()
        self.lock = threading.Lock()
        self.remaining = config.hooks
        self.started = time.monotonic()
        self.deadline = self.started + config.seconds
        self.stop = threading.Event()

    def first(self) -> str | None:
        """One hook alone, before the threads: it creates the queue database.

        Stash never runs two hooks at once. Two processes creating the queue
        database at the same moment is a race of its own, not this soak's subject.
        """
        if not self._take():
            return None
        visible = [b.scene_id for b in self.world.books.values() if not b.hidden]
        rng = random.Random(self.config.seed * 1000 - 1)
        return self._one(rng, "title", rng.choice(visible or list(self.world.books)))

    def run(self) -> HookStats:
        self.started = time.monotonic()
        threads = [
            threading.Thread(target=self._loop, args=(n,), name=f"soak-hooks-{n}", daemon=True)
            for n in range(self.config.threads)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.stats

    def _take(self) -> bool:
        """Claim the next hook, waiting for its turn when the hooks are spread out."""
        with self.lock:
            if self.remaining <= 0 or self.stop.is_set() or time.monotonic() > self.deadline:
                return False
            number = self.config.hooks - self.remaining
            self.remaining -= 1
        due = self.started + number * self.config.min_seconds / max(1, self.config.hooks)
        self.stop.wait(max(0.0, due - time.monotonic()))
        return True

    def _loop(self, n: int) -> None:
        rng = random.Random(self.config.seed * 1000 + n)
        kinds, weights = zip(*HOOK_KINDS.items(), strict=True)
        while self._take():
            if rng.random() < 1 / RENAME_EVERY:
                self.world.rename_performer(rng)
            self._one(rng, rng.choices(kinds, weights)[0])
            if rng.random() < self.config.pause_chance:
                with self.lock:
                    self.stats.pauses += 1
                self.stop.wait(rng.uniform(0.2, 1.0))  # a quiet moment: the worker goes idle

    def _one(self, rng: random.Random, kind: str, scene_id: str | None = None) -> str:
        """Edit a scene as a user would, then run the hook Stash would run for it."""
        scene_id = scene_id or self.world.pick(rng)
        hook_type, fields = self.world.edit(scene_id, kind, rng)
        started_at = time.time()
        try:
            run = self.rig.hook(scene_id, hook_type, fields)
        except subprocess.TimeoutExpired:
            self._failed(f"hook for scene {scene_id} ({kind}) ran over 60 s")
            return scene_id
        self._record(scene_id, kind, run, started_at)
        return scene_id

    def _record(self, scene_id: str, kind: str, run: HookRun, started_at: float) -> None:
        problem = hook_problem(run, kind)
        output = None if problem else json.loads(run.stdout)["output"]
        queued = output == "queued"
        self.world.record_hook(scene_id, queued, started_at)
        with self.lock:
            self.stats.run += 1
            self.stats.walls.append(run.wall)
            self.stats.by_kind[kind] += 1
            self.stats.queued += queued
            self.stats.skipped += bool(output) and not queued
            if problem:
                self.stats.failed.append(
                    f"scene {scene_id} ({kind}, {run.wall:.2f} s, at "
                    f"{time.strftime('%H:%M:%S', time.gmtime())}): {problem}"
                )

    def _failed(self, message: str) -> None:
        with self.lock:
            self.stats.run += 1
            self.stats.failed.append(message)


def hook_problem(run: HookRun, kind: str) -> str | None:
    """What is wrong with a hook's answer (CONTRACT §2, §5), or None."""
    try:
        result = json.loads(run.stdout)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        return f"stdout is not one JSON object: {run.stdout[:200]!r}"
    if run.returncode != 0 or result.get("error") is not None:
        return f"exit {run.returncode}, error {result.get('error')!r}"
    output = result.get("output")
    expected_skip = kind == "not_synced"
    if expected_skip and not str(output).startswith("skipped: "):
        return f"expected a skip, got {output!r}"
    if not expected_skip and output != "queued":
        return f"expected 'queued', got {output!r}"
    return None


# ----------------------------------------------------------------------------- chaos


class Chaos:
    """Faults at random moments, worker kills, and hidden Plex items appearing."""

    def __init__(self, rig: Rig, world: World, config: SoakConfig) -> None:
        self.rig = rig
        self.world = world
        self.config = config
        self.stop = threading.Event()
        self.faults: Counter[str] = Counter()
        self.kills: list[float] = []
        self.cancelled_tasks = 0
        # Per kill: the scenes the killed process had claimed, and poster uploads per item
        # once its last request landed. A repeat upload is explained by a kill only if
        # the kill interrupted that scene's job after the item's previous upload.
        self.kill_snapshots: list[KillSnapshot] = []
        self.revealed = 0
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.threads = [
            threading.Thread(target=self._faults, name="soak-faults", daemon=True),
            threading.Thread(target=self._killer, name="soak-kills", daemon=True),
            threading.Thread(target=self._revealer, name="soak-reveal", daemon=True),
        ]

    def start(self) -> None:
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        """Stop injecting, and leave Plex up, fast, honest and with every item visible."""
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        plex = self.rig.plex
        plex.set_down(False)
        plex.clear_faults()
        for book in self.world.books.values():
            if plex.item(book.rating_key).hidden:
                plex.reveal(book.rating_key)
        flush_stash_faults(self.rig.stash)

    @property
    def kill_count(self) -> int:
        return len(self.kills) + self.cancelled_tasks

    # -------------------------------------------------------------- threads
    def _faults(self) -> None:
        rng = random.Random(self.config.seed * 1000 + 101)
        kinds, weights = zip(*FAULT_KINDS.items(), strict=True)
        deck = rng.sample(kinds, len(kinds))  # every kind once first, then at random
        while not self.stop.wait(rng.expovariate(1 / self.config.fault_every)):
            kind = deck.pop() if deck else rng.choices(kinds, weights)[0]
            if kind == "plex_hang" and self.faults[kind] >= self.config.max_hangs:
                kind = "plex_5xx"
            self.inject(kind, rng)

    def _killer(self) -> None:
        rng = random.Random(self.config.seed * 1000 + 202)
        low, high = self.config.kill_every
        while len(self.kills) < self.config.max_kills and not self.stop.wait(
            rng.uniform(low, high)
        ):
            deadline = time.monotonic() + 2.0
            while not self.stop.is_set() and time.monotonic() < deadline:
                pid = self.rig.kill_worker(rng)
                if pid is not None:
                    self.kills.append(time.monotonic() - self.started)
                    self._after_kill()
                    break
                self.stop.wait(0.05)

    def _revealer(self) -> None:
        rng = random.Random(self.config.seed * 1000 + 303)
        hidden = [b.rating_key for b in self.world.books.values() if b.hidden]
        schedule = sorted((rng.uniform(0.5, self.config.reveal_within), key) for key in hidden)
        for at, key in schedule:
            if self.stop.wait(max(0.0, self.started + at - time.monotonic())):
                return
            self.rig.plex.reveal(key)
            self.revealed += 1

    # -------------------------------------------------------------- faults
    def inject(self, kind: str, rng: random.Random) -> None:
        plex, stash = self.rig.plex, self.rig.stash
        with self.lock:
            self.faults[kind] += 1
        if kind == "plex_down":
            plex.set_down(True)
            self.stop.wait(max(0.5, rng.uniform(0.5, 3.0) * self.config.fault_length))
            plex.set_down(False)
        elif kind == "plex_5xx":
            prefix = rng.choice([None, "/library/metadata", "/library/sections"])
            status = rng.choice([500, 502, 503, 504, 520])
            plex.fail_next(rng.randint(1, 4), status, path_prefix=prefix)
        elif kind == "plex_429":
            plex.fail_next(rng.randint(1, 3), 429, retry_after=str(rng.randint(1, 30)))
        elif kind == "plex_put_5xx":
            plex.fail_next(1, rng.choice([500, 503]), method="PUT")
        elif kind == "plex_put_400":
            plex.fail_next(1, 400, method="PUT")
        elif kind == "plex_slow":
            plex.set_latency(rng.uniform(0.05, 0.3))
            self.stop.wait(rng.uniform(0.5, 2.5) * self.config.fault_length)
            plex.set_latency(0.0)
        elif kind == "plex_hang":
            self._hang(plex)
        elif kind == "stash_401":
            stash.fail_next(1, 401)
        elif kind == "stash_502":
            stash.fail_next(rng.randint(1, 2), 502)
        elif kind == "stash_session_expired":
            stash.expire_sessions()
        elif kind == "task_cancelled":
            self._cancel_task(rng)

    def _hang(self, plex: FakePlex) -> None:
        """The next request hangs past readTimeout and is then dropped, never applied.

        A hang alone would let the fake apply a write after the plugin gave up on it,
        possibly after a newer write: a stale overwrite no client can prevent, which
        would only make this soak flaky. Paired with a failure for the same request
        (both are taken by the next request, under the fake's lock), the hung
        request is answered with an error the plugin never reads.
        """
        with plex._lock:  # the fake's own lock: no request may come between the two
            plex.hang_next(1, self.config.read_timeout + 1.5)
            plex.fail_next(1, 503)

    def _cancel_task(self, rng: random.Random) -> None:
        """Stash cancels a running task with SIGKILL."""
        proc = self.rig.start_task("process_queue")
        self.stop.wait(rng.uniform(0.3, 2.0) * self.config.fault_length)
        if proc.poll() is None:
            proc.kill()
            with self.lock:
                self.cancelled_tasks += 1
            self._after_kill()
        proc.wait()

    def _after_kill(self) -> None:
        """What the kill interrupted; then let a request it had sent land (no new worker
        is up this soon: starting one takes a hook and a second of imports)."""
        claimed = self.rig.scenes_in_progress()
        self.stop.wait(0.5)
        posters = {
            b.rating_key: self.rig.plex.item(b.rating_key).poster_uploads
            for b in self.world.books.values()
        }
        with self.lock:
            self.kill_snapshots.append(KillSnapshot(claimed, posters))


# ----------------------------------------------------------------------------- the end


@dataclass
class Backlog:
    """The most open queue rows seen (sampled), and when the queue was empty again."""

    peak: int = 0
    peak_at: float = 0.0
    empty_at: float | None = None
    samples: int = 0

    def sample(self, jobs: int, at: float) -> None:
        self.samples += 1
        if jobs > self.peak:
            self.peak, self.peak_at, self.empty_at = jobs, at, None
        elif jobs == 0 and self.empty_at is None:
            self.empty_at = at


def sample_backlog(rig: Rig, backlog: Backlog, stop: threading.Event, started: float) -> None:
    while not stop.wait(0.25):
        with contextlib.suppress(sqlite3.Error):
            backlog.sample(rig.open_jobs(), time.monotonic() - started)


@dataclass
class Drain:
    seconds: float = 0.0
    task_runs: int = 0
    task_errors: list[str] = field(default_factory=list)  # e.g. the breaker still open
    problems: list[str] = field(default_factory=list)


def drain(rig: Rig, timeout: float) -> Drain:
    """Until the queue is empty and no worker runs, running `process_queue` when none does.

    A task may fail on the way (the breaker is still open after the chaos, so the
    task leaves the jobs to the worker it starts); only not draining is a problem.
    """
    started = time.monotonic()
    result = Drain()
    while rig.open_jobs() or rig.worker_running():
        if time.monotonic() - started > timeout:
            result.problems.append(
                f"the queue did not drain within {timeout:.0f} s: rows by status "
                f"{dict(rig.queue_statuses())}, worker running: {rig.worker_running()}"
            )
            break
        if rig.worker_running():
            time.sleep(0.1)
            continue
        run = rig.task("process_queue")
        result.task_runs += 1
        if run.returncode != 0:
            result.task_errors.append(task_error(run))
    result.seconds = time.monotonic() - started
    return result


# ----------------------------------------------------------------------------- the check


@dataclass
class SceneState:
    title: str
    summary: str
    genres: tuple[str, ...]
    actors: tuple[str, ...]


def stash_state(stash: FakeStash, scene_id: str) -> SceneState:
    scene = stash.scene(scene_id)
    return SceneState(
        scene["title"],
        scene["details"],
        tuple(sorted(scene["tags"])),
        tuple(sorted(scene["performers"])),
    )


def plex_state(plex: FakePlex, rating_key: str) -> SceneState:
    item = plex.item(rating_key)
    return SceneState(
        item.title, item.summary, tuple(sorted(item.genres)), tuple(sorted(item.actors))
    )


def differences(want: SceneState, have: SceneState) -> list[str]:
    return [
        f"{name}: Plex {getattr(have, name)!r}, Stash {getattr(want, name)!r}"
        for name in ("title", "summary", "genres", "actors")
        if getattr(want, name) != getattr(have, name)
    ]


@dataclass
class Verdict:
    """Phase 1 per scene: exact, stale_rename, dead_letter, never_hooked; or violations."""

    outcomes: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    stale: set[str] = field(default_factory=set)  # scenes whose Plex item is not exact


def check_scenes(world: World, dead: dict[str, DeadLetter]) -> Verdict:
    verdict = Verdict()
    stash, plex = world.rig.stash, world.rig.plex
    for book in world.books.values():
        want = stash_state(stash, book.scene_id)
        have = plex_state(plex, book.rating_key)
        diff = differences(want, have)
        if not diff:
            verdict.outcomes["exact"] += 1
            continue
        verdict.stale.add(book.scene_id)
        if book.queued == 0:
            verdict.outcomes["never_hooked"] += 1
            if plex.item(book.rating_key).edit_count:
                verdict.violations.append(
                    f"scene {book.scene_id}: never hooked, yet its Plex item was edited"
                )
        elif dead_letter_explains(dead.get(book.scene_id), book):
            verdict.outcomes[f"dead_letter ({dead[book.scene_id].kind})"] += 1
        elif renamed_only(world, want, have):
            verdict.outcomes["stale_rename"] += 1
        else:
            verdict.violations.append(
                f"scene {book.scene_id} (item {book.rating_key}, {book.queued} queued hooks): "
                + "; ".join(diff)
            )
    return verdict


def dead_letter_explains(letter: DeadLetter | None, book: SceneBook) -> bool:
    """A dead letter with a reason, written after the scene's last job was queued.

    An older one cannot explain a stale item: the newer job must have run since.
    """
    return bool(letter and letter.message and letter.last_failure_at >= book.last_queued_at)


def renamed_only(world: World, want: SceneState, have: SceneState) -> bool:
    """Only actors differ, and only by names the same performers had before a rename."""
    if replace(want, actors=()) != replace(have, actors=()):
        return False
    ids = world.performer_ids
    return sorted(ids.get(n, "?" + n) for n in want.actors) == sorted(
        ids.get(n, "?" + n) for n in have.actors
    )


@dataclass
class Writes:
    edits: int = 0  # PUTs Plex applied
    put_requests: int = 0  # PUTs sent, failed ones included
    posters: int = 0  # poster uploads Plex applied
    excess_edits: int = 0  # edits beyond the changes that needed sending
    repeated_posters: int = 0  # poster uploads beyond the first (the image never changes)
    unexplained_posters: int = 0  # repeats with no kill since the item's previous upload
    worst: list[str] = field(default_factory=list)


def check_writes(
    world: World, kills: int, snapshots: list[KillSnapshot]
) -> tuple[Writes, list[str]]:
    """Side effects per item against what needed sending; one repeat per kill at most.

    Edits: Plex's applied PUTs <= the scene's Stash changes (queued hooks + renames)
    + kills, and all the edits beyond the changes together <= kills. Posters: the
    screenshot never changes, so every upload after the first is a repeat; a repeat
    is explained only by a kill that interrupted the scene's job after the item's
    previous upload.
    """
    writes, violations = Writes(), []
    puts: Counter[str] = Counter()
    for request in world.rig.plex.requests:
        if request.method == "PUT" and request.path.endswith("/all"):
            puts[(request.query.get("id") or [""])[-1]] += 1
    for book in world.books.values():
        item = world.rig.plex.item(book.rating_key)
        writes.edits += item.edit_count
        writes.posters += item.poster_uploads
        writes.put_requests += puts[book.rating_key]
        excess = max(0, item.edit_count - book.changes)
        writes.excess_edits += excess
        writes.repeated_posters += max(0, item.poster_uploads - 1)
        seen_at_kills = {
            snap.posters.get(book.rating_key, 0)
            for snap in snapshots
            if book.scene_id in snap.claimed
        }
        unexplained = sum(
            1 for n in range(2, item.poster_uploads + 1) if n - 1 not in seen_at_kills
        )
        writes.unexplained_posters += unexplained
        if excess > kills:
            violations.append(
                f"scene {book.scene_id}: Plex applied {item.edit_count} edits to item "
                f"{book.rating_key} for {book.changes} Stash changes and {kills} kills"
            )
        if excess or unexplained:
            writes.worst.append(
                f"scene {book.scene_id} (item {book.rating_key}): {item.edit_count} edits for "
                f"{book.changes} changes, {item.poster_uploads} poster uploads "
                f"({unexplained} with no kill in between)"
            )
    if writes.excess_edits > kills:
        violations.append(
            f"{writes.excess_edits} Plex edits beyond the Stash changes, more than the "
            f"{kills} kills explain: {'; '.join(writes.worst[:10])}"
        )
    if writes.unexplained_posters or writes.repeated_posters > kills:
        violations.append(
            f"{writes.repeated_posters} repeated poster uploads with {kills} kills, "
            f"{writes.unexplained_posters} of them with no kill since the item's previous "
            f"upload: {'; '.join(writes.worst[:10])}"
        )
    return writes, violations


def check_queue(rig: Rig) -> list[str]:
    statuses = rig.queue_statuses()
    left = {s: n for s, n in statuses.items() if s != ACKED and n}
    return [f"queue rows left behind, by status: {left}"] if left else []


UNEXPECTED_MARKERS = ("unexpected", "Traceback")


def check_log(rig: Rig) -> tuple[Counter[str], list[str]]:
    """Warnings and errors by their first words; any 'unexpected' error is a violation."""
    levels: Counter[str] = Counter()
    violations = []
    for record in rig.log_records():
        level, message = record.get("level", ""), str(record.get("msg", ""))
        if level in ("warning", "error", "critical"):
            levels[f"{level}: {' '.join(message.split()[:4])}"] += 1
        if any(marker in message for marker in UNEXPECTED_MARKERS):
            violations.append(f"log ({level}, pid {record.get('pid')}): {message[:400]}")
    return levels, violations[:20]


# ----------------------------------------------------------------------------- the report


@dataclass
class SoakReport:
    config: SoakConfig
    lines: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.violations

    def add(self, label: str, value: Any) -> None:
        self.figures[label] = value
        self.lines.append(f"{label + ':':<34}{value}")

    def text(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        tail = [f"INVARIANT: {verdict}"]
        tail += [f"  VIOLATION: {v}" for v in self.violations]
        return "\n".join([*self.lines, *tail])


def prologue(rig: Rig, world: World, chaos: Chaos, driver: HookDriver) -> list[str]:
    """The first hook, alone and before any other fault: Plex refuses its edit once.

    The worker has just uploaded the scene's poster when the edit fails, so its
    retry shows whether the poster goes up a second time with no kill to explain it.
    """
    chaos.faults["plex_put_5xx"] += 1
    rig.plex.fail_next(1, 503, method="PUT")
    scene_id = driver.first()
    if scene_id is None:
        return []
    key = world.books[scene_id].rating_key
    deadline = time.monotonic() + 60
    while rig.plex.item(key).edit_count == 0 and not world.books[scene_id].hidden:
        if time.monotonic() > deadline:
            return [f"the first hook's scene {scene_id} did not reach Plex within 60 s"]
        time.sleep(0.05)
    return []


def run_soak(config: SoakConfig, rig: Rig, say: Callable[[str], None] = print) -> SoakReport:
    """The whole soak on a prepared rig; the rig's fakes stay up, no plugin process is left."""
    report = SoakReport(config)
    rng = random.Random(config.seed)
    rig.settings(readTimeout=config.read_timeout, maxRetries=config.max_retries)
    world = World(rig, config, rng)
    started = time.monotonic()
    chaos = Chaos(rig, world, config)
    driver = HookDriver(rig, world, config)
    backlog, stop_sampling = Backlog(), threading.Event()
    sampler = threading.Thread(
        target=sample_backlog, args=(rig, backlog, stop_sampling, started), daemon=True
    )
    say(f"soak: {config.hooks} hooks over {config.scenes} scenes, seed {config.seed} ...")
    try:
        sampler.start()
        report.violations += prologue(rig, world, chaos, driver)
        chaos.start()
        hooks = driver.run()
        hooks_done = time.monotonic() - started
        chaos.finish()
        say(f"soak: hooks done in {hooks_done:.0f} s; draining ...")
        drained = drain(rig, config.drain_timeout)
        stop_sampling.set()
        sampler.join()
        backlog.sample(rig.open_jobs(), time.monotonic() - started)
        report.violations += drained.problems
        _phase_one(report, world, chaos, hooks, backlog, hooks_done, drained)
        if config.wrap_up:
            say("soak: phase 2 (sync_all, retry_dead_letters) ...")
            _phase_two(report, world, config)
    finally:
        driver.stop.set()
        stop_sampling.set()
        if not chaos.stop.is_set():
            chaos.finish()
        left = rig.stop_everything()
    if left:
        report.violations.append(f"plugin processes still running at the end (killed): {left}")
    report.add("wall time", f"{time.monotonic() - started:.1f} s")
    return report


def _phase_one(
    report: SoakReport,
    world: World,
    chaos: Chaos,
    hooks: HookStats,
    backlog: Backlog,
    hooks_done: float,
    drained: Drain,
) -> None:
    rig = world.rig
    dead = rig.dead_letters()
    kills = chaos.kill_count
    verdict = check_scenes(world, dead)
    writes, write_violations = check_writes(world, kills, chaos.kill_snapshots)
    log_levels, log_violations = check_log(rig)
    report.violations += [f"hook {f}" for f in hooks.failed[:20]]
    report.violations += check_queue(rig) + verdict.violations + write_violations + log_violations
    report.add("hooks run", f"{hooks.run} ({hooks.queued} queued, {hooks.skipped} skipped)")
    report.add("hooks by kind", dict(sorted(hooks.by_kind.items())))
    report.add(
        "hook wall time",
        f"p50 {percentile(hooks.walls, 50) * 1000:.0f} ms, p95 "
        f"{percentile(hooks.walls, 95) * 1000:.0f} ms, max {max(hooks.walls, default=0) * 1000:.0f} ms",
    )
    report.add("hook phase", f"{hooks_done:.1f} s ({hooks.pauses} idle pauses)")
    report.add(
        "scenes", f"{len(world.books)} ({sum(b.queued > 0 for b in world.books.values())} hooked)"
    )
    report.add("performer renames (no hook)", world.renames)
    report.add(
        "hidden Plex items",
        f"{sum(b.hidden for b in world.books.values())} ({chaos.revealed} appeared during the chaos)",
    )
    report.add("faults injected", dict(sorted(chaos.faults.items())))
    report.add("faults in total", sum(chaos.faults.values()))
    report.add(
        "worker SIGKILLs",
        f"{len(chaos.kills)} at " + ", ".join(f"{t:.0f}" for t in chaos.kills) + " s",
    )
    report.add("tasks cancelled (SIGKILL)", chaos.cancelled_tasks)
    empty = (
        "never" if backlog.empty_at is None else f"{backlog.empty_at - backlog.peak_at:.0f} s later"
    )
    report.add(
        "largest backlog",
        f"{backlog.peak} open queue rows at {backlog.peak_at:.0f} s, queue empty {empty}",
    )
    report.add(
        "final drain",
        f"{drained.seconds:.1f} s, {drained.task_runs} process_queue run(s)"
        + (f"; task errors: {drained.task_errors}" if drained.task_errors else ""),
    )
    report.add("queue at the end", dict(rig.queue_statuses()) or "empty")
    report.add("phase 1 scenes", dict(sorted(verdict.outcomes.items())))
    report.add("dead letters", dict(Counter(d.kind for d in dead.values())) or 0)
    stale_letters = [
        f"scene {scene_id} ({letter.kind}: {letter.message[:80]})"
        for scene_id, letter in sorted(dead.items(), key=lambda kv: int(kv[0]))
        if letter.last_failure_at < world.books[scene_id].last_queued_at
    ]
    if stale_letters:
        report.violations.append(
            "dead letters older than the scene's last job, which neither removed nor "
            f"renewed them: {'; '.join(stale_letters[:10])}"
        )
    report.add(
        "Plex writes",
        f"{writes.edits} edits applied ({writes.put_requests} PUTs sent), "
        f"{writes.posters} poster uploads",
    )
    report.add(
        "writes beyond Stash changes",
        f"{writes.excess_edits} edits, {writes.repeated_posters} repeated poster uploads "
        f"({writes.unexplained_posters} not after a kill); bound: {kills} kills",
    )
    report.add("plugin warnings/errors", dict(log_levels.most_common(12)))
    report.figures["stale_after_phase_1"] = verdict.stale
    report.figures["kills"] = kills


def _phase_two(report: SoakReport, world: World, config: SoakConfig) -> None:
    """sync_all must queue exactly the stale scenes; after retry_dead_letters all exact."""
    rig = world.rig
    stale = report.figures.pop("stale_after_phase_1")
    run = rig.task("sync_all")
    output = task_output(run)
    report.violations += drain(rig, config.drain_timeout).problems
    retried = rig.task("retry_dead_letters")
    requeued = task_output(retried).get("requeued")
    report.violations += drain(rig, config.drain_timeout).problems
    queued = output.get("queued")
    report.add(
        "phase 2 sync_all",
        f"{queued} queued (phase 1 left {len(stale)} not exact), "
        f"{output.get('skipped_unchanged')} unchanged"
        + (f"; exit {run.returncode}: {task_error(run)}" if run.returncode else ""),
    )
    if queued is not None and queued < len(stale):
        report.violations.append(f"sync_all queued {queued} scenes, {len(stale)} were stale")
    report.add("phase 2 retry_dead_letters", f"{requeued} requeued")
    wrong = []
    for book in world.books.values():
        diff = differences(
            stash_state(rig.stash, book.scene_id), plex_state(rig.plex, book.rating_key)
        )
        if diff:
            wrong.append(f"scene {book.scene_id}: " + "; ".join(diff))
    report.violations += [f"after phase 2, {w}" for w in wrong[:20]]
    left = rig.dead_letters()
    if left:
        report.violations.append(f"dead letters left after retry_dead_letters: {left}")
    report.add("scenes exact at the end", f"{len(world.books) - len(wrong)} of {len(world.books)}")


def task_output(run: HookRun) -> dict[str, Any]:
    try:
        output = json.loads(run.stdout).get("output")
    except ValueError:
        return {}
    return output if isinstance(output, dict) else {}


def task_error(run: HookRun) -> str:
    try:
        return str(json.loads(run.stdout).get("error"))[:300]
    except ValueError:
        return run.stdout[-300:]


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> tuple[SoakConfig, argparse.Namespace]:
    defaults = SoakConfig()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hooks", type=int, default=defaults.hooks)
    parser.add_argument("--scenes", type=int, default=defaults.scenes)
    parser.add_argument(
        "--seconds", type=float, default=defaults.seconds, help="longest hook phase"
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=defaults.threads)
    parser.add_argument("--time-scale", type=float, default=defaults.time_scale)
    parser.add_argument("--fault-every", type=float, default=defaults.fault_every)
    parser.add_argument("--no-wrap-up", action="store_true", help="skip phase 2")
    parser.add_argument(
        "--short", action="store_true", help="the short version tests/e2e/test_soak.py runs"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.short:
        return SoakConfig.short(args.seed), args
    config = replace(
        defaults,
        hooks=args.hooks,
        scenes=args.scenes,
        seconds=args.seconds,
        seed=args.seed,
        threads=args.threads,
        time_scale=args.time_scale,
        fault_every=args.fault_every,
        wrap_up=not args.no_wrap_up,
    )
    return config, args


@contextlib.contextmanager
def temporary_rig(config: SoakConfig, keep: bool = False) -> Iterator[Rig]:
    root = Path(tempfile.mkdtemp(prefix="plexsync-soak-"))
    rig = Rig(root, time_scale=config.time_scale)
    try:
        yield rig
    finally:
        rig.stop_everything()
        rig.close()
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    config, args = parse_args(argv)
    info = machine()
    print("== PlexSync soak")
    print(f"date:     {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:  {info['nproc']} CPU(s), {info['cpu']}, {info['memory']} RAM, {info['os']}")
    print(f"command:  {Path(sys.executable).name} {' '.join(sys.argv)}")
    print(
        f"settings: threads={config.threads}, PLEXSYNC_TIME_SCALE={config.time_scale}, "
        f"readTimeout={config.read_timeout}, maxRetries={config.max_retries}, "
        f"fault every ~{config.fault_every} s, kill every {config.kill_every[0]}-{config.kill_every[1]} s"
    )
    with temporary_rig(config, args.keep) as rig:
        report = run_soak(config, rig)
    print()
    print(report.text())
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
