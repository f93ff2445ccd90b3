"""Translating Stash paths to Plex paths and back with the pathMap rules."""

from __future__ import annotations

import pytest

from plex.path_map import basename, fold, is_windows_path, map_path
from validation.config import PathRule


def rules(*pairs: tuple[str, str]) -> tuple[PathRule, ...]:
    return tuple(PathRule(stash_prefix=s, plex_prefix=p) for s, p in pairs)


def test_path_without_a_matching_rule_is_unchanged() -> None:
    assert map_path("/other/a.mp4", rules(("/data", "/media"))) == "/other/a.mp4"
    assert map_path("/data/a.mp4", ()) == "/data/a.mp4"


def test_prefix_is_replaced() -> None:
    assert map_path("/data/videos/a.mp4", rules(("/data", "/media"))) == "/media/videos/a.mp4"


def test_longest_matching_prefix_wins_whatever_the_rule_order() -> None:
    forward = rules(("/data", "/media"), ("/data/special", "/special"))
    assert map_path("/data/special/a.mp4", forward) == "/special/a.mp4"
    assert map_path("/data/special/a.mp4", tuple(reversed(forward))) == "/special/a.mp4"
    assert map_path("/data/other/a.mp4", forward) == "/media/other/a.mp4"


@pytest.mark.parametrize("path", ["/database/a.mp4", "/data2/a.mp4", "/dat/a.mp4"])
def test_prefix_matches_whole_path_components_only(path: str) -> None:
    assert map_path(path, rules(("/data", "/media"))) == path


def test_prefix_equal_to_the_whole_path_maps_to_the_other_prefix() -> None:
    assert map_path("/data", rules(("/data", "/media"))) == "/media"


@pytest.mark.parametrize("stash", ["/data", "/data/", "\\data"])
@pytest.mark.parametrize("plex", ["/media", "/media/"])
def test_trailing_slashes_in_rules_do_not_matter(stash: str, plex: str) -> None:
    assert map_path("/data/v/a.mp4", rules((stash, plex))) == "/media/v/a.mp4"


def test_posix_stash_to_windows_plex_uses_backslashes() -> None:
    assert map_path("/data/v/a.mp4", rules(("/data", "D:\\Media"))) == "D:\\Media\\v\\a.mp4"


def test_windows_stash_to_posix_plex_uses_slashes() -> None:
    assert map_path("D:\\Media\\v\\a.mp4", rules(("D:\\Media", "/data"))) == "/data/v/a.mp4"


def test_windows_rule_written_with_forward_slashes_still_matches() -> None:
    assert map_path("D:\\Media\\a.mp4", rules(("D:/Media", "/data"))) == "/data/a.mp4"


@pytest.mark.parametrize("path", ["d:\\media\\a.mp4", "D:\\MEDIA\\a.mp4", "d:/Media/a.mp4"])
def test_windows_drive_and_folders_match_case_insensitively(path: str) -> None:
    assert map_path(path, rules(("D:\\Media", "/data"))) == "/data/a.mp4"


def test_posix_prefixes_are_case_sensitive() -> None:
    assert map_path("/Data/a.mp4", rules(("/data", "/media"))) == "/Data/a.mp4"


def test_unc_share_prefix() -> None:
    mapped = map_path("\\\\nas\\share\\v\\a.mp4", rules(("\\\\nas\\share", "/mnt/nas")))
    assert mapped == "/mnt/nas/v/a.mp4"


def test_root_prefixes() -> None:
    assert map_path("/a.mp4", rules(("/", "/media"))) == "/media/a.mp4"
    assert map_path("/data/a.mp4", rules(("/data", "/"))) == "/a.mp4"
    assert map_path("/data/a.mp4", rules(("/data", "C:\\"))) == "C:\\a.mp4"


@pytest.mark.parametrize(
    ("stash_path", "pairs"),
    [
        ("/data/videos/a.mp4", (("/data", "/media"),)),
        ("/data/videos/a.mp4", (("/data", "D:\\Media"),)),
        ("D:\\Media\\v\\a.mp4", (("D:\\Media", "/data"),)),
        ("/data/special/a.mp4", (("/data", "/media"), ("/data/special", "/special"))),
    ],
)
def test_a_mapped_path_keeps_its_file_name(
    stash_path: str, pairs: tuple[tuple[str, str], ...]
) -> None:
    mapped = map_path(stash_path, rules(*pairs))
    assert (
        mapped.replace("\\", "/").rsplit("/", 1)[-1]
        == stash_path.replace("\\", "/").rsplit("/", 1)[-1]
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [("D:\\x", True), ("c:/x", True), ("\\\\nas\\s", True), ("a\\b", True), ("/a/b", False)],
)
def test_is_windows_path(path: str, expected: bool) -> None:
    assert is_windows_path(path) is expected


def test_fold_and_basename_handle_both_slash_styles() -> None:
    assert fold("D:\\Media\\A.MP4") == "d:/media/a.mp4"
    assert basename("D:\\Media\\A.mp4") == "A.mp4"
    assert basename("/data/x/b.mkv") == "b.mkv"
