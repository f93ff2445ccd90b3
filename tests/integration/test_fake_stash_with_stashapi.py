"""Unmodified stashapi against the fake Stash, over real HTTP.

These tests pin down two things at once: that the fake answers the requests the
real client library makes (constructor, introspection-built fragments, finds,
mutations), and the Stash behaviours PlexSync must cope with (paging, id batches,
timestamp filters, cookie and API-key authentication, screenshots).
"""

from __future__ import annotations

import base64
import json
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from stashapi.stashapp import StashInterface

from stash_client import queries as stash_queries
from tests.fakes.fake_stash import (
    FakeClock,
    FakeStash,
    RecordedRequest,
    default_screenshot,
    go_rfc3339,
    png_bytes,
)

pytest_plugins = ["tests.fakes.stash_fixtures"]

PLUGIN_DIR = "/root/.stash/plugins/PlexSync"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def connect(fake: FakeStash, **options: Any) -> StashInterface:
    """What PlexSync's worker does with the ``server_connection`` from stdin."""
    return StashInterface(fake.server_connection(PLUGIN_DIR, "/root/.stash"), **options)


def graphql(fake: FakeStash, query: str, variables: dict[str, Any] | None = None) -> Any:
    """A bare POST, for asserting on status codes that stashapi turns into exceptions."""
    return requests.post(
        fake.graphql_url, json={"query": query, "variables": variables or {}}, timeout=10
    )


def page(stash: StashInterface, scene_filter: dict[str, Any] | None = None, **find: Any) -> Any:
    variables = {"filter": find or {"per_page": -1, "sort": "id"}, "scene_filter": scene_filter}
    return stash.call_GQL(stash_queries.FIND_SCENES_PAGE, variables)["findScenes"]


def ids_of(result: dict[str, Any], key: str = "scenes") -> list[str]:
    return [item["id"] for item in result[key]]


@pytest.fixture
def t0(stash_clock: FakeClock) -> datetime:
    """When the library's first scenes were added."""
    return stash_clock()


def stamp(moment: datetime) -> str:
    return go_rfc3339(moment, timezone.utc)


@pytest.fixture
def library(fake_stash: FakeStash, stash_clock: FakeClock, t0: datetime) -> dict[str, str]:
    """Three scenes at t0 and one an hour later, with shared performers and tags."""
    scenes = {
        "a": fake_stash.add_scene(
            title="Alpha",
            details="First",
            date="2024-01-02",
            studio="Studio One",
            performers=["Ann", "Bea"],
            tags=["Tag1"],
            files=[("/media/a.mp4", 1_234_567_890_123)],
            urls=["https://example.com/a"],
            organized=True,
            director="Dee",
            rating100=80,
        ),
        "b": fake_stash.add_scene(title="Beta", performers=["Bea"], files=[("/media/b.mp4", 2)]),
        "c": fake_stash.add_scene(title="Gamma", tags=["Tag2"], files=[("/media/c.mkv", 3)]),
    }
    stash_clock.advance(3600)
    scenes["d"] = fake_stash.add_scene(title="Delta", studio="Studio Two", files=[("/d.mp4", 4)])
    return scenes


# --------------------------------------------------------------------------- connection


def test_server_connection_matches_what_stash_writes(fake_stash_auth: FakeStash) -> None:
    conn = fake_stash_auth.server_connection(PLUGIN_DIR, "/root/.stash")
    assert json.loads(json.dumps(conn)) == conn
    assert conn["Scheme"] == "http"
    assert conn["Port"] == fake_stash_auth.port
    assert conn["Dir"] == "/root/.stash"
    assert conn["PluginDir"] == PLUGIN_DIR
    assert conn["SessionCookie"]["Name"] == "session"
    assert conn["SessionCookie"]["Value"] == fake_stash_auth.session_cookie
    assert set(conn["SessionCookie"]) == {
        "Name", "Value", "Path", "Domain", "Expires", "RawExpires", "MaxAge",
        "Secure", "HttpOnly", "SameSite", "Raw", "Unparsed",
    }  # fmt: skip


def test_construction_without_credentials(fake_stash: FakeStash) -> None:
    conn = fake_stash.server_connection(PLUGIN_DIR, host="0.0.0.0")
    assert conn["SessionCookie"] is None
    stash = StashInterface(conn, force_api_key=True)

    assert (stash.version.major, stash.version.minor, stash.version.patch) == (0, 30, 1)
    log = fake_stash.requests
    assert [r.operation_name for r in log[:2]] == ["StashVersion", "getApiKey"]
    assert "__schema" in (log[2].query or "")
    assert all(r.status == 200 for r in log)
    assert all(r.header("ApiKey") is None and r.cookies == {} for r in log)
    assert "Scene" in stash.fragments
    # Built from the fake's introspection, without the field that takes arguments.
    assert "fingerprint " not in stash.fragments["VideoFile"].replace("fingerprints", "")


