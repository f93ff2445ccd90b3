"""pytest fixtures that give each test its own running fake Stash.

A fresh server per test keeps the request log and the data of one test out of
the next; starting one costs a few milliseconds. Use them from a test module with
``pytest_plugins = ["tests.fakes.stash_fixtures"]`` or from a conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_stash import FakeClock, FakeStash


@pytest.fixture
def stash_clock() -> FakeClock:
    """A hand-moved clock for the fake's timestamps, starting at the current second."""
    return FakeClock()


@pytest.fixture
def fake_stash(stash_clock: FakeClock) -> Iterator[FakeStash]:
    """A Stash without credentials, as most home installs run."""
    with FakeStash(auth="none", now=stash_clock) as stash:
        yield stash


@pytest.fixture
def fake_stash_auth(stash_clock: FakeClock) -> Iterator[FakeStash]:
    """A Stash with credentials: requests need the session cookie or the API key."""
    with FakeStash(auth="cookie", now=stash_clock) as stash:
        yield stash
