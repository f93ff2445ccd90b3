"""Stash's silence is not an instruction to erase (CONTRACT §6), and scanPlexFolders (§3).

A Plex library filled by an agent meets a Stash library that a scan just created:
nothing in Plex may be lost, and what Stash learns later replaces only what it knows.
"""

from __future__ import annotations

import json

import pytest

from hooks.handler import handle_hook
from tests.conftest import PluginEnv
from tests.plugin_runner import hook_input, wait_until

AGENT = {
    "summary": "The agent's summary",
    "studio": "Agent Studio",
    "genres": ["Drama"],
    "actors": ["Agent Actor"],
    "originallyAvailableAt": "2001-02-03",
    "year": 2001,
}


def _agent_item(env: PluginEnv, path: str, title: str = "Agent Title") -> str:
    return env.plex.add_item("1", title, [(path, 100)], **AGENT)


def _shown(env: PluginEnv, key: str) -> dict:
    item = env.plex.item(key)
    return {
        "title": item.title,
        "summary": item.summary,
        "studio": item.studio,
        "date": item.originallyAvailableAt,
        "genres": sorted(item.genres),
        "actors": sorted(item.actors),
        "poster_uploads": item.poster_uploads,
        "locked": sorted(item.locked),
    }


def _writes(env: PluginEnv) -> list:
    return [r for r in env.plex.requests if r.method in ("PUT", "POST", "DELETE")]


def test_a_stash_scan_over_an_agent_tagged_library_changes_nothing_in_plex(
    plugin_env: PluginEnv,
) -> None:
    keys, scenes = [], []
    for i in range(3):
        path = f"/media/agent/film{i}.mp4"
        keys.append(_agent_item(plugin_env, path))
        scenes.append(plugin_env.stash.add_scene(files=[(path, 100)]))
    before = [_shown(plugin_env, k) for k in keys]
    for scene_id in scenes:
        assert plugin_env.hook(scene_id, hook_type="Scene.Create.Post").output == "queued"
    plugin_env.wait_idle()
    run = plugin_env.task("sync_all")
    assert run.output["skipped_no_metadata"] == 3
    assert run.output["queued"] == 0
    assert [_shown(plugin_env, k) for k in keys] == before
    assert _writes(plugin_env) == []
    assert any("skipped: no metadata in Stash yet" in line for line in plugin_env.log_file_lines())


def test_a_title_and_tags_added_later_replace_those_two_only(plugin_env: PluginEnv) -> None:
    path = "/media/agent/later.mp4"
    key = _agent_item(plugin_env, path)
    scene_id = plugin_env.stash.add_scene(files=[(path, 100)])
    plugin_env.hook(scene_id, hook_type="Scene.Create.Post")
    plugin_env.wait_idle()
    plugin_env.stash.update_scene(scene_id, title="Stash Title", tags=["HD", "Outdoor"])
    plugin_env.hook(scene_id, fields=["title", "tag_ids"])
    wait_until(lambda: plugin_env.plex.item(key).title == "Stash Title", message="the title")
    plugin_env.wait_idle()
    shown = _shown(plugin_env, key)
    assert shown["genres"] == ["HD", "Outdoor"]
    assert (shown["summary"], shown["studio"], shown["date"]) == (
        AGENT["summary"],
        AGENT["studio"],
        AGENT["originallyAvailableAt"],
    )
    assert shown["actors"] == ["Agent Actor"]
    assert {"title", "genre"} <= set(shown["locked"])
    assert "summary" not in shown["locked"]


def test_clearing_a_field_plexsync_wrote_clears_it_in_plex(plugin_env: PluginEnv) -> None:
    path = "/media/agent/cleared.mp4"
    key = _agent_item(plugin_env, path)
    scene_id = plugin_env.stash.add_scene(files=[(path, 100)], title="T", details="Ours")
    plugin_env.hook(scene_id, fields=["details"])
    wait_until(lambda: plugin_env.plex.item(key).summary == "Ours", message="our summary")
    plugin_env.wait_idle()
    plugin_env.stash.update_scene(scene_id, details="")
    plugin_env.hook(scene_id, fields=["details"])
    wait_until(lambda: plugin_env.plex.item(key).summary == "", message="the cleared summary")
    assert "summary" in plugin_env.plex.item(key).locked  # a refresh must not bring it back


