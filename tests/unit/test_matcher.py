"""Which Plex item is this Stash scene? The matcher against a small in-memory index."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from plex.matcher import (
    HIGH,
    LOW,
    NONE,
    Candidate,
    MatchResult,
    SceneFiles,
    match_scene,
)
from plex.path_map import basename, fold
from validation.config import PathRule

MACHINE = "0123456789abcdef0123456789abcdef01234567"


class MemoryIndex:
    """The IndexView the matcher needs, over a list of (ratingKey, path, size)."""

    def __init__(self, files: Iterable[tuple[str, str, int]]) -> None:
        self.files = [Candidate(k, p, s) for k, p, s in files]

    def by_path(self, path: str) -> list[Candidate]:
        return [c for c in self.files if c.path == path]

    def by_folded(self, folded: str) -> list[Candidate]:
        return [c for c in self.files if fold(c.path) == folded]

    def by_basename(self, name: str) -> list[Candidate]:
        return [c for c in self.files if basename(c.path).casefold() == name]

    def has_key(self, rating_key: str) -> bool:
        return any(c.rating_key == rating_key for c in self.files)


INDEX = MemoryIndex(
    [
        ("101", "/media/videos/a.mp4", 1000),
        ("102", "/media/videos/b.mp4", 2000),
        ("123", "/media/other/c.mp4", 3000),
    ]
)
MAP = (PathRule(stash_prefix="/data", plex_prefix="/media"),)


def match(
    files: Iterable[tuple[str, int]],
    urls: Iterable[str] = (),
    index: MemoryIndex = INDEX,
    windows: bool = False,
    machine_id: str = MACHINE,
    rules: tuple[PathRule, ...] = MAP,
) -> MatchResult:
    return match_scene(SceneFiles(tuple(files), tuple(urls)), rules, index, windows, machine_id)


# Plex URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://plex:32400/library/metadata/123",
        "https://192.168.1.2:32400/library/metadata/123/children",
        f"https://app.plex.tv/desktop/#!/server/{MACHINE}/details?key=%2Flibrary%2Fmetadata%2F123",
        f"https://app.plex.tv/desktop/#!/server/{MACHINE.upper()}/details?key=%2Flibrary%2Fmetadata%2F123&context=x",
    ],
)
def test_plex_url_in_the_scene_is_a_sure_match(url: str) -> None:
    result = match([("/data/unknown.mp4", 1)], [url])
    assert result == MatchResult("123", HIGH, "Plex URL in the scene's URLs")


def test_plex_url_of_another_server_is_ignored() -> None:
    other = "f" * 40
    url = f"https://app.plex.tv/desktop/#!/server/{other}/details?key=%2Flibrary%2Fmetadata%2F123"
    result = match([("/data/videos/a.mp4", 1000)], [url])
    assert (result.rating_key, result.reason) == ("101", "same file path")


def test_plex_url_is_accepted_when_the_server_id_is_unknown() -> None:
    url = (
        f"https://app.plex.tv/desktop/#!/server/{'f' * 40}/details?key=%2Flibrary%2Fmetadata%2F123"
    )
    assert match([], [url], machine_id="").rating_key == "123"


def test_plex_url_for_an_item_not_in_the_index_falls_through_to_paths() -> None:
    result = match([("/data/videos/b.mp4", 2000)], ["http://plex:32400/library/metadata/999"])
    assert (result.rating_key, result.confidence) == ("102", HIGH)


def test_first_usable_url_wins_and_other_urls_are_ignored() -> None:
    urls = ["https://example.com/scene/5", "http://plex/library/metadata/101"]
    assert match([], urls).rating_key == "101"


# paths -------------------------------------------------------------------------------


def test_exact_mapped_path_is_a_sure_match() -> None:
    result = match([("/data/videos/a.mp4", 0)])
    assert (result.rating_key, result.confidence, result.reason) == ("101", HIGH, "same file path")


def test_path_is_not_folded_on_a_linux_server() -> None:
    result = match([("/data/VIDEOS/A.mp4", 7)])
    assert result.confidence == LOW  # only the file name matches, and not the size
    assert result.reason == "1 Plex items could be this scene (keys 101)"


def test_windows_server_folds_case_and_slashes() -> None:
    index = MemoryIndex([("7", "D:\\Media\\Videos\\Clip.MP4", 10)])
    rules = (PathRule(stash_prefix="/data", plex_prefix="D:\\Media"),)
    result = match([("/data/videos/clip.mp4", 0)], index=index, rules=rules, windows=True)
    assert result == MatchResult(
        "7",
        HIGH,
        "same file path (case and slashes folded)",
        (Candidate("7", "D:\\Media\\Videos\\Clip.MP4", 10),),
    )


def test_backslash_path_is_folded_even_without_knowing_the_platform() -> None:
    index = MemoryIndex([("7", "D:\\Media\\Clip.mp4", 10)])
    rules = (PathRule(stash_prefix="/data", plex_prefix="d:\\media"),)
    assert match([("/data/Clip.mp4", 0)], index=index, rules=rules).rating_key == "7"


def test_unique_file_name_with_the_same_size_is_a_sure_match() -> None:
    result = match([("/elsewhere/B.MP4", 2000)])
    assert (result.rating_key, result.confidence) == ("102", HIGH)
    assert result.reason == "unique file name with the same size"


def test_unique_file_name_with_another_size_is_low_confidence() -> None:
    result = match([("/elsewhere/b.mp4", 1999)])
    assert (result.rating_key, result.confidence) == ("102", LOW)
    assert result.reason == "1 Plex items could be this scene (keys 102)"


def test_unique_file_name_with_unknown_size_is_low_confidence() -> None:
    assert match([("/elsewhere/b.mp4", 0)]).confidence == LOW


def test_one_item_listing_the_file_twice_is_still_a_sure_match() -> None:
    index = MemoryIndex([("5", "/media/a.mp4", 1), ("5", "/media/a.mp4", 1)])
    assert match([("/data/a.mp4", 1)], index=index).confidence == HIGH


def test_two_items_with_the_same_path_are_low_confidence() -> None:
    index = MemoryIndex([("5", "/media/a.mp4", 1), ("6", "/media/a.mp4", 1)])
    result = match([("/data/a.mp4", 1)], index=index)
    assert (result.confidence, result.rating_key) == (LOW, "5")
    assert result.reason == "2 Plex items could be this scene (keys 5, 6)"


# duplicate file names: ranking -----------------------------------------------------


def test_duplicate_file_names_are_low_confidence_and_list_every_candidate() -> None:
    index = MemoryIndex(
        [("30", "/m/x/clip.mp4", 5), ("4", "/m/y/clip.mp4", 5), ("200", "/m/z/clip.mp4", 9)]
    )
    result = match([("/data/q/clip.mp4", 5)], index=index)
    assert result.confidence == LOW
    assert result.reason == "3 Plex items could be this scene (keys 4, 30, 200)"
    assert {c.rating_key for c in result.candidates} == {"4", "30", "200"}


def test_ranking_prefers_the_same_size() -> None:
    index = MemoryIndex([("1", "/m/a/clip.mp4", 5), ("2", "/m/b/clip.mp4", 9)])
    result = match([("/data/q/clip.mp4", 9)], index=index)
    assert [c.rating_key for c in result.candidates] == ["2", "1"]
    assert result.rating_key == "2"


def test_ranking_then_prefers_the_longest_common_path_suffix() -> None:
    index = MemoryIndex(
        [
            ("1", "/m/other/clip.mp4", 9),
            ("2", "/m/show/s01/clip.mp4", 9),
            ("3", "/x/s01/clip.mp4", 9),
        ]
    )
    result = match([("/data/show/s01/clip.mp4", 9)], index=index, rules=())
    assert [c.rating_key for c in result.candidates] == ["2", "3", "1"]


def test_ranking_then_prefers_the_lowest_rating_key_numerically() -> None:
    index = MemoryIndex([("30", "/m/a/clip.mp4", 9), ("4", "/m/b/clip.mp4", 9)])
    result = match([("/data/q/clip.mp4", 9)], index=index)
    assert result.rating_key == "4"


def test_ranking_compares_path_suffixes_case_insensitively() -> None:
    index = MemoryIndex([("1", "/a/OTHER/x.mp4", 1), ("2", "/a/SHOW/x.mp4", 1)])
    result = match([("/b/show/x.mp4", 1)], index=index)
    assert [c.rating_key for c in result.candidates] == ["2", "1"]


# multi-file scenes, nothing found ----------------------------------------------------


def test_second_file_of_a_multi_file_scene_can_match() -> None:
    result = match([("/data/missing.mp4", 1), ("/data/other/c.mp4", 3000)])
    assert (result.rating_key, result.confidence) == ("123", HIGH)


def test_sure_match_on_a_later_file_beats_an_unsure_one_on_the_first() -> None:
    index = MemoryIndex(
        [("1", "/m/a/clip.mp4", 1), ("2", "/m/b/clip.mp4", 1), ("3", "/media/real.mp4", 1)]
    )
    result = match([("/data/z/clip.mp4", 1), ("/data/real.mp4", 1)], index=index)
    assert (result.rating_key, result.confidence) == ("3", HIGH)


def test_candidates_of_a_later_file_are_ranked_against_that_file() -> None:
    index = MemoryIndex([("5", "/other/part2.mp4", 999), ("9", "/lib/part2.mp4", 200)])
    result = match([("/data/part1.mp4", 100), ("/data/part2.mp4", 200)], index=index, rules=())
    assert result.confidence == LOW
    assert result.rating_key == "9"  # the same size as the file it was found for


def test_scene_without_files_or_urls_matches_nothing() -> None:
    assert match([]) == MatchResult(None, NONE, "the scene has no files")


def test_unknown_file_matches_nothing_and_names_the_mapped_path() -> None:
    result = match([("/data/nowhere/zzz.mp4", 1)])
    assert result == MatchResult(None, NONE, "no Plex item has the file /media/nowhere/zzz.mp4")
