"""The PlexSync page at /plugins/plexsync, in a real browser, against the fakes."""

from __future__ import annotations

from tests.plugin_runner import wait_until
from tests.ui.conftest import StashUI


def _scenes(ui: StashUI, n: int, start: int = 0) -> list[tuple[str, str]]:
    out = []
    for i in range(start, start + n):
        path = f"/media/page/{i:03d}.mp4"
        key = ui.env.plex.add_item("1", f"plex {i}", [(path, 700 + i)])
        out.append((ui.env.stash.add_scene(title=f"Page scene {i}", files=[(path, 700 + i)]), key))
    return out


def _dead_letters(ui: StashUI, n: int) -> list[tuple[str, str]]:
    scenes = _scenes(ui, n)
    ui.env.plex.fail_next(n, 400, method="PUT")
    ui.env.task("sync_all")
    return scenes


def _counts(ui: StashUI) -> dict[str, str]:
    values = ui.page.locator(".plexsync-count-value").all_inner_texts()
    labels = ui.page.locator(".plexsync-count-label").all_inner_texts()
    return dict(zip(labels, values, strict=True))


def test_reached_from_the_navbar_with_counts_and_the_circuit(stash_ui: StashUI) -> None:
    _scenes(stash_ui, 2)
    stash_ui.env.task("sync_all")
    stash_ui.open("/scenes/1")
    stash_ui.page.get_by_role("button", name="PlexSync").click()
    stash_ui.page.get_by_role("heading", name="PlexSync").wait_for()
    assert stash_ui.page.url.endswith("/plugins/plexsync")
    stash_ui.page.get_by_text("Plex reachable").wait_for()
    assert _counts(stash_ui) == {
        "queued": "0",
        "syncing now": "0",
        "waiting for a retry": "0",
        "dead letters": "0",
    }
    assert stash_ui.page.get_by_text("No dead letters.").is_visible()


def test_counts_refresh_by_themselves_and_the_page_survives_a_reload(stash_ui: StashUI) -> None:
    (scene_id, _key), *_ = _scenes(stash_ui, 1)
    stash_ui.open("/plugins/plexsync")
    stash_ui.page.get_by_text("Plex reachable").wait_for()
    stash_ui.env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    wait_until(lambda: _counts(stash_ui)["queued"] == "1", 20, message="the queued count to update")
    stash_ui.page.reload()
    stash_ui.page.get_by_text("Plex reachable").wait_for()
    wait_until(lambda: _counts(stash_ui)["queued"] == "1", 20, message="the count after a reload")
    stash_ui.page.get_by_role("button", name="Clear queue…").click()
    stash_ui.page.get_by_role("button", name="Delete queued jobs").click()
    stash_ui.page.get_by_text("Deleted 1 queued job(s).").wait_for()
    wait_until(lambda: _counts(stash_ui)["queued"] == "0", 20, message="the emptied queue")


