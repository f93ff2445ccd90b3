"""ReadAhead: which reads a scene's turn gets, and when they are thrown away."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plex.errors import NotFoundError
from worker.read_ahead import ENV_READ_AHEAD, ReadAhead, read_ahead_depth


class Plex:
    """Item reads that record what was asked and fail for keys marked missing."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.missing: set[str] = set()

    def fetch_item(self, key: str) -> str:
        self.asked.append(key)
        if key in self.missing:
            raise NotFoundError(f"Plex item {key} not found")
        return f"item {key}"


@pytest.fixture
def plex() -> Plex:
    return Plex()


@pytest.fixture
def ahead(plex: Plex) -> Iterator[ReadAhead]:
    reads = ReadAhead(plex.fetch_item, lambda url: f"image {url}".encode(), depth=1)
    yield reads
    reads.close()


@pytest.mark.parametrize(
    ("value", "depth"), [(None, 1), ("0", 0), ("2", 2), ("9", 4), ("-1", 0), ("many", 1)]
)
def test_depth_from_the_environment_is_clamped_to_0_to_4(
    monkeypatch: pytest.MonkeyPatch, value: str | None, depth: int
) -> None:
    if value is None:
        monkeypatch.delenv(ENV_READ_AHEAD, raising=False)
    else:
        monkeypatch.setenv(ENV_READ_AHEAD, value)
    assert read_ahead_depth() == depth


def test_a_scene_takes_the_reads_started_for_it(ahead: ReadAhead) -> None:
    ahead.start("7", "500", "http://stash/scene/7/screenshot")
    item, screenshot = ahead.take("7", "500")
    assert item is not None and item.result() == "item 500"
    assert (
        screenshot is not None and screenshot.result() == b"image http://stash/scene/7/screenshot"
    )
    assert ahead.take("7", "500") == (None, None)


def test_an_item_read_for_another_key_is_not_used(ahead: ReadAhead) -> None:
    ahead.start("7", "500", None)
    item, screenshot = ahead.take("7", "501")
    assert item is None and screenshot is None


def test_an_item_written_after_its_read_started_is_read_again(ahead: ReadAhead, plex: Plex) -> None:
    ahead.start("7", "500", None)
    ahead.start("8", "600", None)
    ahead.written("500")
    assert ahead.take("7", "500")[0] is None
    other = ahead.take("8", "600")[0]
    assert other is not None and other.result() == "item 600"


def test_a_failed_read_raises_when_its_scene_takes_it(ahead: ReadAhead, plex: Plex) -> None:
    plex.missing.add("500")
    ahead.start("7", "500", None)
    item, _ = ahead.take("7", "500")
    assert item is not None
    with pytest.raises(NotFoundError, match="500"):
        item.result()


def test_reads_are_started_once_per_scene(ahead: ReadAhead, plex: Plex) -> None:
    ahead.start("7", "500", None)
    ahead.start("7", "500", None)
    ahead.take("7", "500")[0].result()  # type: ignore[union-attr]
    assert plex.asked == ["500"]


def test_forget_drops_reads_nobody_took(ahead: ReadAhead) -> None:
    ahead.start("7", "500", None)
    ahead.forget()
    assert not ahead.started("7")
    assert ahead.take("7", "500") == (None, None)


def test_depth_zero_reads_nothing_ahead(plex: Plex) -> None:
    reads = ReadAhead(plex.fetch_item, lambda url: b"", depth=0)
    reads.start("7", "500", "http://stash/scene/7/screenshot")
    assert reads.take("7", "500") == (None, None)
    assert plex.asked == []
    reads.close()