def test_construction_with_the_session_cookie(fake_stash_auth: FakeStash) -> None:
    connect(fake_stash_auth)

    assert len(fake_stash_auth.requests) == 3
    for request in fake_stash_auth.requests:
        assert request.cookies == {"session": fake_stash_auth.session_cookie}
        assert request.header("ApiKey") is None
        assert request.status == 200


def test_force_api_key_swaps_the_cookie_for_the_header(fake_stash_auth: FakeStash) -> None:
    stash = connect(fake_stash_auth, force_api_key=True)
    fake_stash_auth.expire_sessions()  # the plugin's cookie dies after an hour
    stash.find_scenes()

    version, api_key, introspection, find = fake_stash_auth.requests
    assert version.cookies and api_key.cookies
    for request in (introspection, find):
        assert request.header("ApiKey") == fake_stash_auth.api_key
        assert request.cookies == {}
        assert request.status == 200


def test_a_stale_cookie_gets_401(fake_stash_auth: FakeStash) -> None:
    conn = fake_stash_auth.server_connection(PLUGIN_DIR)
    conn["SessionCookie"]["Value"] = "stale"
    with pytest.raises(Exception, match="401"):
        StashInterface(conn)
    assert [r.status for r in fake_stash_auth.requests] == [401]

    raw = requests.post(
        fake_stash_auth.graphql_url,
        json={"query": "{ version { version } }"},
        cookies={"session": "stale"},
        timeout=10,
    )
    assert (raw.status_code, raw.content) == (401, b"")
    assert raw.headers["WWW-Authenticate"] == "FormBased"


def test_a_wrong_api_key_gets_401_even_without_credentials(fake_stash: FakeStash) -> None:
    response = requests.post(
        fake_stash.graphql_url,
        json={"query": "{ version { version } }"},
        headers={"ApiKey": "made-up"},
        timeout=10,
    )
    assert response.status_code == 401


# --------------------------------------------------------------------------- reading scenes


def test_find_scene_returns_the_stash_shape(
    fake_stash: FakeStash, library: dict[str, str], t0: datetime
) -> None:
    scene = connect(fake_stash).find_scene(library["a"])

    assert scene["title"] == "Alpha"
    assert scene["details"] == "First"
    assert scene["date"] == "2024-01-02"
    assert scene["director"] == "Dee"
    assert scene["rating100"] == 80
    assert scene["organized"] is True
    assert scene["urls"] == ["https://example.com/a"]
    assert scene["created_at"] == scene["updated_at"] == stamp(t0)
    (video,) = scene["files"]
    assert (video["path"], video["basename"], video["size"]) == (
        "/media/a.mp4",
        "a.mp4",
        1_234_567_890_123,
    )
    assert scene["studio"] == {"id": fake_stash.studio("Studio One")["id"]}
    assert [p["id"] for p in scene["performers"]] == [
        fake_stash.performer("Ann")["id"],
        fake_stash.performer("Bea")["id"],
    ]
    assert [t["name"] for t in scene["tags"]] == ["Tag1"]
    assert scene["paths"]["screenshot"] == (
        f"{fake_stash.url}/scene/{library['a']}/screenshot?t={int(t0.timestamp())}"
    )


def test_find_scene_of_an_unknown_id_is_none(fake_stash: FakeStash) -> None:
    assert connect(fake_stash).find_scene(404) is None


def test_find_scenes_defaults_to_every_scene(
    fake_stash: FakeStash, library: dict[str, str]
) -> None:
    count, scenes = connect(fake_stash).find_scenes(get_count=True)
    assert count == 4
    assert [s["id"] for s in scenes] == list(library.values())


def test_scenes_by_id_keep_the_order_asked_and_ignore_paging(
    fake_stash: FakeStash, library: dict[str, str]
) -> None:
    stash = connect(fake_stash)
    variables = {"ids": [library["c"], library["a"]], "filter": {"per_page": 1, "page": 2}}
    result = stash.call_GQL(stash_queries.FIND_SCENES_BY_ID, variables)["findScenes"]

    assert result["count"] == 2
    assert ids_of(result) == [library["c"], library["a"]]
    first = result["scenes"][1]
    assert first["files"] == [
        {"path": "/media/a.mp4", "basename": "a.mp4", "size": 1_234_567_890_123}
    ]
    assert first["studio"]["name"] == "Studio One"
    assert [p["name"] for p in first["performers"]] == ["Ann", "Bea"]


