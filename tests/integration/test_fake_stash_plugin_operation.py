"""The fake Stash's plugin side against Stash's own behaviour (pkg/plugin, internal/api)."""

from __future__ import annotations

import requests

from tests.conftest import PluginEnv
from tests.fakes.stash_plugin import StashPlugin
from tests.plugin_runner import ROOT

MUTATION = (
    "mutation Op($plugin_id: ID!, $args: Map) "
    "{ runPluginOperation(plugin_id: $plugin_id, args: $args) }"
)


def _install(env: PluginEnv) -> StashPlugin:
    plugin = StashPlugin(lambda: env.connection, env.env, env.cwd)
    env.stash.plugins["PlexSync"] = plugin
    return plugin


def _operation(env: PluginEnv, args: dict) -> requests.Response:
    return requests.post(
        env.stash.graphql_url,
        json={"query": MUTATION, "variables": {"plugin_id": "PlexSync", "args": args}},
        timeout=60,
    )


def test_run_plugin_operation_runs_the_plugin_and_returns_its_output(
    plugin_env: PluginEnv,
) -> None:
    plugin = _install(plugin_env)
    response = _operation(plugin_env, {"mode": "queue_status"})
    assert response.status_code == 200
    output = response.json()["data"]["runPluginOperation"]
    assert output["pending"] == 0 and output["circuit"] == "closed"
    assert plugin.modes() == ["queue_status"]


def test_a_plugin_error_is_a_graphql_error_with_its_text(plugin_env: PluginEnv) -> None:
    _install(plugin_env)
    response = _operation(plugin_env, {"mode": "no_such_mode"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"runPluginOperation": None}
    assert body["errors"][0]["message"].startswith("unknown task mode 'no_such_mode'")


def test_a_literal_args_map_reaches_the_plugin(plugin_env: PluginEnv) -> None:
    _install(plugin_env)
    query = 'mutation { runPluginOperation(plugin_id: "PlexSync", args: {mode: "list_dead_letters", limit: 5}) }'
    response = requests.post(plugin_env.stash.graphql_url, json={"query": query}, timeout=60)
    assert response.json()["data"]["runPluginOperation"] == {"total": 0, "items": []}


def test_plugin_ui_files_are_served_joined_as_stash_does(plugin_env: PluginEnv) -> None:
    _install(plugin_env)
    script = requests.get(f"{plugin_env.stash.url}/plugin/PlexSync/javascript", timeout=10)
    assert script.headers["Content-Type"] == "text/javascript"
    expected = b"".join(
        (ROOT / name).read_bytes() + b"\n"
        for name in ("ui/plexsync-common.js", "ui/plexsync-panel.js", "ui/plexsync-page.js")
    )
    assert script.content == expected
    css = requests.get(f"{plugin_env.stash.url}/plugin/PlexSync/css", timeout=10)
    assert css.content == (ROOT / "ui/plexsync.css").read_bytes() + b"\n"
    missing = requests.get(f"{plugin_env.stash.url}/plugin/Other/javascript", timeout=10)
    assert missing.status_code == 404
