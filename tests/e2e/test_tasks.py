"""Every task button, run as Stash runs it, with the output fields of CONTRACT.md."""

from __future__ import annotations

import sqlite3
import time

from tests.conftest import PluginEnv
from tests.plugin_runner import wait_until


def _library(env: PluginEnv, n: int, in_plex: int | None = None) -> list[tuple[str, str | None]]:
    out = []
    for i in range(n):
        path = f"/media/lib/{i:04d}.mp4"
        key = (
            env.plex.add_item("1", f"plex {i}", [(path, 500 + i)])
            if in_plex is None or i < in_plex
            else None
        )
        out.append(
            (env.stash.add_scene(title=f"Lib {i}", files=[(path, 500 + i)], tags=[f"t{i}"]), key)
        )
    return out


def test_sync_all_queues_changed_scenes_syncs_them_and_a_repeat_writes_nothing(
    plugin_env: PluginEnv,
) -> None:
    scenes = _library(plugin_env, 12)
    first = plugin_env.task("sync_all")
    assert first.returncode == 0, first.stderr
    assert first.output["queued"] == 12
    assert first.output["skipped_unchanged"] == 0
    assert first.output["synced"] == 12
    assert first.output["remaining"] == 0
    assert all(plugin_env.plex.item(key).title == f"Lib {i}" for i, (_s, key) in enumerate(scenes))
    progress = first.progress_values()
    assert progress == sorted(progress) and progress[-1] == 1.0
    plugin_env.plex.clear_requests()
    repeat = plugin_env.task("sync_all")
    assert (repeat.output["queued"], repeat.output["skipped_unchanged"]) == (0, 12)
    assert [r for r in plugin_env.plex.requests if r.method in ("PUT", "POST")] == []


def test_sync_all_catches_a_new_cover_whose_hook_was_missed(plugin_env: PluginEnv) -> None:
    scenes = _library(plugin_env, 3)
    plugin_env.task("sync_all")
    scene_id, key = scenes[2]
    plugin_env.stash.now.advance(60)
    plugin_env.stash.update_scene(scene_id, screenshot=b"\x89PNG a new cover")  # no hook ran
    plugin_env.plex.clear_requests()
    run = plugin_env.task("sync_all")
    assert (run.output["queued"], run.output["skipped_unchanged"]) == (1, 2)
    assert plugin_env.plex.item(key).poster == b"\x89PNG a new cover"
    # The poster upload and the edit go to Plex side by side, in either order.
    writes = sorted(r.method for r in plugin_env.plex.requests if r.method in ("PUT", "POST"))
    assert writes == ["POST", "PUT"]


def test_sync_recent_only_looks_at_recently_updated_scenes(plugin_env: PluginEnv) -> None:
    scenes = _library(plugin_env, 3)
    plugin_env.task("sync_all")
    plugin_env.stash.now.advance(7200)
    plugin_env.stash.update_scene(scenes[1][0], title="Edited recently")
    run = plugin_env.task("sync_recent", hours=1)
    assert run.output["queued"] == 1
    assert plugin_env.plex.item(scenes[1][1]).title == "Edited recently"


def test_sync_recent_rejects_a_bad_hours_argument(plugin_env: PluginEnv) -> None:
    run = plugin_env.task("sync_recent", hours="yesterday")
    assert run.returncode == 1
    assert "args.hours='yesterday' is not a number" in run.error


def test_process_queue_drains_with_a_progress_bar(plugin_env: PluginEnv) -> None:
    scenes = _library(plugin_env, 5)
    for scene_id, _key in scenes:
        plugin_env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    run = plugin_env.task("process_queue")
    assert run.output == {
        "synced": 5,
        "unchanged": 0,
        "skipped": 0,
        "skipped_no_metadata": 0,
        "failed": 0,
        "dead_lettered": 0,
        "remaining": 0,
    }
    assert run.progress_values()[-1] == 1.0


