"""Fixtures shared by the unit tests: a clean secret registry and real time."""

from __future__ import annotations

import pytest

from hooks import protocol


@pytest.fixture
def no_secrets(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """An empty secret registry for this test only (the real one is process-wide)."""
    secrets: set[str] = set()
    monkeypatch.setattr(protocol, "_SECRETS", secrets)
    return secrets


@pytest.fixture
def real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Delays at their documented size, whatever PLEXSYNC_TIME_SCALE the runner has set."""
    monkeypatch.delenv("PLEXSYNC_TIME_SCALE", raising=False)
