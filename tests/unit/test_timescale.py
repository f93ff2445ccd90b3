"""PLEXSYNC_TIME_SCALE: the one knob that shortens every wait PlexSync chooses itself."""

from __future__ import annotations

import pytest

from plugin_core.timescale import ENV_TIME_SCALE, Clock, time_scale


def test_unset_scale_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_TIME_SCALE, raising=False)
    assert time_scale() == 1.0
    assert Clock(scale=time_scale()).seconds(30.0) == 30.0


def test_scale_multiplies_delays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLEXSYNC_TIME_SCALE", "0.01")
    assert time_scale() == 0.01
    assert Clock(scale=time_scale()).seconds(60.0) == pytest.approx(0.6)


@pytest.mark.parametrize("value", ["", "abc", "0", "-1", "nan-ish"])
def test_unusable_scale_falls_back_to_one(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("PLEXSYNC_TIME_SCALE", value)
    assert time_scale() == 1.0