def test_an_empty_tag_list_removes_only_the_tags_plexsync_wrote(plugin_env: PluginEnv) -> None:
    path = "/media/agent/tags.mp4"
    key = _agent_item(plugin_env, path)
    scene_id = plugin_env.stash.add_scene(files=[(path, 100)], title="T", tags=["Ours"])
    plugin_env.hook(scene_id, fields=["tag_ids"])
    wait_until(lambda: plugin_env.plex.item(key).genres == ["Ours"], message="Stash's tags")
    plugin_env.wait_idle()
    plugin_env.plex.item(key).genres.append("Added in Plex")
    plugin_env.stash.update_scene(scene_id, tags=[])
    plugin_env.hook(scene_id, fields=["tag_ids"])
    wait_until(
        lambda: plugin_env.plex.item(key).genres == ["Added in Plex"], message="ours removed"
    )
    assert plugin_env.plex.item(key).actors == ["Agent Actor"]  # Stash never had performers


def test_a_scan_storm_of_1000_new_empty_scenes_sends_nothing_to_plex(
    plugin_env: PluginEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = plugin_env.plex.bulk_add_items("1", 1000, "/media/storm/clip{i:04d}.mp4")
    scenes = [
        plugin_env.stash.add_scene(files=[(f"/media/storm/clip{i:04d}.mp4", 1_000_000 + i)])
        for i in range(1000)
    ]
    monkeypatch.setenv("STASH_PLUGIN_DATA", str(plugin_env.data_dir))
    monkeypatch.setenv("PLEXSYNC_NO_WORKER", "1")
    for scene_id in scenes:  # the hook's own code, in-process: 1,000 processes add nothing here
        assert handle_hook(hook_input(plugin_env.connection, scene_id, "Scene.Create.Post")) == (
            "queued"
        )
    run = plugin_env.task("process_queue")
    assert run.output["skipped_no_metadata"] == 1000
    assert (run.output["failed"], run.output["dead_lettered"]) == (0, 0)
    assert _writes(plugin_env) == []
    assert len(plugin_env.plex.requests) <= 10
    assert plugin_env.plex.item(keys[0]).title == "Scene 000000"


# scanPlexFolders ---------------------------------------------------------------------


def _unscanned_scene(env: PluginEnv, path: str, title: str) -> tuple[str, str]:
    key = env.plex.add_item("1", "x", [(path, 100)], hidden=True)
    return env.stash.add_scene(files=[(path, 100)], title=title), key


def test_a_file_plex_has_not_scanned_is_synced_after_one_scan_of_its_folder(
    plugin_env: PluginEnv,
) -> None:
    plugin_env.settings(scanPlexFolders=True)
    a, key_a = _unscanned_scene(plugin_env, "/media/new/a.mp4", "New A")
    b, key_b = _unscanned_scene(plugin_env, "/media/new/b.mp4", "New B")
    plugin_env.hook(a, hook_type="Scene.Create.Post")
    plugin_env.hook(b, hook_type="Scene.Create.Post")
    wait_until(
        lambda: (
            plugin_env.plex.item(key_a).title == "New A"
            and plugin_env.plex.item(key_b).title == "New B"
        ),
        timeout=15,
        message="both new files synced after the folder scan",
    )
    assert plugin_env.plex.scans == [("1", "/media/new")]


def test_without_scan_plex_folders_plexsync_never_asks_plex_to_scan(
    plugin_env: PluginEnv,
) -> None:
    scene_id, _key = _unscanned_scene(plugin_env, "/media/new/c.mp4", "New C")
    plugin_env.hook(scene_id, hook_type="Scene.Create.Post")
    wait_until(
        lambda: any("not in Plex" in line for line in plugin_env.log_file_lines()),
        message="the scene to wait for Plex's own scan",
    )
    assert plugin_env.plex.scans == []


def test_a_folder_no_library_holds_is_reported_once_with_the_fix(plugin_env: PluginEnv) -> None:
    plugin_env.settings(scanPlexFolders=True)
    scenes = [
        plugin_env.stash.add_scene(files=[(f"/elsewhere/{name}.mp4", 1)], title=name)
        for name in ("d", "e")
    ]
    for scene_id in scenes:
        plugin_env.hook(scene_id)

    def messages() -> list[str]:
        return [json.loads(line)["msg"] for line in plugin_env.log_file_lines()]

    wait_until(
        lambda: all(
            any(f"scene {s} " in m and "no Plex library holds its folder" in m for m in messages())
            for s in scenes
        ),
        message="both scenes to wait as not in Plex",
    )
    reports = [m for m in messages() if m.startswith("no Plex library holds the folder")]
    assert len(reports) == 1
    assert "pathMap" in reports[0]
    assert "/elsewhere" in reports[0]
    assert plugin_env.plex.scans == []
