"""Unmodified plexapi against FakePlex over real HTTP.

The plugin's Plex tests are only as good as the fake they run against; these
tests pin that plexapi parses the fake's XML, that its edit grammar lands in the
fake's state, and that each injected fault reaches plexapi as the exception the
plugin's error classification (DESIGN.md section 5) expects.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer
from plexapi.video import Movie

from tests.fakes.fake_plex import UNAUTHORIZED_BODY, FakePlex

pytest_plugins = ["tests.fakes.plex_fixtures"]

MOVIES_SECTION = "1"  # the fake_plex fixture's only section
SECTION_ALL = f"/library/sections/{MOVIES_SECTION}/all"


@pytest.fixture
def plex(fake_plex: FakePlex) -> Iterator[PlexServer]:
    session = requests.Session()
    server = PlexServer(fake_plex.url, fake_plex.token, session=session, timeout=5)
    yield server
    session.close()


def _add_rich_item(fake: FakePlex, **overrides: object) -> str:
    fields: dict[str, object] = {
        "summary": "A summary.",
        "studio": "Studio One",
        "originallyAvailableAt": "2021-03-04",
        "year": 2021,
        "contentRating": "R",
        "genres": ["Drama", "Sci Fi"],
        "actors": ["Ann Actor", "Bob Actor"],
        "directors": ["Dee Director"],
        "collections": ["Old Studio", "Keep Me"],
        "userRating": 6.0,
        "locked": {"summary"},
    }
    fields.update(overrides)
    return fake.add_item(MOVIES_SECTION, "Alpha Scene", [("/media/alpha.mp4", 123_456)], **fields)


def _edit_requests(fake: FakePlex) -> list:
    return [r for r in fake.requests if r.method == "PUT" and r.path == SECTION_ALL]


# --------------------------------------------------------------------------- connect
def test_plexserver_connects_and_reads_root_and_sections(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    assert plex.machineIdentifier == "fakeplex0001"
    assert plex.platform == "Linux"
    assert plex.version
    assert plex.friendlyName == "FakePlex"
    assert plex.myPlex is True

    sections = plex.library.sections()
    assert [(s.key, s.title, s.type) for s in sections] == [(1, "Movies", "movie")]
    assert sections[0].agent == "tv.plex.agents.none"
    assert sections[0].locations == ["/media"]
    assert sections[0].uuid
    assert plex.library.section("Movies").key == 1
    # plexapi sent the token as a header, never in the URL.
    assert all("X-Plex-Token" not in r.raw_target for r in fake_plex.requests)
    assert all(r.headers.get("X-Plex-Token") == fake_plex.token for r in fake_plex.requests)


def test_identity_needs_no_token_but_everything_else_does(fake_plex: FakePlex) -> None:
    identity = requests.get(f"{fake_plex.url}/identity", timeout=5)
    assert identity.status_code == 200
    assert 'machineIdentifier="fakeplex0001"' in identity.text

    anonymous = requests.get(f"{fake_plex.url}/library/sections", timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.content == UNAUTHORIZED_BODY

    in_query = requests.get(
        f"{fake_plex.url}/library/sections?X-Plex-Token={fake_plex.token}", timeout=5
    )
    assert in_query.status_code == 200


# --------------------------------------------------------------------------- listing
def test_section_all_pages_through_every_item(fake_plex: FakePlex, plex: PlexServer) -> None:
    keys = fake_plex.bulk_add_items(MOVIES_SECTION, 250)
    section = plex.library.sectionByID(1)
    fake_plex.clear_requests()

    movies = section.all(container_size=100)

    assert [str(m.ratingKey) for m in movies] == keys
    assert all(isinstance(m, Movie) for m in movies)
    assert movies[7].locations == ["/media/scene000007.mp4"]
    pages = [r for r in fake_plex.requests if r.path == SECTION_ALL]
    assert len(pages) == 3
    assert [r.headers["X-Plex-Container-Start"] for r in pages] == ["0", "100", "200"]
    assert {r.headers["X-Plex-Container-Size"] for r in pages} == {"100"}


def test_total_size_and_fetch_items_window(fake_plex: FakePlex, plex: PlexServer) -> None:
    keys = fake_plex.bulk_add_items(MOVIES_SECTION, 30)
    section = plex.library.sectionByID(1)
    assert section.totalSize == 30

    fake_plex.clear_requests()
    window = plex.fetchItems(SECTION_ALL, container_start=20, container_size=4)
    assert [str(m.ratingKey) for m in window] == keys[20:]
    assert fake_plex.count("GET", SECTION_ALL) == 3  # 4 + 4 + 2


def test_paging_from_query_string_serves_exact_size(fake_plex: FakePlex) -> None:
    fake_plex.bulk_add_items(MOVIES_SECTION, 20)
    response = requests.get(
        f"{fake_plex.url}{SECTION_ALL}?X-Plex-Container-Start=5&X-Plex-Container-Size=7",
        headers={"X-Plex-Token": fake_plex.token},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.text.count("<Video ") == 7
    assert 'size="7"' in response.text
    assert 'totalSize="20"' in response.text
    assert 'offset="5"' in response.text

    only_total = requests.get(
        f"{fake_plex.url}{SECTION_ALL}?X-Plex-Container-Start=0&X-Plex-Container-Size=0",
        headers={"X-Plex-Token": fake_plex.token},
        timeout=5,
    )
    assert "<Video " not in only_total.text
    assert 'totalSize="20"' in only_total.text


def test_search_by_title_is_case_insensitive_substring(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    fake_plex.add_item(MOVIES_SECTION, "The Big Scene", [("/media/big.mp4", 1)])
    fake_plex.add_item(MOVIES_SECTION, "Small", [("/media/small.mp4", 2)])
    found = plex.library.sectionByID(1).search(title="big")
    assert [m.title for m in found] == ["The Big Scene"]
    assert fake_plex.requests[-1].query["title"] == ["big"]


def test_concurrent_clients_are_all_served_and_recorded(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    fake_plex.clear_requests()
    with ThreadPoolExecutor(max_workers=8) as pool:
        titles = list(pool.map(lambda _: plex.fetchItem(int(key)).title, range(40)))
    assert titles == ["Alpha Scene"] * 40
    assert fake_plex.count("GET", f"/library/metadata/{key}") == 40


# --------------------------------------------------------------------------- detail
def test_fetch_item_detail_has_nested_media_tags_and_locks(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    two_files = fake_plex.add_item(
        MOVIES_SECTION, "Two Parts", [("/media/p1.mkv", 10), ("/media/p2.mkv", 20)]
    )

    movie = plex.fetchItem(int(key))
    assert movie.title == "Alpha Scene"
    assert movie.summary == "A summary."
    assert movie.studio == "Studio One"
    assert movie.year == 2021
    assert movie.contentRating == "R"
    assert movie.originallyAvailableAt == datetime(2021, 3, 4)
    assert movie.userRating == 6.0
    assert movie.librarySectionID == 1
    assert [g.tag for g in movie.genres] == ["Drama", "Sci Fi"]
    assert [r.tag for r in movie.roles] == ["Ann Actor", "Bob Actor"]
    assert [d.tag for d in movie.directors] == ["Dee Director"]
    assert [c.tag for c in movie.collections] == ["Old Studio", "Keep Me"]
    assert movie.media[0].parts[0].file == "/media/alpha.mp4"
    assert movie.media[0].parts[0].size == 123_456
    assert movie.isLocked("summary")
    assert not movie.isLocked("title")

    multi = plex.fetchItem(int(two_files))
    assert [(m.parts[0].file, m.parts[0].size) for m in multi.media] == [
        ("/media/p1.mkv", 10),
        ("/media/p2.mkv", 20),
    ]
    both = plex.fetchItems([int(key), int(two_files)])
    assert [m.title for m in both] == ["Alpha Scene", "Two Parts"]


def test_unknown_and_deleted_items_are_not_found(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    with pytest.raises(NotFound):
        plex.fetchItem(999)
    with pytest.raises(NotFound):
        plex.query("/no/such/endpoint")
    fake_plex.delete_item(key)
    with pytest.raises(NotFound):
        plex.fetchItem(int(key))


# --------------------------------------------------------------------------- edits
def test_batch_edit_is_one_put_with_locks_and_tag_lists(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    movie = plex.fetchItem(int(key))
    # plexapi resolves item.section() through /library and /library/sections on the
    # first edit of a PlexServer, then caches them; warm that so only the edit remains.
    plex.library.sections()
    fake_plex.clear_requests()

    movie.batchEdits()
    movie.editTitle("New Title")
    movie.editSummary("New summary")
    movie.editStudio("Studio Two")
    movie.editOriginallyAvailable("2022-05-06")
    movie.editField("year", 2022)
    movie.addGenre(["Thriller"])
    movie.editTags("actor", ["Cy Actor"])
    movie.removeCollection(["Old Studio"])
    movie.saveEdits()

    edits = _edit_requests(fake_plex)
    assert len(fake_plex.requests) == 1
    assert len(edits) == 1
    query = edits[0].query
    assert query["id"] == [key]
    assert query["type"] == ["1"]
    assert query["title.value"] == ["New Title"]
    assert query["title.locked"] == ["1"]
    assert query["genre[2].tag.tag"] == ["Thriller"]
    assert query["collection[].tag.tag-"] == ["Old%20Studio"]

    item = fake_plex.item(key)
    assert item.title == "New Title"
    assert item.summary == "New summary"
    assert item.studio == "Studio Two"
    assert item.originallyAvailableAt == "2022-05-06"
    assert item.year == 2022
    assert item.genres == ["Drama", "Sci Fi", "Thriller"]
    assert item.actors == ["Ann Actor", "Bob Actor", "Cy Actor"]
    assert item.collections == ["Keep Me"]
    assert item.locked >= {"title", "summary", "studio", "originallyAvailableAt", "year"}
    assert item.locked >= {"genre", "actor", "collection"}
    assert item.edit_count == 1

    reloaded = plex.fetchItem(int(key))
    assert reloaded.title == "New Title"
    assert reloaded.isLocked("genre")
    assert [g.tag for g in reloaded.genres] == ["Drama", "Sci Fi", "Thriller"]


def test_indexed_tags_replace_the_whole_list(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    movie = plex.fetchItem(int(key))
    movie.edit(
        **{
            "genre[0].tag.tag": "Only One",
            "genre.locked": 1,
            "actor[0].tag.tag": "Solo Actor",
            "actor.locked": 1,
            "director[0].tag.tag": "New Director",
        }
    )
    item = fake_plex.item(key)
    assert item.genres == ["Only One"]
    assert item.actors == ["Solo Actor"]
    assert item.directors == ["New Director"]
    assert {"genre", "actor"} <= item.locked
    assert "director" not in item.locked


def test_tag_removal_decodes_plexapis_double_encoding(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex, genres=["Sci Fi", "R&B, Soul", "100% Real", "Keep"])
    movie = plex.fetchItem(int(key))
    fake_plex.clear_requests()

    movie.removeGenre(["Sci Fi", "R&B, Soul", "100% Real"])

    (edit,) = _edit_requests(fake_plex)
    assert "genre%5B%5D.tag.tag-=Sci%2520Fi%2CR%2526B%252C%2520Soul%2C100%2525%2520Real" in (
        edit.raw_target
    )
    assert fake_plex.item(key).genres == ["Keep"]


def test_unlock_and_clear_fields(fake_plex: FakePlex, plex: PlexServer) -> None:
    key = _add_rich_item(fake_plex, locked={"title", "studio"})
    movie = plex.fetchItem(int(key))
    movie.editTitle("Free Title", locked=False)
    movie.editStudio("")
    item = fake_plex.item(key)
    assert item.title == "Free Title"
    assert "title" not in item.locked
    assert item.studio is None
    assert "studio" in item.locked
    assert plex.fetchItem(int(key)).studio is None


def test_add_helper_on_a_listed_item_reloads_it_first(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    """plexapi quirk the plugin must avoid: add*() on a partial item costs a hidden GET."""
    key = _add_rich_item(fake_plex, genres=[])
    (listed,) = plex.library.sectionByID(1).all()
    fake_plex.clear_requests()

    listed.addGenre("Added")

    assert [(r.method, r.path) for r in fake_plex.requests] == [
        ("GET", f"/library/metadata/{key}"),
        ("PUT", SECTION_ALL),
    ]
    assert fake_plex.item(key).genres == ["Added"]


def test_one_put_can_edit_several_items(fake_plex: FakePlex, plex: PlexServer) -> None:
    first = _add_rich_item(fake_plex)
    second = _add_rich_item(fake_plex)
    plex.query(
        f"{SECTION_ALL}?type=1&id={first},{second}&contentRating.value=NC-17",
        method=plex._session.put,
    )
    assert [fake_plex.item(k).contentRating for k in (first, second)] == ["NC-17", "NC-17"]


def test_edit_of_unknown_item_or_without_id_is_refused(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    _add_rich_item(fake_plex)
    with pytest.raises(NotFound):
        plex.query(f"{SECTION_ALL}?type=1&id=999&title.value=x", method=plex._session.put)
    with pytest.raises(BadRequest):
        plex.query(f"{SECTION_ALL}?type=1&title.value=x", method=plex._session.put)
    assert all(i.title == "Alpha Scene" for i in fake_plex.items())


# --------------------------------------------------------------------------- images, rating
def test_upload_poster_bytes_url_select_and_lock(
    fake_plex: FakePlex,
    plex: PlexServer,
    tmp_path,
) -> None:
    key = _add_rich_item(fake_plex)
    image = tmp_path / "poster.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0 fake jpeg \x00\x01")
    movie = plex.fetchItem(int(key))

    movie.uploadPoster(filepath=str(image))
    item = fake_plex.item(key)
    assert item.poster == image.read_bytes()
    assert item.poster_uploads == 1
    upload = next(r for r in fake_plex.requests if r.method == "POST")
    assert upload.path == f"/library/metadata/{key}/posters"
    assert upload.body == image.read_bytes()

    movie.uploadPoster(url="https://images.example/p.jpg")
    assert item.poster_url == "https://images.example/p.jpg"
    assert item.poster_uploads == 2

    posters = movie.posters()
    assert {p.ratingKey for p in posters} == {
        f"upload://posters/{key}",
        "https://images.example/p.jpg",
    }
    movie.setPoster(next(p for p in posters if p.ratingKey.startswith("upload://")))
    assert item.selected_poster == f"upload://posters/{key}"

    movie.lockPoster()
    assert "thumb" in item.locked
    reloaded = plex.fetchItem(int(key))
    assert reloaded.thumb.startswith(f"/library/metadata/{key}/thumb/")
    assert requests.get(plex.url(reloaded.thumb, includeToken=True), timeout=5).content == (
        image.read_bytes()
    )

    movie.uploadArt(filepath=str(image))
    assert item.art == image.read_bytes()
    assert item.art_uploads == 1


def test_rate_sets_and_clears_user_rating(fake_plex: FakePlex, plex: PlexServer) -> None:
    key = _add_rich_item(fake_plex, userRating=None)
    movie = plex.fetchItem(int(key))
    movie.rate(7.5)
    assert fake_plex.item(key).user_rating == 7.5
    assert plex.fetchItem(int(key)).userRating == 7.5
    movie.rate()
    assert fake_plex.item(key).user_rating is None
    rate = fake_plex.requests[-1]
    assert (rate.method, rate.path) == ("PUT", "/:/rate")
    assert rate.query["identifier"] == ["com.plexapp.plugins.library"]


def test_refresh_is_counted_and_can_revert_unlocked_fields(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex, locked=set())
    movie = plex.fetchItem(int(key))
    movie.batchEdits()
    movie.editTitle("Locked Title")
    movie.editSummary("Unlocked summary", locked=False)
    movie.saveEdits()

    fake_plex.revert_unlocked_on_refresh = True
    movie.refresh()

    item = fake_plex.item(key)
    assert item.refreshes == 1
    assert item.title == "Locked Title"
    assert item.summary == "A summary."


# --------------------------------------------------------------------------- hidden / scans
def test_hidden_item_is_404_until_revealed_or_scanned(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    visible = fake_plex.add_item(MOVIES_SECTION, "Visible", [("/media/v.mp4", 1)])
    hidden = fake_plex.add_item(MOVIES_SECTION, "Later", [("/media/new/later.mp4", 2)], hidden=True)
    other = fake_plex.add_item(MOVIES_SECTION, "Elsewhere", [("/other/x.mp4", 3)], hidden=True)
    section = plex.library.sectionByID(1)

    with pytest.raises(NotFound):
        plex.fetchItem(int(hidden))
    assert [m.title for m in section.all()] == ["Visible"]
    assert section.totalSize == 1

    section.update(path="/media/new")
    assert fake_plex.scans == [(MOVIES_SECTION, "/media/new")]
    assert plex.fetchItem(int(hidden)).title == "Later"
    with pytest.raises(NotFound):
        plex.fetchItem(int(other))

    fake_plex.reveal(other)
    assert [str(m.ratingKey) for m in section.all()] == [visible, hidden, other]


def test_windows_platform_paths(plex: PlexServer) -> None:
    with FakePlex(platform="Windows") as fake:
        fake.add_section("Movies")
        key = fake.add_item("1", "Win", [(r"C:\Media\Sub Dir\a.mp4", 42)], hidden=True)
        server = PlexServer(fake.url, fake.token, session=requests.Session(), timeout=5)
        assert server.platform == "Windows"
        section = server.library.sectionByID(1)
        assert section.locations == [r"C:\Media"]

        section.update(path=r"c:\media\sub dir")  # Windows paths match case-insensitively
        movie = server.fetchItem(int(key))
        assert movie.media[0].parts[0].file == r"C:\Media\Sub Dir\a.mp4"
        assert movie.locations == [r"C:\Media\Sub Dir\a.mp4"]

    assert plex.platform == "Linux"  # set_platform() is per instance


def test_set_platform_changes_root(fake_plex: FakePlex, plex: PlexServer) -> None:
    fake_plex.set_platform("Windows")
    again = PlexServer(fake_plex.url, fake_plex.token, session=requests.Session(), timeout=5)
    assert again.platform == "Windows"
    assert "Build" in again.platformVersion


# --------------------------------------------------------------------------- faults
def test_wrong_or_changed_token_raises_unauthorized(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    with pytest.raises(Unauthorized):
        PlexServer(fake_plex.url, "wrong-token", session=requests.Session(), timeout=5)
    assert fake_plex.requests[-1].path == "/"  # recorded even though refused

    fake_plex.token = "rotated-token"
    with pytest.raises(Unauthorized):
        plex.library.sections()


def test_fail_next_503_with_retry_after_then_recovers(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    fake_plex.fail_next(2, 503, retry_after="7")
    fake_plex.clear_requests()

    with pytest.raises(BadRequest, match=r"\(503\) service_unavailable"):
        plex.fetchItem(int(key))
    raw = requests.get(
        f"{fake_plex.url}/library/metadata/{key}",
        headers={"X-Plex-Token": fake_plex.token},
        timeout=5,
    )
    assert raw.status_code == 503
    assert raw.headers["Retry-After"] == "7"

    assert plex.fetchItem(int(key)).title == "Alpha Scene"
    assert fake_plex.count("GET", f"/library/metadata/{key}") == 3


def test_fail_next_status_mapping_in_plexapi(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    expected = {401: Unauthorized, 404: NotFound, 429: BadRequest, 500: BadRequest}
    expected |= {502: BadRequest}
    for status, exc in expected.items():
        fake_plex.fail_next(1, status)
        with pytest.raises(exc):
            plex.fetchItem(int(key))
    # requests has no name for 520, so plexapi's message formatting fails with TypeError.
    fake_plex.fail_next(1, 520)
    with pytest.raises(TypeError):
        plex.fetchItem(int(key))
    assert plex.fetchItem(int(key)).title == "Alpha Scene"


def test_fail_next_filters_by_path_and_method(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    movie = plex.fetchItem(int(key))
    fake_plex.fail_next(1, 500, path_prefix="/library/sections", method="PUT")

    assert plex.fetchItem(int(key)).title == "Alpha Scene"  # GET metadata: not matched
    plex.library.sections()  # GET sections: wrong method
    with pytest.raises(BadRequest):
        movie.editTitle("first try")
    assert fake_plex.item(key).title == "Alpha Scene"
    movie.editTitle("second try")
    assert fake_plex.item(key).title == "second try"


def test_set_down_refuses_connections_then_serves_same_port(
    fake_plex: FakePlex,
    plex: PlexServer,
) -> None:
    key = _add_rich_item(fake_plex)
    url_before = fake_plex.url
    plex.fetchItem(int(key))  # leaves a keep-alive connection in the pool

    fake_plex.set_down(True)
    with pytest.raises(requests.ConnectionError):
        plex.fetchItem(int(key))
    host, port = urlsplit(url_before).hostname, urlsplit(url_before).port
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, port), 1):
        pass

    fake_plex.set_down(False)
    assert fake_plex.url == url_before
    assert plex.fetchItem(int(key)).title == "Alpha Scene"


def test_hang_next_exceeds_client_read_timeout(fake_plex: FakePlex) -> None:
    fake_plex.hang_next(1, 5.0)
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{fake_plex.url}/identity", timeout=(1, 0.3), headers={"Connection": "close"})
    assert requests.get(f"{fake_plex.url}/identity", timeout=5).status_code == 200


def test_latency_delays_each_request(fake_plex: FakePlex) -> None:
    fake_plex.set_latency(0.05)
    with requests.Session() as session:
        started = time.monotonic()
        for _ in range(3):
            session.get(f"{fake_plex.url}/identity", timeout=5)
        elapsed = time.monotonic() - started
    assert elapsed >= 0.15


def test_bulk_add_100k_pages_to_the_last_item(fake_plex: FakePlex) -> None:
    keys = fake_plex.bulk_add_items(MOVIES_SECTION, 100_000)
    assert len(keys) == 100_000
    last_page = requests.get(
        f"{fake_plex.url}{SECTION_ALL}",
        headers={
            "X-Plex-Token": fake_plex.token,
            "X-Plex-Container-Start": "99990",
            "X-Plex-Container-Size": "1000",
        },
        timeout=10,
    )
    assert last_page.text.count("<Video ") == 10
    assert 'totalSize="100000"' in last_page.text
    assert 'file="/media/scene099999.mp4"' in last_page.text


def test_many_items_are_read_with_one_request_and_missing_ones_are_absent() -> None:
    from plex.client import PlexClient, read_chunks
    from validation.config import load_settings

    with FakePlex() as fake:
        movies = fake.add_section("Movies")
        other = fake.add_section("Other", location="/other")
        keys = fake.bulk_add_items(movies, 3)
        elsewhere = fake.add_item(other, "Other item", [("/other/a.mp4", 1)], genres=["A"])
        fake.delete_item(keys[1])
        client = PlexClient(load_settings({"plexUrl": fake.url, "plexToken": fake.token}))
        assert client.machine_identifier  # connects (GET /)
        fake.clear_requests()
        found = client.fetch_items([*keys, elsewhere, "999"])
        assert sorted(found) == sorted([keys[0], keys[2], elsewhere])
        assert found[elsewhere].librarySectionID == int(other)
        assert [g.tag for g in found[elsewhere].genres] == ["A"]
        assert [r.path for r in fake.requests] == [
            f"/library/metadata/{','.join([*keys, elsewhere, '999'])}"
        ]
        assert client.fetch_items(["998", "999"]) == {}
    assert [len(c) for c in read_chunks(str(i) for i in range(120))] == [50, 50, 20]
