"""The poster step downloads Stash's screenshot only when Plex may not show it yet."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from validation.config import load_settings
from validation.metadata import SceneMetadata
from worker.poster_step import POSTER, PosterStep, poster_current, with_poster

SETTINGS = load_settings({"plexUrl": "http://plex:32400", "plexToken": "t"})
URL = "http://stash:9999/scene/7/screenshot?t=1700000000"
IMAGE = b"\x89PNG cover"
SHA = hashlib.sha256(IMAGE).hexdigest()
META = SceneMetadata(scene_id="7", title="T", screenshot_url=URL)


@dataclass
class CountingStash:
    image: bytes = IMAGE
    urls: list[str] = field(default_factory=list)

    def screenshot(self, url: str) -> bytes:
        self.urls.append(url)
        return self.image


def test_a_screenshot_version_plex_already_shows_is_not_downloaded() -> None:
    stash = CountingStash()
    plan = PosterStep(SETTINGS, stash).plan(META, object(), SHA, {POSTER: "1700000000"})
    assert (plan.upload, plan.version, stash.urls) == (None, "1700000000", [])


def test_a_new_screenshot_version_is_downloaded_and_uploaded_when_it_differs() -> None:
    stash = CountingStash(image=b"\x89PNG new cover")
    plan = PosterStep(SETTINGS, stash).plan(META, object(), SHA, {POSTER: "1600000000"})
    assert stash.urls == [URL]
    assert plan.upload is not None and plan.upload[0] == b"\x89PNG new cover"
    assert plan.version == "1700000000"


def test_a_downloaded_screenshot_equal_to_plexs_poster_is_confirmed_not_uploaded() -> None:
    plan = PosterStep(SETTINGS, CountingStash()).plan(META, object(), SHA, None)
    assert (plan.upload, plan.version) == (None, "1700000000")


def test_without_a_poster_plexsync_uploaded_the_version_alone_proves_nothing() -> None:
    assert not poster_current({POSTER: "1700000000"}, URL, None)
    assert poster_current({POSTER: "1700000000"}, URL, SHA)


def test_the_poster_version_is_kept_with_what_plexsync_wrote_or_dropped_when_unknown() -> None:
    written = {"title": "T", POSTER: "old"}
    assert with_poster(written, "new") == {"title": "T", POSTER: "new"}
    assert with_poster(written, None) == {"title": "T"}
