"""A Stash scene as the validated, sanitized metadata PlexSync sends to Plex."""

from __future__ import annotations

from typing import Any

import pytest

from validation.config import ALL_SYNC_FIELDS, Settings, load_settings
from validation.metadata import (
    InvalidMetadata,
    SceneFile,
    SceneMetadata,
    file_stem,
    scene_to_metadata,
)

SETTINGS = load_settings({"plexToken": "TOKEN-SECRET-123"}, env={})
CLEAN = load_settings({"plexToken": "TOKEN-SECRET-123", "cleanTitles": "true"}, env={})


def scene(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 12,
        "title": "A Title",
        "date": "2021-03-04",
        "details": "Some details",
        "director": "Jane Roe",
        "rating100": 85,
        "organized": True,
        "studio": {"name": "Acme"},
        "performers": [{"name": "Ann"}, {"name": "Bob"}],
        "tags": [{"name": "Outdoor"}, {"name": "HD"}],
        "files": [{"path": "/data/videos/a.mp4", "size": 1234}],
        "urls": ["https://example.com/x"],
        "paths": {"screenshot": "http://stash/scene/12/screenshot"},
    }
    return {**base, **values}


def meta(settings: Settings = SETTINGS, **values: Any) -> SceneMetadata:
    return scene_to_metadata(scene(**values), settings)


def test_full_scene_maps_every_field() -> None:
    m = meta()
    assert m.scene_id == "12"
    assert m.title == "A Title"
    assert (m.date, m.year) == ("2021-03-04", 2021)
    assert m.summary == "Some details"
    assert m.studio == "Acme"
    assert m.performers == ("Ann", "Bob")
    assert m.tags == ("Outdoor", "HD")
    assert m.director == "Jane Roe"
    assert m.rating == 8.5
    assert m.organized is True
    assert m.files == (SceneFile(path="/data/videos/a.mp4", size=1234),)
    assert m.urls == ("https://example.com/x",)
    assert m.screenshot_url == "http://stash/scene/12/screenshot"


def test_minimal_scene_has_empty_values() -> None:
    m = scene_to_metadata({"id": "3"}, SETTINGS)
    assert (m.title, m.date, m.year, m.summary, m.studio) == ("", None, None, "", "")
    assert (m.performers, m.tags, m.director, m.rating, m.files) == ((), (), "", None, ())
    assert m.organized is False


@pytest.mark.parametrize(
    ("path", "stem"),
    [
        ("/data/videos/My Scene.mp4", "My Scene"),
        ("/data/a.b/My.Scene.part1.mkv", "My.Scene.part1"),
        ("C:\\Videos\\Windows Scene.wmv", "Windows Scene"),
        ("\\\\nas\\share\\UNC Scene.mp4", "UNC Scene"),
        ("/data/no_extension", "no_extension"),
        ("/data/.hidden", ".hidden"),
    ],
)
def test_empty_title_falls_back_to_the_file_name_without_extension(path: str, stem: str) -> None:
    assert file_stem(path) == stem
    assert meta(title="", files=[{"path": path, "size": 1}]).title == stem
    assert meta(title=None, files=[{"path": path}]).title == stem


def test_title_fallback_uses_the_first_file_with_a_path() -> None:
    m = meta(title="  ", files=[{"path": ""}, {"path": "/x/second.mp4", "size": 5}])
    assert m.title == "second"
    assert m.files == (SceneFile(path="/x/second.mp4", size=5),)


def test_title_is_sanitized() -> None:
    assert meta(title="  Two\nLines\x00 ").title == "Two Lines"


def test_clean_titles_transliterates_to_ascii() -> None:
    assert meta(CLEAN, title="Cr\u00e8me \u65e5\u672c").title == "Creme Ri Ben"
    assert meta(title="Cr\u00e8me").title == "Cr\u00e8me"


def test_clean_titles_also_applies_to_the_file_name_fallback() -> None:
    assert meta(CLEAN, title="", files=[{"path": "/v/\u00c9t\u00e9.mp4"}]).title == "Ete"


@pytest.mark.parametrize("date", ["2021-13-01", "yesterday", "2021-02-30"])
def test_invalid_date_is_invalid_metadata_naming_the_field(date: str) -> None:
    with pytest.raises(InvalidMetadata, match=rf"^invalid date: '{date}' is not a date"):
        meta(date=date)


