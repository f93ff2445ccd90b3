"""Reading scenes from Stash: one stashapi connection per process, a timeout on every call.

stashapi's `StashInterface` sends three requests when built (one a ~0.5 MB schema
introspection) and sets no HTTP timeout, so it is built once per worker or task,
never in the hook, and its session gets a default timeout on every request. With
credentials, the plugin's session cookie is traded for Stash's API key, because
cookies expire after an hour and a worker may run longer. Scenes are read in
batches by id, with only the fields the sync needs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from plugin_core.protocol import register_secret
from stash_client import queries as q
from stash_client.errors import StashAuthError, StashError

log = logging.getLogger("plexsync.stash")
_MISSING_SCENE = re.compile(r"scene with id (\d+) not found")
DEFAULT_TIMEOUT = (5.0, 60.0)
PAGE_SIZE = 500


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class _StashLog:
    """stashapi's logger interface, routed into PlexSync's logging (and its redaction)."""

    def debug(self, msg: object) -> None:
        log.debug("stashapi: %s", msg)

    def info(self, msg: object) -> None:
        log.debug("stashapi: %s", msg)

    def warning(self, msg: object) -> None:
        log.debug("stashapi warning: %s", msg)

    def error(self, msg: object) -> None:
        log.debug("stashapi error: %s", msg)

    trace = debug
    progress = debug


def _interface_class() -> type:
    from stashapi.stashapp import StashInterface

    class TimedStashInterface(StashInterface):
        """StashInterface whose every request has a timeout and whose 401 is recognisable."""

        plexsync_timeout: tuple[float, float] = DEFAULT_TIMEOUT

        def _GQL(self, query: str, variables: dict | None = None) -> Any:
            if not getattr(self, "_plexsync_mounted", False):
                adapter = _TimeoutAdapter(self.plexsync_timeout)
                self.s.mount("http://", adapter)
                self.s.mount("https://", adapter)
                self._plexsync_mounted = True
            return super()._GQL(query, variables or {})

        def _handle_GQL_response(self, response: Any) -> Any:
            if response.status_code == 401:
                raise StashAuthError(
                    "Stash refused the plugin's credentials (401); the jobs stay queued. "
                    "Run any PlexSync task from Stash to start a worker with fresh credentials"
                )
            errors = _graphql_errors(response)
            if errors:
                raise StashError(f"Stash answered with an error: {errors[0][:300]}")
            return super()._handle_GQL_response(response)

    return TimedStashInterface


class StashReader:
    """The worker's and tasks' window on Stash."""

    def __init__(
        self, server_connection: dict[str, Any], timeout: tuple[float, float] = DEFAULT_TIMEOUT
    ) -> None:
        conn = dict(server_connection or {})
        cookie = (
            (conn.get("SessionCookie") or {}).get("Value")
            if isinstance(conn.get("SessionCookie"), dict)
            else None
        )
        register_secret(cookie)
        conn["Logger"] = _StashLog()
        host = conn.get("Host") or "localhost"
        self.base_url = f"{conn.get('Scheme') or 'http'}://{'127.0.0.1' if host == '0.0.0.0' else host}:{conn.get('Port') or 9999}"
        cls = _interface_class()
        cls.plexsync_timeout = timeout
        try:
            self.stash = cls(conn, force_api_key=True)
        except StashError:
            raise
        except Exception as exc:
            raise StashError(f"cannot reach Stash at {self.base_url} ({_reason(exc)})") from None
        register_secret(self.stash.s.headers.get("ApiKey"))
        self._utc_offset: dt.timedelta | None = None

    def call(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return self.stash.call_GQL(document, variables or {})
        except StashError:
            raise
        except Exception as exc:
            raise StashError(f"Stash request failed ({_reason(exc)})") from None

    def plugin_settings(self) -> dict[str, Any]:
        plugins = self.call(q.PLUGIN_SETTINGS)["configuration"]["plugins"] or {}
        return dict(plugins.get("PlexSync") or {})

    def scenes_by_id(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The current state of these scenes in ONE request; deleted scenes are absent.

        Stash fails the whole request when one id no longer exists ("scene with id N
        not found"), so such an id is dropped and the request repeated without it.
        """
        wanted = list(ids)
        while wanted:
            try:
                data = self.call(q.FIND_SCENES_BY_ID, {"ids": wanted, "filter": {"per_page": -1}})
            except StashError as exc:
                missing = _MISSING_SCENE.search(str(exc))
                if not missing or missing.group(1) not in wanted:
                    raise
                wanted.remove(missing.group(1))
                continue
            return {str(s["id"]): s for s in data["findScenes"]["scenes"]}
        return {}

    def scene_pages(
        self,
        scene_filter: dict[str, Any] | None = None,
        page_size: int = PAGE_SIZE,
        sort: str = "id",
        direction: str = "ASC",
    ) -> Iterator[tuple[list[dict[str, Any]], int]]:
        """Scenes page by page (never one unbounded request), with the total count."""
        page = 1
        while True:
            data = self.call(
                q.FIND_SCENES_PAGE,
                {
                    "filter": {
                        "page": page,
                        "per_page": page_size,
                        "sort": sort,
                        "direction": direction,
                    },
                    "scene_filter": scene_filter or {},
                },
            )["findScenes"]
            scenes = data["scenes"]
            yield scenes, int(data["count"])
            if len(scenes) < page_size:
                return
            page += 1

    def updated_since(self, since: dt.datetime) -> dict[str, str]:
        """An `updated_at` criterion Stash evaluates correctly.

        Stash stores timestamps as RFC 3339 text in its own time zone and compares the
        criterion as text, so the cutoff is written in Stash's zone, learnt from the
        most recently updated scene.
        """
        if self._utc_offset is None:
            self._utc_offset = self._stash_utc_offset()
        local = since.astimezone(dt.timezone(self._utc_offset)).replace(microsecond=0)
        return {"value": local.isoformat().replace("+00:00", "Z"), "modifier": "GREATER_THAN"}

    def _stash_utc_offset(self) -> dt.timedelta:
        latest, _count = next(self.scene_pages(page_size=1, sort="updated_at", direction="DESC"))
        stamp = latest[0].get("updated_at") if latest else None
        try:
            parsed = dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return dt.timedelta(0)
        return parsed.utcoffset() or dt.timedelta(0)

    def updated_entity_ids(self, since: dt.datetime) -> dict[str, list[str]]:
        """Performers, tags and studios changed since `since`: their renames fire no scene hook."""
        when = self.updated_since(since)
        found = {}
        for kind, document, filter_name in (
            ("performers", q.FIND_UPDATED_PERFORMERS, "performer_filter"),
            ("tags", q.FIND_UPDATED_TAGS, "tag_filter"),
            ("studios", q.FIND_UPDATED_STUDIOS, "studio_filter"),
        ):
            data = self.call(
                document, {"filter": {"per_page": -1}, filter_name: {"updated_at": when}}
            )
            root = next(iter(data.values()))
            found[kind] = [str(e["id"]) for e in root[kind]]
        return found

    def screenshot(self, url: str) -> bytes:
        """The scene's screenshot, fetched from Stash's own address with the plugin's credentials."""
        parts = urlsplit(url)
        base = urlsplit(self.base_url)
        target = urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
        try:
            # No redirects: without valid credentials Stash redirects to its login page,
            # which must never become a Plex poster.
            response = self.stash.s.get(target, allow_redirects=False)
        except requests.RequestException as exc:
            raise StashError(
                f"cannot download the screenshot from Stash ({_reason(exc)})"
            ) from None
        if response.status_code == 401:
            raise StashAuthError("Stash refused the plugin's credentials (401) for a screenshot")
        if response.status_code in (301, 302, 303, 307, 308):
            raise StashAuthError(
                "Stash sent its login page instead of a screenshot; its credentials expired"
            )
        if response.status_code >= 400:
            raise StashError(f"Stash answered {response.status_code} for the scene's screenshot")
        if not response.headers.get("Content-Type", "image/").startswith("image/"):
            raise StashError("Stash sent something that is not an image for the scene's screenshot")
        return response.content


def _graphql_errors(response: Any) -> list[str]:
    try:
        content = response.json()
    except ValueError:
        return []
    errors = content.get("errors") if isinstance(content, dict) else None
    return [str(e.get("message", e)) for e in errors or [] if isinstance(e, dict)]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or reset"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    text = str(exc).strip()
    return text[:200] or type(exc).__name__