def test_dead_letters_list_and_retry_one_syncs_it(stash_ui: StashUI) -> None:
    scenes = _dead_letters(stash_ui, 2)
    stash_ui.open("/plugins/plexsync")
    rows = stash_ui.page.locator(".plexsync-dead-letters tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    first_id, first_key = scenes[0]
    row = rows.filter(has_text="Page scene 0")
    assert (
        row.get_by_role("link", name="Page scene 0").get_attribute("href") == f"/scenes/{first_id}"
    )
    assert "400" in row.inner_text()
    stash_ui.screenshot("page-dead-letters.png")
    row.get_by_role("button", name="Retry").click()
    stash_ui.page.get_by_text(f"Scene {first_id} is queued again.").wait_for()
    wait_until(lambda: rows.count() == 1, 20, message="the retried row to leave the list")
    wait_until(
        lambda: stash_ui.env.plex.item(first_key).title == "Page scene 0", message="the sync"
    )
    stash_ui.env.wait_idle()
    status = stash_ui.env.task("scene_status", scene_id=first_id).output
    assert status["state"] == "synced"


def test_retry_all_queues_every_dead_letter(stash_ui: StashUI) -> None:
    scenes = _dead_letters(stash_ui, 3)
    stash_ui.open("/plugins/plexsync")
    stash_ui.page.locator(".plexsync-dead-letters tbody tr").first.wait_for()
    stash_ui.page.get_by_role("button", name="Retry all").click()
    stash_ui.page.get_by_text("3 scene(s) queued again.").wait_for()
    stash_ui.page.get_by_text("No dead letters.").wait_for()
    stash_ui.env.wait_idle()
    assert all(stash_ui.env.plex.item(key).title.startswith("Page scene") for _s, key in scenes)


def test_clear_asks_first_then_empties_the_list(stash_ui: StashUI) -> None:
    _dead_letters(stash_ui, 2)
    stash_ui.open("/plugins/plexsync")
    rows = stash_ui.page.locator(".plexsync-dead-letters tbody tr")
    rows.first.wait_for()
    stash_ui.page.get_by_role("button", name="Clear…").click()
    dialog = stash_ui.page.get_by_role("dialog")
    dialog.get_by_text("This deletes all 2 dead letter(s).").wait_for()
    stash_ui.screenshot("page-clear-confirm.png")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    assert rows.count() == 2
    assert stash_ui.env.task("list_dead_letters").output["total"] == 2
    stash_ui.page.get_by_role("button", name="Clear…").click()
    stash_ui.page.get_by_role("button", name="Delete dead letters").click()
    stash_ui.page.get_by_text("Deleted 2 dead letter(s).").wait_for()
    stash_ui.page.get_by_text("No dead letters.").wait_for()
    assert stash_ui.env.task("list_dead_letters").output["total"] == 0


def test_match_report_on_demand_paginated_with_problems_first(stash_ui: StashUI) -> None:
    stash_ui.env.plex.add_item("1", "twin a", [("/elsewhere/a/dup.mp4", 7)])
    stash_ui.env.plex.add_item("1", "twin b", [("/elsewhere/b/dup.mp4", 7)])
    for i in range(24):
        stash_ui.env.stash.add_scene(title=f"Missing {i}", files=[(f"/nowhere/{i}.mp4", 5)])
    stash_ui.env.stash.add_scene(title="Dup", files=[("/other/dup.mp4", 7)])
    _scenes(stash_ui, 2)
    stash_ui.open("/plugins/plexsync")
    stash_ui.page.get_by_text("Plex reachable").wait_for()
    assert "match_report" not in stash_ui.plugin.modes()
    stash_ui.page.get_by_role("button", name="Run match report").click()
    summary = stash_ui.page.locator(".plexsync-report-summary")
    summary.wait_for(timeout=60000)
    assert summary.inner_text() == "2 matched, 1 ambiguous, 24 unmatched"
    rows = stash_ui.page.locator(".plexsync-report tbody tr")
    assert rows.count() == 20
    assert "Dup" in rows.first.inner_text() and "ambiguous" in rows.first.inner_text()
    assert stash_ui.page.get_by_text("Page 1 of 2").is_visible()
    stash_ui.screenshot("page-match-report.png")
    stash_ui.page.get_by_role("button", name="Next").click()
    stash_ui.page.get_by_text("Page 2 of 2").wait_for()
    assert rows.count() == 5
    assert all("unmatched" in text for text in rows.all_inner_texts())


def test_a_plugin_error_on_the_page_is_an_error_line(stash_ui: StashUI, tmp_path: object) -> None:
    blocker = f"{tmp_path}/not-a-folder"
    with open(blocker, "w", encoding="utf-8") as handle:
        handle.write("x")
    stash_ui.plugin.env = {**stash_ui.plugin.env, "STASH_PLUGIN_DATA": blocker + "/data"}
    stash_ui.open("/plugins/plexsync")
    errors = stash_ui.page.locator(".plexsync-error")
    errors.first.wait_for()
    assert "cannot use the data folder" in errors.first.inner_text()
    assert stash_ui.page.get_by_role("heading", name="PlexSync").is_visible()