@pytest.mark.parametrize("date", ["1799-12-31", "2201-01-01"])
def test_date_outside_plex_years_is_invalid_metadata(date: str) -> None:
    with pytest.raises(InvalidMetadata, match=r"^invalid date: .*outside the years Plex accepts"):
        meta(date=date)


@pytest.mark.parametrize("date", [None, ""])
def test_missing_date_is_none(date: str | None) -> None:
    assert meta(date=date).date is None


def test_date_is_trimmed() -> None:
    assert meta(date=" 2020-01-02 ").date == "2020-01-02"


@pytest.mark.parametrize(
    ("rating100", "rating"), [(0, 0.0), (1, 0.1), (55, 5.5), (100, 10.0), (None, None)]
)
def test_rating100_becomes_plex_user_rating_out_of_ten(rating100: Any, rating: Any) -> None:
    assert meta(rating100=rating100).rating == rating


@pytest.mark.parametrize("rating100", [101, -1])
def test_rating100_out_of_range_is_invalid_metadata_naming_the_field(rating100: int) -> None:
    with pytest.raises(InvalidMetadata, match=r"^invalid rating: .*rating100 must be 0-100"):
        meta(rating100=rating100)


def test_performer_and_tag_names_are_cleaned_and_deduplicated() -> None:
    m = meta(performers=[{"name": "Ann"}, {"name": "ann"}, {"name": None}, {}], tags=[])
    assert m.performers == ("Ann",)
    assert m.tags == ()


def test_non_text_urls_are_ignored() -> None:
    assert meta(urls=["https://a", None, 5]).urls == ("https://a",)


def test_missing_studio_is_empty() -> None:
    assert meta(studio=None).studio == ""


# fingerprint ---------------------------------------------------------------------------


def test_fingerprint_is_stable_across_calls_and_field_order() -> None:
    fields = ("title", "date", "tags")
    assert meta().fingerprint(fields) == meta().fingerprint(fields)
    assert meta().fingerprint(fields) == meta().fingerprint(("tags", "title", "date"))
    assert len(meta().fingerprint(fields)) == 64


CHANGES: dict[str, dict[str, Any]] = {
    "title": {"title": "Other"},
    "date": {"date": "2022-01-01"},
    "summary": {"details": "Other details"},
    "studio": {"studio": {"name": "Other"}},
    "performers": {"performers": [{"name": "Ann"}]},
    "tags": {"tags": [{"name": "HD"}, {"name": "Outdoor"}]},
    "director": {"director": "Someone"},
    "rating": {"rating100": 20},
    "studioCollection": {"studio": {"name": "Other"}},
}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_fingerprint_changes_when_a_synced_field_changes(field: str) -> None:
    assert meta(**CHANGES[field]).fingerprint((field,)) != meta().fingerprint((field,))


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_fingerprint_ignores_changes_to_fields_that_are_not_synced(field: str) -> None:
    others = tuple(
        f
        for f in ALL_SYNC_FIELDS
        if f != field and not {field, f} <= {"studio", "studioCollection"}
    )
    assert meta(**CHANGES[field]).fingerprint(others) == meta().fingerprint(others)


def test_fingerprint_ignores_unsynced_scene_data() -> None:
    fields = tuple(f for f in ALL_SYNC_FIELDS if f != "poster")
    other = meta(
        organized=False,
        files=[{"path": "/elsewhere.mp4", "size": 9}],
        urls=[],
        paths={"screenshot": "http://other"},
    )
    assert other.fingerprint(fields) == meta().fingerprint(fields)


def test_a_new_cover_changes_the_fingerprint_only_when_posters_are_synced() -> None:
    before = meta(paths={"screenshot": "http://stash:9999/scene/12/screenshot?t=1700000000"})
    after = meta(paths={"screenshot": "http://stash:9999/scene/12/screenshot?t=1700000500"})
    assert after.fingerprint(("title", "poster")) != before.fingerprint(("title", "poster"))
    assert after.fingerprint(("title",)) == before.fingerprint(("title",))


def test_reaching_stash_by_another_address_keeps_the_fingerprint() -> None:
    local = meta(paths={"screenshot": "http://localhost:9999/scene/12/screenshot?t=17"})
    lan = meta(paths={"screenshot": "https://nas.lan/stash/scene/12/screenshot?t=17"})
    assert local.fingerprint(ALL_SYNC_FIELDS) == lan.fingerprint(ALL_SYNC_FIELDS)


def test_fingerprint_depends_on_which_fields_are_synced() -> None:
    assert meta().fingerprint(("title",)) != meta().fingerprint(("title", "date"))
