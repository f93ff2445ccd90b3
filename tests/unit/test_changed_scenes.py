"""Which scenes need a sync: the rule sync_all, sync_recent and renames share."""

from __future__ import annotations

from validation.config import load_settings
from validation.metadata import scene_to_metadata
from worker.changed_scenes import plan_jobs

SETTINGS = load_settings({"plexUrl": "http://plex:32400", "plexToken": "t"})
FILES = [{"path": "/media/a.mp4", "size": 1}]


def _scene(scene_id: int, **fields) -> dict:
    return {"id": scene_id, "files": FILES, **fields}


def _fingerprint(scene: dict) -> str:
    return scene_to_metadata(scene, SETTINGS).fingerprint(SETTINGS.sync_fields)


def test_changed_new_unchanged_and_empty_scenes_are_told_apart() -> None:
    unchanged, changed = _scene(1, title="Same"), _scene(2, title="New name")
    new, empty = _scene(3, title="Never synced"), _scene(4)
    recorded = {"1": _fingerprint(unchanged), "2": "old"}
    plan = plan_jobs([unchanged, changed, new, empty], recorded, SETTINGS, "sync_all", 5.0)
    assert [j.scene_id for j in plan.jobs] == ["2", "3"]
    assert (plan.unchanged, plan.no_metadata) == (1, 1)


def test_a_rename_queues_only_scenes_plexsync_synced_before() -> None:
    scenes = [_scene(1, title="Renamed tag"), _scene(2, title="Never synced")]
    plan = plan_jobs(scenes, {"1": "old"}, SETTINGS, "Tag.Update.Post", 5.0, only_synced=True)
    assert [j.scene_id for j in plan.jobs] == ["1"]
