"""PlexSync.yml as Stash parses it: strictly, with every setting, hook and task handled."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hooks.hook_event import HANDLED_HOOKS
from tasks.dispatch import TASKS, WITHOUT_BUTTON
from validation.config import BOOLEAN_KEYS, RANGES

ROOT = Path(__file__).resolve().parents[2]
TOP_KEYS = {
    "name",
    "description",
    "version",
    "url",
    "exec",
    "interface",
    "errLog",
    "tasks",
    "hooks",
    "ui",
    "settings",
}
SETTING_KEYS = {"displayName", "description", "type"}
CONTRACT_SETTINGS = {
    "plexUrl",
    "plexToken",
    "plexLibraries",
    "pathMap",
    "syncFields",
    "allowAmbiguousMatch",
    "preservePlexEdits",
    "skipUnorganized",
    "cleanTitles",
    "maxRetries",
    "connectTimeout",
    "readTimeout",
    "dlqRetentionDays",
    "insecureSkipTlsVerify",
    "obfuscatePaths",
    "debugLogging",
    "scanPlexFolders",
}
CONTRACT_MODES = {
    "sync_all",
    "sync_recent",
    "process_queue",
    "queue_status",
    "retry_dead_letters",
    "clear_dead_letters",
    "purge_dead_letters",
    "health_check",
    "reconcile",
    "match_report",
    "clear_queue",
}
# Contract modes for the UI and scripts: handled, with no task button.
CONTRACT_UI_MODES = {"scene_status", "list_dead_letters", "retry_dead_letter", "sync_scene"}


def manifest() -> dict:
    return yaml.safe_load((ROOT / "PlexSync.yml").read_text(encoding="utf-8"))


def test_manifest_uses_only_keys_stash_accepts() -> None:
    data = manifest()
    assert set(data) <= TOP_KEYS
    assert data["interface"] == "raw"
    assert data["exec"] == ["python3", "{pluginDir}/PlexSync.py"]
    for key, setting in data["settings"].items():
        assert set(setting) <= SETTING_KEYS, key
        assert setting["type"] in ("STRING", "NUMBER", "BOOLEAN"), key


def test_manifest_lists_every_contract_setting_with_its_default_in_the_description() -> None:
    settings = manifest()["settings"]
    assert set(settings) == CONTRACT_SETTINGS
    for key, setting in settings.items():
        assert "Default" in setting["description"] or key == "plexToken", key
        assert setting["displayName"]
    for key in BOOLEAN_KEYS:
        assert settings[key]["type"] == "BOOLEAN"
        assert "Default: off" in settings[key]["description"]
    for key, (low, high) in RANGES.items():
        assert settings[key]["type"] == "NUMBER"
        assert f"{low}-{high}" in settings[key]["description"], key


def test_every_listed_task_has_a_handler_and_every_contract_mode_is_listed() -> None:
    modes = [task["defaultArgs"]["mode"] for task in manifest()["tasks"]]
    assert set(modes) == set(TASKS) - WITHOUT_BUTTON == CONTRACT_MODES
    assert WITHOUT_BUTTON == CONTRACT_UI_MODES <= set(TASKS)
    assert len(modes) == len(set(modes))


def test_hooks_are_the_handled_scene_and_entity_hooks() -> None:
    [hook] = manifest()["hooks"]
    assert tuple(hook["triggeredBy"]) == HANDLED_HOOKS


def test_version_is_semantic_and_matches_the_changelog() -> None:
    version = str(manifest()["version"])
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[(\d+\.\d+\.\d+)\]", changelog, re.M).group(1) == version


def test_ui_section_loads_existing_files_with_only_keys_stash_knows() -> None:
    ui = manifest()["ui"]
    assert set(ui) <= {"javascript", "css", "requires", "assets", "csp"}
    assert "csp" not in ui  # nothing outside Stash is loaded
    files = ui["javascript"] + ui["css"]
    assert ui["javascript"][0] == "ui/plexsync-common.js"  # the others use what it defines
    assert [f for f in files if not (ROOT / f).is_file()] == []
