"""The soak test, short: about 150 hooks while Plex, Stash and the worker misbehave.

The same run as `benchmarks/soak.py` (see its docstring), scaled down for `make test`:
150 hooks over 30 scenes from two threads, each after a random edit in Stash
(title, details, tags, performers), plus Scene.Create.Post hooks, scan updates
without inputFields, and updates of a field PlexSync ignores (skipped). Meanwhile:
Plex stopped for a while, 5xx bursts, 429 with Retry-After, failed PUTs, a PUT
rejected with 400 (a dead letter), slow answers, one hang past readTimeout, Stash answering 401/502 and expiring its
sessions, a process_queue task cancelled with SIGKILL, three SIGKILLs of the
background worker, and Plex items that appear only after a while (not scanned yet).

It asserts the soak's invariant: every hooked scene's Plex item shows its latest
Stash state or the scene is dead-lettered with a reason; the queue ends empty
with no row stuck in progress; Plex applied no more edits than there were Stash
changes, plus one repeat per kill; no poster upload was repeated except after a
kill; every hook answered `queued` or `skipped`; no unexpected error was logged;
no plugin process was left running; and, after sync_all and retry_dead_letters,
every scene shows its Stash state exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.soak import FAULT_KINDS, Rig, SoakConfig, run_soak
from tests.fakes.fake_plex import FakePlex
from tests.fakes.fake_stash import FakeStash

pytestmark = pytest.mark.slow


def test_short_soak_keeps_plex_in_step_with_stash_through_faults_and_kills(
    fake_plex: FakePlex, fake_stash_auth: FakeStash, tmp_path: Path
) -> None:
    config = SoakConfig.short(seed=7)
    rig = Rig(tmp_path, fake_plex, fake_stash_auth, config.time_scale)
    try:
        report = run_soak(config, rig, say=lambda _line: None)
    finally:
        rig.stop_everything()
    print(report.text())
    assert report.passed, report.text()
    assert report.figures["hooks run"].startswith(f"{config.hooks} ")
    assert report.figures["kills"] >= 2, "too few kills to say anything about crash safety"
    assert set(report.figures["faults injected"]) == set(FAULT_KINDS), "a kind of fault never ran"
    assert report.figures["queue at the end"] == "empty"