@pytest.mark.parametrize("extra", ["999", "repeat"])
def test_one_unknown_or_repeated_id_fails_the_whole_batch(
    fake_stash: FakeStash, library: dict[str, str], extra: str
) -> None:
    """Stash's FindMany refuses the batch; it does not leave the scene out."""
    ids = [library["a"], library["a"] if extra == "repeat" else extra]
    with pytest.raises(Exception, match="query failed"):
        connect(fake_stash).call_GQL(stash_queries.FIND_SCENES_BY_ID, {"ids": ids})

    raw = graphql(fake_stash, stash_queries.FIND_SCENES_BY_ID, {"ids": ids}).json()
    assert raw["data"] is None
    missing = "999" if extra == "999" else library["a"]
    assert raw["errors"][0]["message"] == f"scene with id {missing} not found"


def test_paging_counts_every_match(fake_stash: FakeStash, library: dict[str, str]) -> None:
    stash = connect(fake_stash)
    everything = list(library.values())

    third = page(stash, per_page=3, page=2, sort="id")
    assert (third["count"], ids_of(third)) == (4, everything[3:])
    beyond = page(stash, per_page=3, page=9, sort="id")
    assert (beyond["count"], ids_of(beyond)) == (4, [])
    counting = page(stash, per_page=0)
    assert (counting["count"], ids_of(counting)) == (4, [])
    newest_first = page(stash, per_page=-1, sort="updated_at", direction="DESC")
    assert ids_of(newest_first)[0] == library["d"]
    assert ids_of(page(stash, per_page=2, page=0, sort="title")) == [library["a"], library["b"]]


def test_default_page_size_is_25(fake_stash: FakeStash) -> None:
    fake_stash.bulk_add_scenes(30)
    result = connect(fake_stash).call_GQL(stash_queries.FIND_SCENES_PAGE)["findScenes"]
    assert (result["count"], len(result["scenes"])) == (30, 25)


def test_updated_at_filter_finds_recent_edits(
    fake_stash: FakeStash, library: dict[str, str], stash_clock: FakeClock, t0: datetime
) -> None:
    stash = connect(fake_stash)
    stash_clock.advance(3600)
    fake_stash.update_scene(library["b"], details="edited")
    since = stamp(t0 + timedelta(minutes=30))

    recent = page(stash, {"updated_at": {"value": since, "modifier": "GREATER_THAN"}})
    assert ids_of(recent) == [library["b"], library["d"]]
    older = page(stash, {"updated_at": {"value": since, "modifier": "LESS_THAN"}})
    assert ids_of(older) == [library["a"], library["c"]]
    recent_b = recent["scenes"][0]
    assert recent_b["updated_at"] == stamp(t0 + timedelta(hours=2))
    assert recent_b["paths"]["screenshot"].endswith(f"?t={int(t0.timestamp()) + 7200}")


def test_scene_filters_by_relation_and_organized(
    fake_stash: FakeStash, library: dict[str, str]
) -> None:
    stash = connect(fake_stash)
    bea = fake_stash.performer("Bea")["id"]
    tag2 = fake_stash.tag("Tag2")["id"]
    studio = fake_stash.studio("Studio Two")["id"]

    by_performer = page(stash, {"performers": {"value": [bea], "modifier": "INCLUDES"}})
    assert ids_of(by_performer) == [library["a"], library["b"]]
    by_tag = page(stash, {"tags": {"value": [tag2], "modifier": "INCLUDES", "depth": 0}})
    assert ids_of(by_tag) == [library["c"]]
    by_studio = page(stash, {"studios": {"value": [studio], "modifier": "INCLUDES"}})
    assert ids_of(by_studio) == [library["d"]]
    assert ids_of(page(stash, {"organized": True})) == [library["a"]]
    either = page(
        stash,
        {
            "tags": {"value": [tag2], "modifier": "INCLUDES"},
            "OR": {"studios": {"value": [studio], "modifier": "INCLUDES"}},
        },
    )
    assert ids_of(either) == [library["c"], library["d"]]


