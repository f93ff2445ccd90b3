"""FakePlex's XML against real Plex Media Server captures, as plexapi sees them.

A fake that drifts from what a real PMS sends would let the plugin pass tests and
fail in the field. So the real captures in shared/reference/plex-xml are served
unchanged from a throwaway stdlib HTTP server, plexapi builds its objects from
them, and the same plexapi attributes must come out of the fake for an
equivalent movie, section and server. Only nested-media captures are used for
Media/Part: Home Assistant's fixtures flatten them, which no real PMS does.
"""

from __future__ import annotations

import http.server
import re
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
from plexapi.base import PlexObject, cached_data_property
from plexapi.server import PlexServer
from plexapi.video import Movie

from tests.fakes.fake_plex import FakePlex

CAPTURES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "plex-xml"
if not CAPTURES.is_dir():
    pytest.skip(f"real Plex captures not found at {CAPTURES}", allow_module_level=True)

HA = CAPTURES / "home-assistant-core"
CORYO_MOVIES = CAPTURES / "coryo-plexdevices" / "xml_samples.SAMPLE_MOVIES.xml"
FUZEMAN = CAPTURES / "fuzeman-plex.py" / "tests" / "fixtures"
LEGACY_ALL_DOC = (
    CAPTURES / "LukeHagar-plex-docs" / "docs" / "legacy" / "plex" / "Library" / "All.md"
)

# plexapi attributes a real capture has and the fake deliberately leaves out. Each is
# agent- or stream-derived data the plugin neither reads nor writes.
MOVIE_NOT_MODELLED = {
    "art",  # the fake has art/thumb only once one is uploaded: "no poster" is observable
    "thumb",
    "audienceRating",
    "audienceRatingImage",
    "chapterSource",
    "duration",
    "primaryExtraKey",
    "rating",
    "ratingImage",
    "tagline",
    "lastViewedAt",
}
MEDIA_NOT_MODELLED = {
    "aspectRatio",
    "audioChannels",
    "audioCodec",
    "audioProfile",
    "bitrate",
    "duration",
    "height",
    "videoCodec",
    "videoFrameRate",
    "videoProfile",
    "width",
}
PART_NOT_MODELLED = {"audioProfile", "duration", "videoProfile"}


