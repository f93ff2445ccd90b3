"""Hostile and unusual metadata, end to end: what the user sees in Plex."""

from __future__ import annotations

import pytest

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until

TITLES = {
    "emoji": "Beach day 🏖️🌊 with friends 👩‍👩‍👧",
    "rtl": "שלום עולם مرحبا بالعالم",
    "quotes": "He said \"don't\" — 'fine'",
    "url-specials": "Tom & Jerry 100% + more #1 ?a=b",
    "long": ("word " * 200).strip(),
    "control": "bad\x00title\x07 with\x1b controls",
}


@pytest.mark.parametrize("case", sorted(TITLES))
def test_unusual_titles_arrive_in_plex_readable(plugin_env: PluginEnv, case: str) -> None:
    path = f"/media/edge/{case}.mp4"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(
        title=TITLES[case],
        files=[(path, 1)],
        tags=["Rock, Paper", "AC/DC", "50% off"],
        performers=["O'Brien, Jr."],
    )
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: plugin_env.plex.item(key).title != "x", message="the sync")
    plugin_env.wait_idle()
    item = plugin_env.plex.item(key)
    if case == "control":
        assert item.title == "badtitle with controls"
    elif case == "long":
        assert (
            len(item.title) <= 255
            and item.title.endswith("…")
            and item.title.startswith("word word")
        )
    else:
        assert item.title == TITLES[case]
    assert sorted(item.genres) == ["50% off", "AC/DC", "Rock, Paper"]
    assert item.actors == ["O'Brien, Jr."]


def test_removed_tag_with_a_comma_is_removed_from_plex(plugin_env: PluginEnv) -> None:
    path = "/media/edge/tags.mp4"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(
        title="Tags", files=[(path, 1)], tags=["Rock, Paper", "Keep"]
    )
    plugin_env.hook(scene_id, fields=["tag_ids"])
    plugin_env.wait_idle()
    plugin_env.stash.update_scene(scene_id, tags=[])
    plugin_env.hook(scene_id, fields=["tag_ids"])
    wait_until(lambda: plugin_env.plex.item(key).genres == [], message="every tag removed")


def test_emptied_title_plexsync_wrote_goes_back_to_the_file_name(plugin_env: PluginEnv) -> None:
    path = "/media/edge/My Holiday 2023.mkv"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(title="Holiday", files=[(path, 1)], tags=["Beach"])
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: plugin_env.plex.item(key).title == "Holiday", message="Stash title")
    plugin_env.stash.update_scene(scene_id, title="")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "My Holiday 2023", message="file-name title"
    )


def test_empty_title_never_replaces_a_title_plex_already_has(plugin_env: PluginEnv) -> None:
    path = "/media/edge/untitled.mkv"
    key = plugin_env.plex.add_item("1", "Agent Title", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(title="", files=[(path, 1)], tags=["HD"])
    plugin_env.hook(scene_id, fields=["tag_ids"])
    wait_until(lambda: plugin_env.plex.item(key).genres == ["HD"], message="the tag")
    assert plugin_env.plex.item(key).title == "Agent Title"


def test_scene_without_files_is_skipped_with_a_reason(plugin_env: PluginEnv) -> None:
    scene_id = plugin_env.stash.add_scene(title="No files")
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    assert any("has no files" in line for line in plugin_env.log_file_lines())


def test_two_scenes_on_one_plex_item_both_sync_without_error(plugin_env: PluginEnv) -> None:
    path = "/media/edge/shared.mp4"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    first = plugin_env.stash.add_scene(title="First", files=[(path, 1)])
    second = plugin_env.stash.add_scene(title="Second", files=[(path, 1)])
    plugin_env.hook(first, fields=["title"])
    plugin_env.wait_idle()
    plugin_env.hook(second, fields=["title"])
    plugin_env.wait_idle()
    assert plugin_env.plex.item(key).title == "Second"
    assert plugin_env.task("queue_status").output["dead_letters"] == 0


def test_plex_item_deleted_while_its_job_waits_is_retried_as_not_found(
    plugin_env: PluginEnv,
) -> None:
    path = "/media/edge/deleted.mp4"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(title="Deleted", files=[(path, 1)])
    plugin_env.task("sync_all")
    plugin_env.plex.delete_item(key)
    plugin_env.stash.update_scene(scene_id, title="Deleted 2")
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: any("not in Plex" in line for line in plugin_env.log_file_lines()),
        message="the not-found log line",
    )
    new_key = plugin_env.plex.add_item("1", "re-added", [(path, 1)])
    wait_until(
        lambda: plugin_env.plex.item(new_key).title == "Deleted 2", 60, message="the re-added item"
    )