@pytest.mark.parametrize(
    ("kind", "old", "document", "filter_name", "scene_filter"),
    [
        (
            "performer",
            "Bea",
            stash_queries.FIND_UPDATED_PERFORMERS,
            "performer_filter",
            "performers",
        ),
        ("tag", "Tag1", stash_queries.FIND_UPDATED_TAGS, "tag_filter", "tags"),
        ("studio", "Studio One", stash_queries.FIND_UPDATED_STUDIOS, "studio_filter", "studios"),
    ],
)
def test_a_rename_moves_only_the_renamed_entity(
    fake_stash: FakeStash,
    library: dict[str, str],
    stash_clock: FakeClock,
    t0: datetime,
    kind: str,
    old: str,
    document: str,
    filter_name: str,
    scene_filter: str,
) -> None:
    stash = connect(fake_stash)
    stash_clock.advance(7200)
    getattr(fake_stash, f"rename_{kind}")(old, "Renamed")
    entity = getattr(fake_stash, kind)("Renamed")
    assert entity["updated_at"] == stamp(t0 + timedelta(hours=3))
    since = {"updated_at": {"value": stamp(t0 + timedelta(hours=2)), "modifier": "GREATER_THAN"}}

    found = stash.call_GQL(document, {"filter": {"per_page": -1}, filter_name: since})
    (plural,) = found.values()
    assert plural["count"] == 1
    assert next(v for k, v in plural.items() if k != "count") == [{"id": entity["id"]}]

    scenes = page(stash, {scene_filter: {"value": [entity["id"]], "modifier": "INCLUDES"}})
    assert scenes["count"] >= 1
    assert all(s["updated_at"] == stamp(t0) for s in scenes["scenes"])
    assert page(stash, {"updated_at": since["updated_at"]})["count"] == 0


def test_timestamp_filters_compare_text_in_the_servers_zone() -> None:
    """Stash compares the stored text, so a value in another zone misleads it."""
    plus_two = timezone(timedelta(hours=2))
    clock = FakeClock(datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc))
    with FakeStash(now=clock, tz=plus_two) as fake:
        fake.add_scene(title="at 10:00Z")
        stash = connect(fake)
        (scene,) = stash.find_scenes()
        assert scene["updated_at"] == "2026-11-22T12:00:00+02:00"

        def newer_than(value: str) -> int:
            criterion = {"updated_at": {"value": value, "modifier": "GREATER_THAN"}}
            return page(stash, criterion)["count"]

        # 11:00Z is after the scene's 10:00Z, yet "12:00..." > "11:00..." as text.
        assert newer_than("2026-11-22T11:00:00Z") == 1
        assert newer_than(go_rfc3339(clock() + timedelta(hours=1), plus_two)) == 0
        assert newer_than(go_rfc3339(clock() - timedelta(hours=1), plus_two)) == 1


def test_plugin_settings_come_back_for_the_included_plugin_only(fake_stash: FakeStash) -> None:
    stash = connect(fake_stash)
    fake_stash.plugin_settings["Other"] = {"secret": "x"}

    assert stash.call_GQL(stash_queries.PLUGIN_SETTINGS) == {"configuration": {"plugins": {}}}
    fake_stash.plugin_settings["PlexSync"] = {
        "plexToken": "t",
        "maxRetries": 3,
        "debugLogging": True,
    }
    result = stash.call_GQL(stash_queries.PLUGIN_SETTINGS)
    assert result["configuration"]["plugins"] == {
        "PlexSync": {"plexToken": "t", "maxRetries": 3, "debugLogging": True}
    }


# --------------------------------------------------------------------------- writing, images, faults


def test_scene_update_mutation_changes_the_scene_and_its_updated_at(
    fake_stash: FakeStash, library: dict[str, str], stash_clock: FakeClock, t0: datetime
) -> None:
    stash = connect(fake_stash)
    stash_clock.advance(60)
    stash.update_scene({"id": library["c"], "title": "Gamma 2", "urls": ["u"], "organized": True})

    scene = fake_stash.scene(library["c"])
    assert (scene["title"], scene["urls"], scene["organized"]) == ("Gamma 2", ["u"], True)
    assert scene["tags"] == ["Tag2"]  # untouched: not in the input
    assert scene["updated_at"] == stamp(t0 + timedelta(hours=1, seconds=60))


