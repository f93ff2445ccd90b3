"""`scene_status`: where one scene stands with Plex, for the panel on its page in Stash.

Read from the local databases only: no Stash request, and a Plex request only the
first time a link to Plex Web is needed before any worker has recorded Plex's
machine identifier. So the panel answers fast, also while Stash's settings or Plex
are broken. Which state wins when several apply: a job in the queue (it is what
happens next), then a dead letter, then how the last sync ended.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from plex.errors import PlexError
from plex.index import MACHINE_KEY
from sync_queue.dlq import DeadLetter, DeadLetterQueue
from sync_queue.job_queue import JobQueue
from sync_queue.queue_admin import IN_PROGRESS, WAITING_RETRY, SceneInQueue, scene_in_queue
from sync_queue.scene_outcomes import SKIPPED, SceneOutcome, last_outcome
from sync_queue.state_db import kv_get, kv_set, open_state_db
from sync_queue.sync_state import SyncRecord, SyncRecords
from tasks.errors import TaskError
from tasks.task_run import TaskRun

log = logging.getLogger("plexsync.task")
PLEX_WEB = "https://app.plex.tv/desktop/#!/server/{machine}/details?key={key}"


@dataclass(frozen=True)
class SceneFacts:
    """Everything the databases know about one scene."""

    scene_id: str
    queued: SceneInQueue | None
    dead_letter: DeadLetter | None
    outcome: SceneOutcome | None
    record: SyncRecord | None


def plex_web_url(machine_identifier: str, rating_key: str) -> str:
    """The item in Plex Web; no token: the browser's own Plex sign-in opens it."""
    key = quote(f"/library/metadata/{rating_key}", safe="")
    return PLEX_WEB.format(machine=machine_identifier, key=key)


def describe_scene(facts: SceneFacts) -> dict[str, Any]:
    """The panel's fields (pure: the state and what goes with it)."""
    record = facts.record if facts.record and facts.record.fingerprint else None
    outcome = facts.outcome
    out: dict[str, Any] = {
        "scene_id": facts.scene_id,
        "state": "never_synced",
        "rating_key": (record.rating_key if record else None)
        or (outcome.rating_key if outcome else None),
        "plex_url": None,
        "synced_at": _iso(record.synced_at) if record else None,
        "last_error": facts.dead_letter.message if facts.dead_letter else None,
        "reason": None,
        "confidence": outcome.confidence if outcome else None,
        "candidates": list(outcome.candidates) if outcome else [],
        "attempts": facts.dead_letter.attempts if facts.dead_letter else None,
        "next_retry_at": None,
    }
    if facts.queued:
        out.update(_queued(facts.queued, out["last_error"]))
    elif facts.dead_letter:
        out.update(state="dead_letter", failed_at=_iso(facts.dead_letter.last_failure_at))
    elif outcome and outcome.status == SKIPPED:
        out.update(state="skipped", reason=outcome.reason)
    elif record:
        out["state"] = "synced"
    return out


def _queued(queued: SceneInQueue, dead_letter_error: str | None) -> dict[str, Any]:
    job = queued.job
    fields: dict[str, Any] = {
        "state": "waiting_retry" if queued.state == WAITING_RETRY else "pending",
        "syncing_now": queued.state == IN_PROGRESS,
        "last_error": job.last_error or dead_letter_error,
    }
    if queued.state == WAITING_RETRY:
        fields.update(next_retry_at=_iso(queued.due_at), attempts=job.attempt)
    return fields


def scene_status(run: TaskRun) -> dict[str, Any]:
    scene_id = scene_id_arg(run)
    facts, machine = _read_facts(run, scene_id)
    out = describe_scene(facts)
    if out["rating_key"]:
        machine = machine or _ask_plex_machine(run)
        if machine:
            out["plex_url"] = plex_web_url(machine, out["rating_key"])
    log.info("scene %s: %s", scene_id, out["state"].replace("_", " "))
    return out


def _read_facts(run: TaskRun, scene_id: str) -> tuple[SceneFacts, str | None]:
    queue, dlq, state = JobQueue(run.data_dir), DeadLetterQueue(run.data_dir), None
    try:
        state = open_state_db(run.data_dir)
        facts = SceneFacts(
            scene_id,
            scene_in_queue(queue.conn, scene_id, time.time()),
            dlq.get(scene_id),
            last_outcome(state, scene_id),
            SyncRecords(state).get(scene_id),
        )
        return facts, kv_get(state, MACHINE_KEY)
    finally:
        for db in (queue, dlq):
            db.close()
        if state is not None:
            state.close()


def _ask_plex_machine(run: TaskRun) -> str | None:
    """Plex's machine identifier when no worker has recorded it yet; kept for next time."""
    try:
        machine = run.ctx.plex.machine_identifier
    except (TaskError, PlexError) as exc:
        log.debug("no Plex Web link: %s", exc)
        return None
    if machine:
        state = open_state_db(run.data_dir)
        try:
            kv_set(state, MACHINE_KEY, machine)
        finally:
            state.close()
    return machine or None


def scene_id_arg(run: TaskRun) -> str:
    """`args.scene_id` as Stash's ids are: a positive whole number, sent as text or a number."""
    value = run.args.get("scene_id")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise TaskError(
            f"args.scene_id={value!r} is not a scene id; give the number in the scene's "
            "address, e.g. 12 for /scenes/12"
        )
    return str(int(text))


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
