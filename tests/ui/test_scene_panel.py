"""The PlexSync tab on a scene's page, in a real browser, against the fakes."""

from __future__ import annotations

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
    link = panel.get_by_role("link", name="Open in Plex")
    href = link.get_attribute("href")
    assert href.startswith("https://app.plex.tv/desktop/#!/server/fakeplex0001/details")
    assert stash_ui.env.plex.token not in href
    assert stash_ui.env.plex.token not in stash_ui.page.content()
    stash_ui.screenshot("panel-synced.png", ".scene-tabs")