def test_queue_status_shows_counts_health_and_counters(plugin_env: PluginEnv) -> None:
    scenes = _library(plugin_env, 3)
    plugin_env.task("sync_all")
    plugin_env.hook(scenes[0][0], fields=["title"], PLEXSYNC_NO_WORKER="1")
    status = plugin_env.task("queue_status").output
    assert (
        status["pending"],
        status["in_progress"],
        status["waiting_retry"],
        status["dead_letters"],
    ) == (1, 0, 0, 0)
    assert status["circuit"] == "closed"
    assert status["last_success_at"].endswith("Z")
    assert status["stats"]["synced"] == 3
    assert status["stats"]["sync_seconds_p95"] is not None
    assert status["worker"] is None
    assert status["worker_last_error"] is None


def test_queue_status_says_in_one_info_line_what_the_queue_holds(plugin_env: PluginEnv) -> None:
    plugin_env.hook(1, fields=["title"], PLEXSYNC_NO_WORKER="1")
    run = plugin_env.task("queue_status")
    assert run.log_lines("i") == [
        "queue: 1 pending, 0 in progress, 0 waiting to retry, 0 dead letter(s); "
        "Plex circuit closed; worker not running"
    ]


def test_queue_status_works_without_stash_or_plex(plugin_env: PluginEnv) -> None:
    plugin_env.stash.stop()
    plugin_env.plex.set_down(True)
    run = plugin_env.task("queue_status")
    assert run.returncode == 0
    assert run.output["pending"] == 0


def test_dead_letter_tasks_clear_and_purge(plugin_env: PluginEnv) -> None:
    scenes = _library(plugin_env, 2)
    plugin_env.plex.fail_next(2, 400, method="PUT")
    plugin_env.task("sync_all")
    status = plugin_env.task("queue_status").output
    assert status["dead_letters"] == 2
    assert {d["scene_id"] for d in status["dead_letters_latest"]} == {s for s, _k in scenes}
    assert status["dead_letters_latest"][0]["error_kind"] == "permanent"
    conn = sqlite3.connect(plugin_env.data_dir / "dlq.db")
    conn.execute(
        "UPDATE dead_letters SET last_failure_at = ? WHERE scene_id = ?",
        (time.time() - 40 * 86400, scenes[0][0]),
    )
    conn.commit()
    conn.close()
    assert plugin_env.task("purge_dead_letters").output == {"deleted": 1, "days": 30}
    assert plugin_env.task("purge_dead_letters", days=0).output["deleted"] == 1
    assert plugin_env.task("clear_dead_letters").output == {"deleted": 0}


def test_health_check_reports_reachability_token_libraries_and_match_rate(
    plugin_env: PluginEnv,
) -> None:
    _library(plugin_env, 4, in_plex=3)
    run = plugin_env.task("health_check")
    assert run.returncode == 0, run.stderr
    out = run.output
    assert (out["plex_reachable"], out["token_valid"]) == (True, True)
    assert [lib["title"] for lib in out["libraries"]] == ["Movies"]
    assert out["sample_match_rate"] == 0.75
    assert out["unmatched_examples"][0]["stash_path"] == "/media/lib/0003.mp4"
    # /media/lib/0003.mp4 lies inside the library's folder /media: Plex has not scanned it.
    assert "scanPlexFolders" in out["hint"]
    assert "set pathMap" not in out["hint"]


def test_health_check_suggests_path_map_for_a_file_outside_every_library_folder(
    plugin_env: PluginEnv,
) -> None:
    _library(plugin_env, 2)
    plugin_env.stash.add_scene(title="Elsewhere", files=[("/data/videos/x.mp4", 9)])
    out = plugin_env.task("health_check").output
    assert out["unmatched_examples"][0]["plex_path_tried"] == "/data/videos/x.mp4"
    assert "set pathMap" in out["hint"]
    assert "scanPlexFolders" not in out["hint"]


def test_health_check_with_a_wrong_token_says_so(plugin_env: PluginEnv) -> None:
    plugin_env.settings(plexToken="not-the-token")
    run = plugin_env.task("health_check")
    assert run.returncode == 1
    assert "Plex refused the token (401)" in run.error
    assert run.output["plex_reachable"] is True
    assert run.output["token_valid"] is False


