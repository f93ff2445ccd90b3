"""A scene edited in Stash reaches Plex through the hook and the background worker."""

from __future__ import annotations

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until


def _scene(env: PluginEnv, **fields):
    path = fields.pop("path", "/media/videos/first scene.mp4")
    size = fields.pop("size", 1234)
    key = env.plex.add_item("1", "first scene", [(path, size)])
    scene_id = env.stash.add_scene(files=[(path, size)], **fields)
    return scene_id, key


def test_scene_update_reaches_plex_with_every_default_field_locked(plugin_env: PluginEnv) -> None:
    scene_id, key = _scene(
        plugin_env,
        title="A Title",
        details="About it",
        date="2024-05-06",
        studio="Studio One",
        performers=["Ann", "Bea"],
        tags=["Tag1", "Tag2"],
    )
    run = plugin_env.hook(scene_id, fields=["title", "details"])
    assert run.returncode == 0, run.stderr
    assert run.output == "queued"
    item = wait_until(
        lambda: (i := plugin_env.plex.item(key)).title == "A Title" and i, message="Plex title"
    )
    wait_until(lambda: plugin_env.plex.item(key).poster is not None, message="poster upload")
    item = plugin_env.plex.item(key)
    assert item.summary == "About it"
    assert item.originallyAvailableAt == "2024-05-06"
    assert str(item.year) == "2024"
    assert item.studio == "Studio One"
    assert sorted(item.actors) == ["Ann", "Bea"]
    assert sorted(item.genres) == ["Tag1", "Tag2"]
    assert {
        "title",
        "summary",
        "studio",
        "originallyAvailableAt",
        "genre",
        "actor",
        "thumb",
    } <= set(item.locked)
    plugin_env.wait_idle()
