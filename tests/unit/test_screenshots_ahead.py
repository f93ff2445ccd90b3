"""Screenshots downloaded ahead: the same bytes and errors as a download on the scene's turn."""

from __future__ import annotations

import threading

import pytest

from stash_client.errors import StashError
from worker.screenshots_ahead import MAX_HELD, ScreenshotsAhead


class Downloads:
    """Records which thread downloaded which link; a link can be made to fail or to wait."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.failing: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self, url: str) -> bytes:
        self.calls.append((url, threading.current_thread().name))
        assert self.gate.wait(10)
        if url in self.failing:
            raise StashError(f"Stash answered 500 for {url}")
        return f"image of {url}".encode()

    def urls(self) -> list[str]:
        return [url for url, _ in self.calls]


@pytest.fixture
def downloads() -> Downloads:
    return Downloads()


@pytest.fixture
def ahead(downloads: Downloads):
    screenshots = ScreenshotsAhead(downloads)
    yield screenshots
    screenshots.close()


def test_a_screenshot_downloaded_ahead_is_handed_over_without_a_second_download(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    ahead.prefetch(["/scene/1/screenshot", "/scene/2/screenshot"])
    assert ahead.screenshot("/scene/1/screenshot") == b"image of /scene/1/screenshot"
    assert ahead.screenshot("/scene/2/screenshot") == b"image of /scene/2/screenshot"
    assert downloads.urls() == ["/scene/1/screenshot", "/scene/2/screenshot"]
    assert all(thread.startswith("plexsync-screenshots") for _, thread in downloads.calls)


def test_a_screenshot_not_asked_for_ahead_is_downloaded_on_the_scenes_turn(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    assert ahead.screenshot("/scene/3/screenshot") == b"image of /scene/3/screenshot"
    assert downloads.calls == [("/scene/3/screenshot", threading.current_thread().name)]


def test_a_failed_download_ahead_raises_its_error_on_the_scenes_turn(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    downloads.failing.add("/scene/1/screenshot")
    ahead.prefetch(["/scene/1/screenshot"])
    with pytest.raises(StashError, match="500 for /scene/1/screenshot"):
        ahead.screenshot("/scene/1/screenshot")


def test_scenes_without_a_screenshot_to_download_ask_for_nothing(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    ahead.prefetch([None, None])
    ahead.forget()
    assert downloads.calls == []


def test_at_most_max_held_screenshots_are_held_and_a_skipped_scenes_is_dropped(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    urls = [f"/scene/{n}/screenshot" for n in range(1, 6)]
    ahead.prefetch(urls)
    assert len(ahead._ahead) == MAX_HELD
    ahead.forget()
    ahead.prefetch(urls[:2])  # scene 1 is then skipped: its screenshot is never taken
    ahead.prefetch(urls[1:3])
    assert ahead.screenshot(urls[1]) == b"image of /scene/2/screenshot"
    ahead.prefetch(urls[2:4])
    assert sorted(ahead._ahead) == urls[2:4]


def test_forget_waits_for_the_helper_so_the_next_batch_has_stash_to_itself(
    ahead: ScreenshotsAhead, downloads: Downloads
) -> None:
    downloads.gate.clear()
    ahead.prefetch(["/scene/1/screenshot"])
    done = threading.Event()

    def end_batch() -> None:
        ahead.forget()
        done.set()

    ender = threading.Thread(target=end_batch)
    ender.start()
    assert not done.wait(0.05)  # still waiting for the download in flight
    downloads.gate.set()
    ender.join(10)
    assert done.is_set()
    assert ahead._ahead == {}


def test_close_ends_the_helper_thread(downloads: Downloads) -> None:
    ahead = ScreenshotsAhead(downloads)
    ahead.prefetch(["/scene/1/screenshot"])
    ahead.close()
    names = [thread.name for thread in threading.enumerate()]
    assert not any(name.startswith("plexsync-screenshots") for name in names)
