"""A running worker notices settings changed in Stash, at most every CHECK_EVERY_S."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from stash_client.errors import StashError
from validation.config import load_settings
from worker.settings_watch import CHECK_EVERY_S, SettingsWatch, plex_connection_changed

pytestmark = pytest.mark.usefixtures("real_time")
BASE = {"plexUrl": "http://plex.local:32400", "plexToken": "tok-1"}


class StoredSettings:
    """Stash's `configuration.plugins` answer, as the test sets it."""

    def __init__(self) -> None:
        self.raw: dict[str, Any] = dict(BASE)
        self.reads = 0
        self.down = False

    def plugin_settings(self) -> dict[str, Any]:
        self.reads += 1
        if self.down:
            raise StashError("cannot reach Stash at http://localhost:9999 (refused)")
        return dict(self.raw)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup():
    stash, clock = StoredSettings(), Clock()
    watch = SettingsWatch(stash, load_settings(BASE, env={}), clock)  # type: ignore[arg-type]
    return stash, clock, watch


def test_settings_are_not_read_again_before_the_interval(setup) -> None:
    stash, clock, watch = setup
    stash.raw["maxRetries"] = "7"
    clock.now += CHECK_EVERY_S - 1
    assert watch.poll() is None
    assert stash.reads == 0


def test_a_changed_setting_is_returned_once(setup) -> None:
    stash, clock, watch = setup
    stash.raw["plexLibraries"] = "Movies"
    clock.now += CHECK_EVERY_S
    fresh = watch.poll()
    assert fresh is not None and fresh.plex_libraries == ("Movies",)
    clock.now += CHECK_EVERY_S
    assert watch.poll() is None
    assert stash.reads == 2


def test_unchanged_settings_restart_nothing(setup) -> None:
    _stash, clock, watch = setup
    clock.now += CHECK_EVERY_S
    assert watch.poll() is None


def test_invalid_new_settings_are_reported_once_and_the_old_ones_kept(
    setup, caplog: pytest.LogCaptureFixture
) -> None:
    stash, clock, watch = setup
    stash.raw["maxRetries"] = "999"
    with caplog.at_level(logging.WARNING, logger="plexsync.worker"):
        for _ in range(3):
            clock.now += CHECK_EVERY_S
            assert watch.poll() is None
    [warning] = [r.getMessage() for r in caplog.records]
    assert "maxRetries" in warning and "keeping the previous ones" in warning
    stash.raw["maxRetries"] = "9"
    clock.now += CHECK_EVERY_S
    fresh = watch.poll()
    assert fresh is not None and fresh.max_retries == 9


def test_stash_unreachable_during_a_check_changes_nothing(setup) -> None:
    stash, clock, watch = setup
    stash.down = True
    clock.now += CHECK_EVERY_S
    assert watch.poll() is None


def test_only_address_token_and_transport_count_as_a_new_plex_connection() -> None:
    old = load_settings(BASE, env={})
    assert not plex_connection_changed(old, load_settings({**BASE, "maxRetries": "2"}, env={}))
    for key, value in (("plexUrl", "http://other:32400"), ("plexToken", "tok-2")):
        assert plex_connection_changed(old, load_settings({**BASE, key: value}, env={}))
    assert plex_connection_changed(old, load_settings({**BASE, "readTimeout": "60"}, env={}))
