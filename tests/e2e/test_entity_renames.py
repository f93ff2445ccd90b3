"""Renamed performers, tags and studios, and merged tags, reach Plex through their own hooks.

Stash fires no scene hook for these, so without them Plex kept the old names until
the next full sync. Every test syncs first with a task, then only runs the hook
Stash would run, and waits for the background worker.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import PluginEnv
from tests.plugin_runner import PluginRun, run_plugin, wait_until


def _library(env: PluginEnv, scenes: list[dict[str, Any]]) -> list[str]:
    """One Plex item per scene, synced once by a task; returns the items' keys."""
    keys = []
    for n, fields in enumerate(scenes):
        path = f"/media/rename/{n}.mp4"
        keys.append(env.plex.add_item("1", f"file {n}", [(path, 100 + n)]))
        env.stash.add_scene(title=f"Scene {n}", files=[(path, 100 + n)], **fields)
    run = env.task("sync_all")
    assert run.returncode == 0, run.stderr
    assert run.output["synced"] == len(scenes), run.output
    return keys


def _entity_hook(
    env: PluginEnv,
    entity_id: str,
    hook_type: str,
    fields: list[str] | None,
    input_: dict[str, Any] | None,
) -> PluginRun:
    context: dict[str, Any] = {"id": int(entity_id), "type": hook_type}
    if fields is not None:
        context["inputFields"] = fields
    if input_ is not None:
        context["input"] = input_
    payload = {"server_connection": env.connection, "args": {"hookContext": context}}
    run = run_plugin(payload, env.env, env.cwd)
    assert run.returncode == 0, run.stderr
    return run


def _puts(env: PluginEnv) -> list[str]:
    return [r.query["id"][0] for r in env.plex.requests if r.method == "PUT"]


def test_renamed_performer_shows_in_plex_on_every_scene_of_theirs(plugin_env: PluginEnv) -> None:
    keys = _library(
        plugin_env,
        [{"performers": ["Ann", "Bea"]}, {"performers": ["Ann"]}, {"performers": ["Cleo"]}],
    )
    ann = plugin_env.stash.performer("Ann")["id"]
    plugin_env.stash.rename_performer("Ann", "Anna")
    plugin_env.plex.clear_requests()
    run = _entity_hook(
        plugin_env, ann, "Performer.Update.Post", ["id", "name"], {"id": ann, "name": "Anna"}
    )
    assert run.output == "queued"
    wait_until(
        lambda: sorted(plugin_env.plex.item(keys[1]).actors) == ["Anna"],
        message="the renamed performer in Plex",
    )
    plugin_env.wait_idle()
    assert sorted(plugin_env.plex.item(keys[0]).actors) == ["Anna", "Bea"]
    assert plugin_env.plex.item(keys[2]).actors == ["Cleo"]
    assert sorted(_puts(plugin_env)) == sorted(keys[:2])


def test_performer_update_without_a_new_name_is_skipped(plugin_env: PluginEnv) -> None:
    _library(plugin_env, [{"performers": ["Ann"]}])
    ann = plugin_env.stash.performer("Ann")["id"]
    run = _entity_hook(
        plugin_env, ann, "Performer.Update.Post", ["id", "details"], {"id": ann, "details": "x"}
    )
    assert run.output == "skipped: the performer's name did not change (details)"
    assert plugin_env.open_jobs() == 0


def test_renamed_tag_shows_as_the_new_genre(plugin_env: PluginEnv) -> None:
    keys = _library(plugin_env, [{"tags": ["Outdoor", "Sunny"]}, {"tags": ["Sunny"]}])
    outdoor = plugin_env.stash.tag("Outdoor")["id"]
    plugin_env.stash.rename_tag("Outdoor", "Outdoors")
    plugin_env.plex.clear_requests()
    run = _entity_hook(
        plugin_env, outdoor, "Tag.Update.Post", ["id", "name"], {"id": outdoor, "name": "Outdoors"}
    )
    assert run.output == "queued"
    wait_until(
        lambda: sorted(plugin_env.plex.item(keys[0]).genres) == ["Outdoors", "Sunny"],
        message="the renamed tag in Plex",
    )
    plugin_env.wait_idle()
    assert plugin_env.plex.item(keys[1]).genres == ["Sunny"]
    assert _puts(plugin_env) == [keys[0]]


def test_renamed_tag_on_no_scene_queues_nothing_and_writes_nothing(plugin_env: PluginEnv) -> None:
    _library(plugin_env, [{"tags": ["Sunny"]}])
    unused = plugin_env.stash.add_tag("Unused")
    plugin_env.stash.rename_tag("Unused", "Still unused")
    plugin_env.plex.clear_requests()
    run = _entity_hook(
        plugin_env, unused, "Tag.Update.Post", ["id", "name"], {"id": unused, "name": "x"}
    )
    assert run.output == "queued"
    plugin_env.wait_idle()
    assert _puts(plugin_env) == []
    assert not [r for r in plugin_env.plex.requests if r.method in ("PUT", "POST", "DELETE")]


def test_renamed_studio_shows_in_plex(plugin_env: PluginEnv) -> None:
    keys = _library(plugin_env, [{"studio": "Old Studio"}, {"studio": "Other"}])
    studio = plugin_env.stash.studio("Old Studio")["id"]
    plugin_env.stash.rename_studio("Old Studio", "New Studio")
    run = _entity_hook(
        plugin_env, studio, "Studio.Update.Post", ["id", "name"], {"id": studio, "name": "New"}
    )
    assert run.output == "queued"
    wait_until(
        lambda: plugin_env.plex.item(keys[0]).studio == "New Studio",
        message="the renamed studio in Plex",
    )
    plugin_env.wait_idle()
    assert plugin_env.plex.item(keys[1]).studio == "Other"


def test_merged_tags_show_the_destination_tag_on_the_source_tags_scenes(
    plugin_env: PluginEnv,
) -> None:
    keys = _library(
        plugin_env,
        [{"tags": ["Beach"]}, {"tags": ["Seaside", "Sunny"]}, {"tags": ["Beach", "Seaside"]}],
    )
    merge_input = plugin_env.stash.merge_tags(["Seaside"], "Beach")
    plugin_env.plex.clear_requests()
    run = _entity_hook(plugin_env, merge_input["destination"], "Tag.Merge.Post", None, merge_input)
    assert run.output == "queued"
    wait_until(
        lambda: sorted(plugin_env.plex.item(keys[1]).genres) == ["Beach", "Sunny"],
        message="the merged tag in Plex",
    )
    plugin_env.wait_idle()
    assert plugin_env.plex.item(keys[0]).genres == ["Beach"]
    assert plugin_env.plex.item(keys[2]).genres == ["Beach"]
    assert sorted(_puts(plugin_env)) == sorted(keys[1:])