class _CaptureHandler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.routes.get(self.path.split("?", 1)[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "text/xml;charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: failures show up as plexapi exceptions in the test."""


class _CaptureServer:
    """Serves capture files byte for byte, so plexapi parses exactly what PMS sent."""

    def __init__(self, routes: dict[str, bytes]) -> None:
        handler = type("Handler", (_CaptureHandler,), {"routes": routes})
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _ha_root() -> bytes:
    text = (HA / "plex_server_base.xml").read_text(encoding="utf-8")
    return text.replace("{name}", "Capture").replace("{machine_identifier}", "capture01").encode()


def _legacy_zoolander() -> bytes:
    """The Windows-path /all response embedded in the legacy API documentation."""
    doc = LEGACY_ALL_DOC.read_text(encoding="utf-8")
    block = re.search(r"```xml\n(.*?)```", doc, re.S)
    assert block is not None
    return textwrap.dedent(block.group(1)).strip().encode()


@pytest.fixture(scope="module")
def capture() -> Iterator[PlexServer]:
    server = _CaptureServer(
        {
            "/": _ha_root(),
            "/library": (HA / "empty_library.xml").read_bytes(),
            "/library/sections": (HA / "library_sections.xml").read_bytes(),
            "/library/sections/1/all": (HA / "library_movies_size.xml").read_bytes(),
            "/library/sections/2/all": CORYO_MOVIES.read_bytes(),
            "/legacy/all": _legacy_zoolander(),
        }
    )
    try:
        yield PlexServer(server.url, "capture-token", session=requests.Session(), timeout=5)
    finally:
        server.close()


@pytest.fixture
def fake() -> Iterator[FakePlex]:
    with FakePlex() as fake:
        fake.add_section("Movies")
        yield fake


def _connect(fake: FakePlex) -> PlexServer:
    return PlexServer(fake.url, fake.token, session=requests.Session(), timeout=5)


def _read(obj: PlexObject, *, lists: bool = False) -> dict[str, Any]:
    """What plexapi filled in from the XML; with ``lists``, the lazily built tag lists too.

    Only media objects build their lists from their own XML: a server's or section's
    cached properties go back to the network (plex.tv, filters) and are left alone.
    """
    obj._autoReload = False  # a partial object must not fetch more from either server
    if lists:
        for name in dir(type(obj)):
            if isinstance(getattr(type(obj), name, None), cached_data_property):
                getattr(obj, name)
    return {
        k: v
        for k, v in vars(obj).items()
        if not k.startswith("_") and v is not None and v not in ([], "")
    }


def _capture_movies(capture: PlexServer) -> list[Movie]:
    # The capture is the first page (16 of totalSize 255); ask for exactly that page.
    movies = capture.fetchItems("/library/sections/2/all", maxresults=16)
    assert len(movies) == 16
    for movie in movies:
        movie._autoReload = False  # the capture server has no /library/metadata to reload from
    return movies


def _add_equivalent(fake: FakePlex, movie: Movie) -> str:
    return fake.add_item(
        "1",
        movie.title,
        [(part.file, part.size) for part in movie.iterParts()],
        summary=movie.summary,
        studio=movie.studio,
        year=movie.year,
        contentRating=movie.contentRating,
        originallyAvailableAt=movie.originallyAvailableAt.strftime("%Y-%m-%d"),
        genres=[t.tag for t in movie.genres],
        actors=[t.tag for t in movie.roles],
        directors=[t.tag for t in movie.directors],
        writers=[t.tag for t in movie.writers],
        countries=[t.tag for t in movie.countries],
    )


def _projection(movie: Movie) -> dict[str, Any]:
    return {
        "type": movie.type,
        "title": movie.title,
        "summary": movie.summary,
        "studio": movie.studio,
        "year": movie.year,
        "contentRating": movie.contentRating,
        "originallyAvailableAt": movie.originallyAvailableAt,
        "genres": [t.tag for t in movie.genres],
        "roles": [t.tag for t in movie.roles],
        "directors": [t.tag for t in movie.directors],
        "writers": [t.tag for t in movie.writers],
        "countries": [t.tag for t in movie.countries],
        "parts": [[(p.file, p.size) for p in m.parts] for m in movie.media],
        "locations": movie.locations,
        "key_is_metadata_path": movie.key == f"/library/metadata/{movie.ratingKey}",
        "librarySectionID_set": movie.librarySectionID is not None,
    }


def test_server_root_has_every_attribute_of_a_real_root(
    capture: PlexServer, fake: FakePlex
) -> None:
    real = _read(capture)
    ours = _read(_connect(fake))
    assert set(real) - set(ours) == set()
    assert ours["machineIdentifier"] == fake.machine_id


@pytest.mark.parametrize(
    ("capture_file", "platform"), [("detail_a.xml", "Windows"), ("detail_b.xml", "Linux")]
)
def test_old_server_roots_report_the_platform_like_the_fake(
    capture_file: str, platform: str
) -> None:
    server = _CaptureServer({"/": (FUZEMAN / capture_file).read_bytes()})
    try:
        real = PlexServer(server.url, "t", session=requests.Session(), timeout=5)
    finally:
        server.close()
    with FakePlex(platform=platform) as fake:
        ours = _connect(fake)
    assert real.platform == ours.platform == platform
    assert set(_read(real)) - set(_read(ours)) == set()


def test_library_sections_have_every_attribute_of_real_sections(
    capture: PlexServer, fake: FakePlex
) -> None:
    real = capture.library.sections()
    ours = _connect(fake).library.sections()
    assert [type(s).__name__ for s in real][:1] == [type(s).__name__ for s in ours]
    missing = set(_read(real[0])) - set(_read(ours[0]))
    assert missing == set()


def test_windows_section_locations_match_a_real_windows_server() -> None:
    server = _CaptureServer(
        {
            "/": (FUZEMAN / "detail_a.xml").read_bytes(),
            "/library": (HA / "empty_library.xml").read_bytes(),
            "/library/sections": (FUZEMAN / "library" / "sections.xml").read_bytes(),
        }
    )
    try:
        real = PlexServer(server.url, "t", session=requests.Session(), timeout=5)
        real_movies = real.library.section("Movies")
    finally:
        server.close()
    with FakePlex(platform="Windows") as fake:
        fake.add_section("Movies", location=r"C:\Mock\Movies")
        ours = _connect(fake).library.section("Movies")
    assert real_movies.locations == ours.locations == [r"C:\Mock\Movies"]
    assert real_movies.type == ours.type == "movie"


def test_size_only_listing_matches_the_real_shape(capture: PlexServer, fake: FakePlex) -> None:
    fake.add_item("1", "Only", [("/media/only.mkv", 1)])
    assert capture.library.sectionByID(1).totalSize == 1
    assert _connect(fake).library.sectionByID(1).totalSize == 1


def test_movies_from_the_fake_read_like_real_nested_media_movies(
    capture: PlexServer, fake: FakePlex
) -> None:
    real_movies = _capture_movies(capture)
    for movie in real_movies:
        _add_equivalent(fake, movie)
    ours = _connect(fake).library.sectionByID(1).all()

    assert len(ours) == len(real_movies)
    seen: dict[str, set[str]] = {"movie": set(), "media": set(), "part": set()}
    for real, mine in zip(real_movies, ours, strict=True):
        assert _projection(mine) == _projection(real), real.title
        real_attrs = set(_read(real, lists=True))
        seen["movie"] |= real_attrs
        assert real_attrs - MOVIE_NOT_MODELLED <= set(_read(mine, lists=True)), real.title
        for real_media, our_media in zip(real.media, mine.media, strict=True):
            media_attrs = set(_read(real_media, lists=True))
            seen["media"] |= media_attrs
            assert media_attrs - MEDIA_NOT_MODELLED <= set(_read(our_media, lists=True))
            for real_part, our_part in zip(real_media.parts, our_media.parts, strict=True):
                part_attrs = set(_read(real_part, lists=True))
                seen["part"] |= part_attrs
                assert part_attrs - PART_NOT_MODELLED <= set(_read(our_part, lists=True))
    # Keep the exemption lists honest: each entry must be something a real PMS sent.
    assert seen["movie"] >= MOVIE_NOT_MODELLED
    assert seen["media"] >= MEDIA_NOT_MODELLED
    assert seen["part"] >= PART_NOT_MODELLED
    assert {"media", "genres", "roles", "directors", "writers", "countries"} <= seen["movie"]
    assert {"file", "size", "key", "id"} <= seen["part"]


def test_multi_version_movie_keeps_one_media_per_file(capture: PlexServer, fake: FakePlex) -> None:
    revenant = next(m for m in _capture_movies(capture) if m.title == "The Revenant")
    assert len(revenant.media) == 2
    key = _add_equivalent(fake, revenant)
    mine = _connect(fake).fetchItem(int(key))
    assert [[p.file for p in m.parts] for m in mine.media] == [
        [p.file for p in m.parts] for m in revenant.media
    ]


def test_detail_fetch_matches_the_listing(capture: PlexServer, fake: FakePlex) -> None:
    """plexapi reloads partial items from /library/metadata; both views must agree."""
    real = _capture_movies(capture)[1]
    key = _add_equivalent(fake, real)
    plex = _connect(fake)
    listed = plex.library.sectionByID(1).all()[0]
    detail = plex.fetchItem(int(key))
    assert _projection(detail) == _projection(listed) == _projection(real)
    assert set(_read(listed, lists=True)) <= set(_read(detail, lists=True))


def test_windows_part_paths_match_the_legacy_capture(capture: PlexServer) -> None:
    (real,) = capture.fetchItems("/legacy/all")
    assert real.media[0].parts[0].file == r"O:\fatboy\Media\Ripped\Movies\Zoolander (2001).mkv"
    with FakePlex(platform="Windows") as fake:
        fake.add_section("Movies", location=r"O:\fatboy\Media\Ripped\Movies")
        _add_equivalent(fake, real)
        (mine,) = _connect(fake).library.sectionByID(1).all()
    assert _projection(mine) == _projection(real)
    assert mine.locations == real.locations