def test_screenshot_needs_the_plugins_credentials(fake_stash_auth: FakeStash) -> None:
    jpeg = b"\xff\xd8\xff\xe0fake-jpeg"
    first = fake_stash_auth.add_scene(title="x", screenshot=jpeg)
    second = fake_stash_auth.add_scene(title="y")
    stash = connect(fake_stash_auth)
    url = stash.find_scene(first)["paths"]["screenshot"]

    fake_stash_auth.clear_requests()
    image = stash.s.get(url, timeout=10)
    assert (image.status_code, image.content) == (200, jpeg)
    assert image.headers["Content-Type"] == "image/jpeg"
    (request,) = fake_stash_auth.requests
    assert (request.method, request.path, request.params["t"]) == (
        "GET",
        f"/scene/{first}/screenshot",
        url.rsplit("=", 1)[1],
    )
    assert request.cookies == {"session": fake_stash_auth.session_cookie}

    default = stash.s.get(stash.find_scene(second)["paths"]["screenshot"], timeout=10)
    assert (
        default.content == default_screenshot(second) == fake_stash_auth.scene(second)["screenshot"]
    )
    assert default.headers["Content-Type"] == "image/png"

    # Without credentials Stash sends the browser to its login page: a 200 HTML page
    # for a client that follows redirects, not an image.
    anonymous = requests.get(url, timeout=10, allow_redirects=False)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?returnURL=")
    followed = requests.get(url, timeout=10)
    assert (followed.status_code, followed.headers["Content-Type"]) == (200, "text/html")


def test_cover_image_mutation_replaces_the_screenshot(fake_stash: FakeStash) -> None:
    scene_id = fake_stash.add_scene(title="x")
    new_png = png_bytes(2, 2, (1, 2, 3))
    data_url = "data:image/png;base64," + base64.b64encode(new_png).decode()
    connect(fake_stash).update_scene({"id": scene_id, "cover_image": data_url})
    assert fake_stash.scene(scene_id)["screenshot"] == new_png


def test_invalid_documents_are_422_like_gqlgen(fake_stash: FakeStash) -> None:
    response = graphql(fake_stash, "{ findScenes { nope } }")
    assert response.status_code == 422
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    wrong_variable = graphql(fake_stash, stash_queries.FIND_SCENES_BY_ID, {"ids": {"a": 1}})
    assert wrong_variable.status_code == 422
    not_json = requests.post(fake_stash.graphql_url, data=b"{}", timeout=10)
    assert not_json.status_code == 400
    with pytest.raises(Exception, match="query failed"):
        connect(fake_stash).call_GQL("query Broken { findScenes { nope } }")


def test_injected_failures_and_latency(fake_stash: FakeStash) -> None:
    stash = connect(fake_stash)
    fake_stash.clear_requests()
    fake_stash.fail_next(1, 503, headers={"Retry-After": "1"})
    with pytest.raises(Exception, match="503"):
        stash.find_scenes()
    stash.find_scenes()
    assert [r.status for r in fake_stash.requests] == [503, 200]

    fake_stash.set_latency(0.2)
    started = time.monotonic()
    stash.find_scenes()
    assert time.monotonic() - started >= 0.2


def test_stop_drops_keep_alive_connections_and_start_restarts(fake_stash: FakeStash) -> None:
    stash = connect(fake_stash)
    port = fake_stash.port
    fake_stash.stop()
    with pytest.raises(requests.ConnectionError):
        stash.find_scenes()
    fake_stash.start()
    assert fake_stash.port == port
    assert stash.find_scenes() == []


def test_bulk_add_makes_a_large_library_that_pages_to_the_end(fake_stash: FakeStash) -> None:
    ids = fake_stash.bulk_add_scenes(100_000, performers=["P"], tags=["T"], studio="S")
    assert len(ids) == 100_000

    stash = connect(fake_stash)
    last = page(stash, per_page=1000, page=100, sort="id")
    assert last["count"] == 100_000
    assert ids_of(last)[-1] == ids[-1]
    assert last["scenes"][-1]["files"][0]["path"] == "/media/scene100000.mp4"


# --------------------------------------------------------------------------- standalone


def _read_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=deadline - time.monotonic()):
                return process.stdout.readline()
    raise AssertionError("the fake printed nothing before the deadline")


@pytest.fixture
def standalone() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fake_stash", "--scenes", "100"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)


def test_runs_standalone(standalone: subprocess.Popen[str]) -> None:
    line = _read_line(standalone, time.monotonic() + 20)
    url = line.split()[3]
    assert url.startswith("http://127.0.0.1:")
    response = requests.post(
        f"{url}/graphql", json={"query": "{ findScenes { count } }"}, timeout=10
    )
    assert response.json() == {"data": {"findScenes": {"count": 100}}}


def test_recorded_request_header_lookup_ignores_case() -> None:
    request = RecordedRequest("/graphql", None, None, None, {"ApiKey": "k"}, {})
    assert request.header("apikey") == "k"
    assert request.header("Cookie") is None