def test_health_check_with_plex_down_exits_1_naming_the_url(plugin_env: PluginEnv) -> None:
    plugin_env.plex.set_down(True)
    run = plugin_env.task("health_check")
    assert run.returncode == 1
    assert "Plex is unreachable" in run.error and "plexUrl" in run.error
    assert f"tried {plugin_env.plex.url}" in run.error
    assert run.output["plex_reachable"] is False


def test_health_check_names_a_missing_library(plugin_env: PluginEnv) -> None:
    plugin_env.settings(plexLibraries="Movies, Nope")
    run = plugin_env.task("health_check")
    assert run.returncode == 1
    assert "Plex has no library named Nope" in run.error


def test_match_report_counts_confidence_and_explains_without_writing(plugin_env: PluginEnv) -> None:
    _library(plugin_env, 3, in_plex=2)
    plugin_env.plex.add_item("1", "twin a", [("/elsewhere/a/dup.mp4", 7)])
    plugin_env.plex.add_item("1", "twin b", [("/elsewhere/b/dup.mp4", 7)])
    dup = plugin_env.stash.add_scene(title="Dup", files=[("/other/dup.mp4", 7)])
    run = plugin_env.task("match_report")
    assert run.returncode == 0, run.stderr
    out = run.output
    assert (out["high"], out["low"], out["unmatched"]) == (2, 1, 1)
    low = next(i for i in out["items"] if i["confidence"] == "low")
    assert low["scene_id"] == dup
    assert len(low["candidates"]) == 2
    unmatched = next(i for i in out["items"] if i["confidence"] == "none")
    assert "no Plex item has the file /media/lib/0002.mp4" in unmatched["reason"]
    assert [r for r in plugin_env.plex.requests if r.method in ("PUT", "POST")] == []


def test_match_report_recommends_scan_plex_folders_for_unmatched_scenes(
    plugin_env: PluginEnv,
) -> None:
    _library(plugin_env, 2, in_plex=1)
    off = plugin_env.task("match_report")
    assert off.output["unmatched"] == 1
    assert "turn on scanPlexFolders" in off.output["hint"]
    summary = next(line for line in off.log_lines("i") if line.startswith("match report:"))
    assert "1 unmatched; turn on scanPlexFolders" in summary
    plugin_env.settings(scanPlexFolders=True)
    on = plugin_env.task("match_report")
    assert on.output["unmatched"] == 1
    assert "hint" not in on.output
    assert not any("scanPlexFolders" in line for line in on.log_lines())


def test_match_report_does_not_recommend_scan_plex_folders_when_all_match(
    plugin_env: PluginEnv,
) -> None:
    _library(plugin_env, 2)
    run = plugin_env.task("match_report")
    assert (run.output["high"], run.output["unmatched"]) == (2, 0)
    assert "hint" not in run.output


def test_invalid_setting_is_reported_and_nothing_is_sent_to_plex(plugin_env: PluginEnv) -> None:
    _library(plugin_env, 1)
    plugin_env.settings(maxRetries=99)
    run = plugin_env.task("sync_all")
    assert run.returncode == 1
    assert "setting maxRetries=99 is out of range; accepted whole numbers 1-20" in run.error
    assert plugin_env.plex.requests == []


def test_worker_with_invalid_settings_logs_why_and_keeps_the_job(plugin_env: PluginEnv) -> None:
    plugin_env.settings(readTimeout=1)
    plugin_env.hook(1, fields=["title"])
    wait_until(
        lambda: any("worker not started" in line for line in plugin_env.log_file_lines()),
        message="the worker's explanation",
    )
    assert plugin_env.open_jobs() == 1
    wait_until(lambda: not plugin_env.worker_running(), message="the worker to give up")
    status = plugin_env.task("queue_status")
    assert "readTimeout" in status.output["worker_last_error"]["message"]
    assert status.output["worker_last_error"]["at"].endswith("Z")
    assert any("cannot sync" in line and "readTimeout" in line for line in status.log_lines("i"))