def test_multi_file_scene_matches_on_its_second_file(plugin_env: PluginEnv) -> None:
    key = plugin_env.plex.add_item("1", "x", [("/media/edge/part2.mp4", 2)])
    scene_id = plugin_env.stash.add_scene(
        title="Two parts", files=[("/media/edge/part1.mp4", 1), ("/media/edge/part2.mp4", 2)]
    )
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Two parts", message="match on the second file"
    )


def test_stash_plex_agent_url_wins_over_paths(plugin_env: PluginEnv) -> None:
    key = plugin_env.plex.add_item("1", "x", [("/plex/only/sees/this.mp4", 5)])
    url = f"https://app.plex.tv/desktop#!/server/{plugin_env.plex.machine_id}/details?key=%2Flibrary%2Fmetadata%2F{key}"
    scene_id = plugin_env.stash.add_scene(
        title="By URL", files=[("/stash/path.mp4", 5)], urls=[url]
    )
    plugin_env.hook(scene_id, fields=["urls"])
    wait_until(lambda: plugin_env.plex.item(key).title == "By URL", message="match by Plex URL")


def test_windows_plex_server_with_path_map_and_different_case(plugin_env: PluginEnv) -> None:
    plugin_env.plex.set_platform("Windows")
    section = plugin_env.plex.add_section("Windows Movies", location="D:\\Videos")
    key = plugin_env.plex.add_item(section, "x", [("D:\\Videos\\Holiday\\Beach.MP4", 3)])
    plugin_env.settings(pathMap="/data/videos=>d:\\videos")
    scene_id = plugin_env.stash.add_scene(
        title="Windows", files=[("/data/videos/Holiday/Beach.mp4", 3)]
    )
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(lambda: plugin_env.plex.item(key).title == "Windows", message="the Windows match")


def test_ambiguous_match_is_skipped_then_synced_when_allowed(plugin_env: PluginEnv) -> None:
    a = plugin_env.plex.add_item("1", "a", [("/media/one/dup.mp4", 4)])
    plugin_env.plex.add_item("1", "b", [("/media/two/dup.mp4", 5)])
    scene_id = plugin_env.stash.add_scene(title="Ambiguous", files=[("/stash/x/one/dup.mp4", 4)])
    plugin_env.hook(scene_id, fields=["title"])
    plugin_env.wait_idle()
    assert any(
        "ambiguous match" in line and "allowAmbiguousMatch" in line
        for line in plugin_env.log_file_lines()
    )
    plugin_env.settings(allowAmbiguousMatch=True)
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(a).title == "Ambiguous",
        message="the best candidate (same size)",
    )


def test_stash_401_fails_the_task_clearly_and_the_next_hook_syncs(
    plugin_env: PluginEnv,
) -> None:
    path = "/media/edge/auth.mp4"
    key = plugin_env.plex.add_item("1", "x", [(path, 1)])
    scene_id = plugin_env.stash.add_scene(title="Auth", files=[(path, 1)])
    plugin_env.stash.fail_next(1, 401)
    run = plugin_env.task("process_queue")
    assert run.returncode == 1
    assert "401" in run.error and "Stash" in run.error
    plugin_env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: plugin_env.plex.item(key).title == "Auth",
        message="the sync after Stash accepts again",
    )


def test_worker_refused_by_stash_leaves_jobs_queued_with_one_clear_line(
    plugin_env: PluginEnv,
) -> None:
    plugin_env.hook(5, fields=["title"], PLEXSYNC_NO_WORKER="1")
    plugin_env.stash.fail_next(1, 401)
    plugin_env.hook(5, fields=["title"])
    wait_until(
        lambda: [line for line in plugin_env.log_file_lines() if "worker not started" in line],
        message="the worker's log line",
    )
    [line] = [line for line in plugin_env.log_file_lines() if "worker not started" in line]
    assert "401" in line and "jobs stay queued" in line
    assert plugin_env.open_jobs() == 2
