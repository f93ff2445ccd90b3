"""Finding the Plex library whose folder holds a file (scanPlexFolders)."""

from __future__ import annotations

import pytest

from plex.library_folders import Holder, holding_section, parent_folder

SECTIONS = [
    ("1", ["/media"]),
    ("2", ["/media/videos", "/other"]),
    ("3", [r"D:\Videos", r"\\nas\share\clips"]),
]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/media/a.mp4", Holder("1", "/media")),
        ("/media/videos/x/a.mp4", Holder("2", "/media/videos")),
        ("/other/a.mp4", Holder("2", "/other")),
        (r"d:\videos\sub\a.mp4", Holder("3", r"D:\Videos")),
        ("D:/Videos/a.mp4", Holder("3", r"D:\Videos")),
        (r"\\NAS\share\clips\a.mp4", Holder("3", r"\\nas\share\clips")),
    ],
)
def test_the_longest_library_folder_holding_the_file_wins(path: str, expected: Holder) -> None:
    assert holding_section(path, SECTIONS) == expected


@pytest.mark.parametrize("path", ["/mediastore/a.mp4", "/srv/a.mp4", r"E:\Videos\a.mp4"])
def test_a_file_outside_every_library_folder_has_no_holder(path: str) -> None:
    assert holding_section(path, SECTIONS) is None


def test_posix_folders_are_case_sensitive() -> None:
    assert holding_section("/Media/a.mp4", SECTIONS) is None


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("/media/videos/a.mp4", "/media/videos"),
        (r"D:\Videos\Holiday\a.mp4", r"D:\Videos\Holiday"),
        (r"\\nas\share\a.mp4", r"\\nas\share"),
    ],
)
def test_parent_folder_keeps_the_path_style(path: str, folder: str) -> None:
    assert parent_folder(path) == folder
