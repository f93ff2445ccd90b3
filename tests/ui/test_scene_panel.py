"""The PlexSync tab on a scene's page, in a real browser, against the fakes."""

from __future__ import annotations

import os

from tests.plugin_runner import wait_until
from tests.ui.conftest import StashUI


def _scene(ui: StashUI, n: int = 0, in_plex: bool = True) -> tuple[str, str | None]:
    path = f"/media/ui/{n:03d}.mp4"
    key = ui.env.plex.add_item("1", f"plex {n}", [(path, 900 + n)]) if in_plex else None
    return ui.env.stash.add_scene(title=f"Scene {n}", files=[(path, 900 + n)]), key


def test_synced_scene_shows_state_time_and_a_plex_link_without_token(stash_ui: StashUI) -> None:
    scene_id, key = _scene(stash_ui)
    stash_ui.env.task("sync_all")
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_text("Synced", exact=True).wait_for()
    assert "Plex shows this scene's metadata" in panel.inner_text()
    assert "just now" in panel.locator("time").first.inner_text() or "ago" in panel.inner_text()
    link = panel.get_by_role("link", name="Open in Plex")
    href = link.get_attribute("href")
    assert href == (
        "https://app.plex.tv/desktop/#!/server/fakeplex0001/details"
        f"?key=%2Flibrary%2Fmetadata%2F{key}"
    )
    assert link.get_attribute("target") == "_blank"
    assert stash_ui.env.plex.token not in stash_ui.page.content()
    stash_ui.screenshot("panel-synced.png", ".scene-tabs")


def test_the_panel_loads_after_the_page_with_one_operation(stash_ui: StashUI) -> None:
    scene_id, _key = _scene(stash_ui)
    stash_ui.env.task("sync_all")
    stash_ui.open(f"/scenes/{scene_id}")
    stash_ui.page.get_by_text("Scene details of Scene 0").wait_for()
    stash_ui.page.locator(".plexsync-dot-synced").wait_for(state="attached")
    assert stash_ui.plugin.modes() == ["scene_status"]
    stash_ui.page.get_by_role("tab", name="PlexSync").click()
    stash_ui.page.get_by_text("Synced", exact=True).wait_for()
    assert stash_ui.plugin.modes() == ["scene_status"]


def test_never_synced_scene_says_so_and_sync_now_sends_it(stash_ui: StashUI) -> None:
    scene_id, key = _scene(stash_ui)
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_text("Not synced yet").wait_for()
    assert panel.get_by_role("link", name="Open in Plex").count() == 0
    stash_ui.screenshot("panel-never-synced.png", ".scene-tabs")
    panel.get_by_role("button", name="Sync now").click()
    panel.get_by_text("Synced", exact=True).wait_for(timeout=30000)
    assert stash_ui.env.plex.item(key).title == "Scene 0"
    assert panel.get_by_role("link", name="Open in Plex").is_visible()


def test_pending_scene_moves_to_synced_with_sync_now(stash_ui: StashUI) -> None:
    scene_id, key = _scene(stash_ui)
    stash_ui.env.hook(scene_id, fields=["title"], PLEXSYNC_NO_WORKER="1")
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_text("Queued", exact=True).wait_for()
    assert "the background worker sends it to Plex shortly" in panel.inner_text()
    stash_ui.screenshot("panel-pending.png", ".scene-tabs")
    panel.get_by_role("button", name="Sync now").click()
    panel.get_by_text("Synced", exact=True).wait_for(timeout=30000)
    assert stash_ui.env.plex.item(key).title == "Scene 0"
    assert stash_ui.plugin.modes().count("sync_scene") == 1


def test_waiting_retry_shows_when_and_the_error(stash_ui: StashUI) -> None:
    stash_ui.env.env["PLEXSYNC_TIME_SCALE"] = "1"  # the retry stays minutes away
    scene_id, _key = _scene(stash_ui, in_plex=False)
    stash_ui.env.hook(scene_id, fields=["title"])
    wait_until(
        lambda: (
            stash_ui.env.task("scene_status", scene_id=scene_id).output["state"] == "waiting_retry"
        ),
        message="the scene to wait for a retry",
    )
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_text("Waiting for a retry").wait_for()
    text = panel.inner_text()
    assert "Next try" in text and "in " in text
    assert "not in Plex" in panel.locator(".plexsync-last-error").inner_text()
    stash_ui.screenshot("panel-waiting-retry.png", ".scene-tabs")
    stash_ui.env.task("clear_queue")
    stash_ui.env.wait_idle()


def test_dead_letter_shows_the_error_and_what_to_do(stash_ui: StashUI) -> None:
    scene_id, _key = _scene(stash_ui)
    stash_ui.env.plex.fail_next(1, 400, method="PUT")
    stash_ui.env.task("sync_all")
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_text("Failed", exact=True).wait_for()
    assert "gave up on this scene" in panel.inner_text()
    error = panel.locator(".plexsync-last-error").inner_text()
    assert "400" in error and "after 1 attempt" in error
    stash_ui.screenshot("panel-dead-letter.png", ".scene-tabs")


def test_ambiguous_scene_is_skipped_with_its_candidates(stash_ui: StashUI) -> None:
    stash_ui.env.plex.add_item("1", "twin a", [("/elsewhere/a/dup.mp4", 7)])
    stash_ui.env.plex.add_item("1", "twin b", [("/elsewhere/b/dup.mp4", 7)])
    dup = stash_ui.env.stash.add_scene(title="Dup", files=[("/other/dup.mp4", 7)])
    stash_ui.env.task("sync_all")
    panel = stash_ui.open_panel(dup)
    panel.get_by_text("Skipped", exact=True).wait_for()
    assert "ambiguous match" in panel.inner_text()
    rows = panel.locator(".plexsync-candidates tbody tr")
    assert rows.count() == 2
    assert {"/elsewhere/a/dup.mp4", "/elsewhere/b/dup.mp4"} <= set(
        panel.locator(".plexsync-candidates .plexsync-path").all_inner_texts()
    )
    assert "allowAmbiguousMatch" in panel.inner_text()
    stash_ui.screenshot("panel-skipped.png", ".scene-tabs")


def test_a_plugin_error_is_an_error_line_and_the_page_still_works(
    stash_ui: StashUI, tmp_path: object
) -> None:
    scene_id, _key = _scene(stash_ui)
    blocker = os.path.join(str(tmp_path), "not-a-folder")
    with open(blocker, "w", encoding="utf-8") as handle:
        handle.write("a file where the data folder should be")
    stash_ui.plugin.env = {**stash_ui.plugin.env, "STASH_PLUGIN_DATA": blocker + "/data"}
    panel = stash_ui.open_panel(scene_id)
    error = panel.locator(".plexsync-error")
    error.wait_for()
    assert error.inner_text().startswith("PlexSync: scene_status: cannot use the data folder")
    assert stash_ui.page.locator(".plexsync-dot-error").count() == 1
    stash_ui.page.get_by_role("tab", name="Details").click()
    assert stash_ui.page.get_by_text("Scene details of Scene 0").is_visible()
    stash_ui.screenshot("panel-error.png", ".scene-tabs")


def test_the_panel_links_to_the_plexsync_page(stash_ui: StashUI) -> None:
    scene_id, _key = _scene(stash_ui)
    panel = stash_ui.open_panel(scene_id)
    panel.get_by_role("link", name="PlexSync queue and dead letters").click()
    stash_ui.page.get_by_role("heading", name="PlexSync").wait_for()
    assert stash_ui.page.url.endswith("/plugins/plexsync")
