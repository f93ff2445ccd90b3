"""The browser tests' fixtures: headless Chromium (Debian's) driving a Stash stand-in.

The fake Stash serves a page that provides `window.PluginApi` from the real React
releases (tests/ui/harness), the plugin's UI files from `/plugin/PlexSync/...` as
Stash does, and `runPluginOperation`, which runs PlexSync.py as Stash runs it.
What `make ui-deps` could not install makes every test here fail, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PluginEnv
from tests.fakes.stash_plugin import StashPlugin
from tools.ui_test_deps import CHROMIUM_ENV, DEST, PACKAGES, PROBLEMS, chromium_path

HARNESS = Path(__file__).with_name("harness")
SCREENSHOTS_ENV = "PLEXSYNC_SCREENSHOTS"
STATIC = {
    "/harness/react.js": DEST / "react/umd/react.development.js",
    "/harness/react-dom.js": DEST / "react-dom/umd/react-dom.development.js",
    "/harness/react-router-dom.js": DEST / "react-router-dom/umd/react-router-dom.js",
    "/harness/react-bootstrap.js": DEST / "react-bootstrap/dist/react-bootstrap.js",
    "/harness/bootstrap.min.css": DEST / "bootstrap/dist/css/bootstrap.min.css",
    "/harness/plugin_api.js": HARNESS / "plugin_api.js",
    "/harness/stash_app.js": HARNESS / "stash_app.js",
    "/harness/stash_theme.css": HARNESS / "stash_theme.css",
}
assert len(PACKAGES) == 5  # one static file per fetched package above


def _missing_dependencies() -> str | None:
    if PROBLEMS.is_file():
        return PROBLEMS.read_text(encoding="utf-8").strip()
    if os.environ.get(CHROMIUM_ENV) and not chromium_path():
        return f"{CHROMIUM_ENV}={os.environ[CHROMIUM_ENV]} is not a file"
    if not chromium_path():
        return "Chromium is not installed; run 'make ui-deps' (apt-get install chromium)"
    missing = [str(p) for p in STATIC.values() if not p.is_file()]
    if missing:
        return f"missing {', '.join(missing)}; run 'make ui-deps' (fetches React from npm)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _missing_dependencies()
    if problem:
        pytest.fail(f"the browser tests cannot run: {problem}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@dataclass
class StashUI:
    """One browser tab on the fake Stash, with the plugin installed."""

    env: PluginEnv
    plugin: StashPlugin
    page: Any
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Any:
        self.page.goto(self.env.stash.url + path)
        return self.page

    def open_panel(self, scene_id: str) -> Any:
        """The scene's page with the PlexSync tab shown; returns the panel."""
        self.open(f"/scenes/{scene_id}")
        self.page.get_by_role("tab", name="PlexSync").click()
        panel = self.page.locator(".plexsync-panel")
        panel.wait_for(state="visible")
        return panel

    def screenshot(self, name: str, selector: str | None = None) -> None:
        """Save a picture for docs/ when `make screenshots` asks for them."""
        folder = os.environ.get(SCREENSHOTS_ENV)
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        target = self.page.locator(selector) if selector else self.page
        target.screenshot(path=str(Path(folder) / name))


@pytest.fixture
def stash_ui(browser: Any, plugin_env: PluginEnv) -> Iterator[StashUI]:
    plugin = StashPlugin(lambda: plugin_env.connection, plugin_env.env, plugin_env.cwd)
    stash = plugin_env.stash
    stash.plugins["PlexSync"] = plugin
    stash.static_files.update(STATIC)
    stash.ui_page = (HARNESS / "index.html").read_bytes()
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    ui = StashUI(plugin_env, plugin, page)
    page.on("console", lambda m: m.type == "error" and ui.console_errors.append(m.text))
    page.on("pageerror", lambda e: ui.console_errors.append(str(e)))
    yield ui
    context.close()
    assert ui.console_errors == [], "the page logged errors"
