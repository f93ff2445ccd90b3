"""Pytest fixtures around FakePlex.

Kept out of conftest.py so a test module (or a conftest, via ``pytest_plugins``)
opts in explicitly; the fake itself stays importable without pytest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.fake_plex import FakePlex

MOVIES_SECTION = "1"


@pytest.fixture
def fake_plex() -> Iterator[FakePlex]:
    """A started fake PMS with one empty "Movies" section (key ``"1"``)."""
    with FakePlex() as fake:
        fake.add_section("Movies")
        yield fake
