"""health_check and match_report: what works, what matches, and why not. Writes nothing to Plex."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from plex.errors import AuthError, LibraryNotFound, PlexError
from plex.index import PlexIndex
from plex.matcher import HIGH, LOW, NONE, SceneFiles
from plex.path_map import map_path
from plex.scene_lookup import SceneLookup
from sync_queue.state_db import open_state_db
from tasks.errors import TaskError
from tasks.match_hints import unmatched_hint
from tasks.task_run import TaskRun
from validation.metadata import file_stem

log = logging.getLogger("plexsync.task")
SAMPLE_SIZE = 50
UNMATCHED_SHOWN = 5
REPORT_ITEMS_MAX = 1000


def health_check(run: TaskRun) -> dict[str, Any]:
    ctx = run.ctx
    out: dict[str, Any] = {
        "plex_reachable": False,
        "token_valid": False,
        "libraries": [],
        "sample_match_rate": None,
    }
    try:
        ctx.plex.identity()
        out["plex_reachable"] = True
        run.progress(0.2)
        ctx.plex.server  # noqa: B018 - connecting proves the token
        out["token_valid"] = True
        out["platform"] = ctx.plex.platform
    except AuthError as exc:
        raise TaskError(str(exc), out) from None
    except PlexError as exc:
        raise TaskError(
            f"{exc} (tried {ctx.settings.plex_url}); check plexUrl in "
            "Stash > Settings > Plugins > PlexSync and that Plex is running",
            out,
        ) from None
    state = open_state_db(run.data_dir)
    try:
        index = PlexIndex(state, ctx.plex, ctx.settings.plex_libraries, scale=run.time_scale)
        try:
            index.rebuild()
        except LibraryNotFound as exc:
            raise TaskError(str(exc), out) from None
        out["libraries"] = _libraries(state)
        run.progress(0.6)
        out.update(
            _sample(run, SceneLookup(index, ctx.plex, ctx.settings.path_map), out["libraries"])
        )
    finally:
        state.close()
    run.progress(1.0)
    log.info(
        "health check: Plex reachable, token valid, %d library(ies), %s of sampled scenes match",
        len(out["libraries"]),
        _percent(out["sample_match_rate"]),
    )
    return out


def _libraries(state: Any) -> list[dict[str, Any]]:
    rows = state.execute(
        "SELECT key, title, type, locations, item_files FROM plex_sections ORDER BY key"
    )
    import json

    return [
        {"key": k, "title": t, "type": ty, "locations": json.loads(loc), "files": n}
        for k, t, ty, loc, n in rows
    ]


def _sample(run: TaskRun, lookup: SceneLookup, libraries: list[dict[str, Any]]) -> dict[str, Any]:
    scenes, _total = next(run.ctx.stash.scene_pages(page_size=SAMPLE_SIZE), ([], 0))
    scenes = [s for s in scenes if s.get("files")]
    results = [(s, lookup.match(_scene_files(s))) for s in scenes]
    high = [r for r in results if r[1].confidence == HIGH]
    unmatched = [
        {
            "scene_id": str(s["id"]),
            "stash_path": s["files"][0]["path"],
            "plex_path_tried": map_path(s["files"][0]["path"], run.ctx.settings.path_map),
        }
        for s, r in results
        if r.confidence != HIGH
    ][:UNMATCHED_SHOWN]
    rate = round(len(high) / len(results), 3) if results else None
    out: dict[str, Any] = {
        "sample_size": len(results),
        "sample_match_rate": rate,
        "unmatched_examples": unmatched,
    }
    locations = [loc for library in libraries for loc in library["locations"]]
    hint = unmatched_hint((u["plex_path_tried"] for u in unmatched), locations)
    if hint:
        out["hint"] = hint
    return out


def _scene_files(scene: dict[str, Any]) -> SceneFiles:
    files = tuple((f["path"], int(f.get("size") or 0)) for f in scene.get("files") or [])
    return SceneFiles(files, tuple(scene.get("urls") or []))


def _report_match(lookup: SceneLookup, scene: dict[str, Any]) -> Any:
    """The sync's own lookup; a Plex failure ends the report with a pointer to Health check."""
    try:
        return lookup.match(_scene_files(scene))
    except LibraryNotFound as exc:
        raise TaskError(str(exc)) from None
    except PlexError as exc:
        raise TaskError(f"{exc}; run 'Health check' for details") from None


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


SCAN_HINT = (
    "turn on scanPlexFolders in Stash > Settings > Plugins > PlexSync so that PlexSync asks "
    "Plex to scan the folder of a file it does not show yet; if Plex has the files, "
    "run 'Health check' to check pathMap"
)


def match_report(run: TaskRun) -> dict[str, Any]:
    """Dry run: how every (or every recent) scene matches in Plex, with reasons."""
    ctx = run.ctx
    state = open_state_db(run.data_dir)
    counts = {HIGH: 0, LOW: 0, NONE: 0}
    items: list[dict[str, Any]] = []
    try:
        index = PlexIndex(state, ctx.plex, ctx.settings.plex_libraries, scale=run.time_scale)
        lookup = SceneLookup(index, ctx.plex, ctx.settings.path_map)
        for scenes, seen, total in _scene_pages(run):
            for scene in scenes:
                result = _report_match(lookup, scene)
                counts[result.confidence] += 1
                if result.confidence != HIGH and len(items) < REPORT_ITEMS_MAX:
                    items.append(_report_item(scene, result))
            run.progress(min(1.0, seen / max(1, total)))
    finally:
        state.close()
    hint = SCAN_HINT if counts[NONE] and not ctx.settings.scan_plex_folders else None
    log.info(
        "match report: %d high, %d low, %d unmatched%s",
        counts[HIGH],
        counts[LOW],
        counts[NONE],
        f"; {hint}" if hint else "",
    )
    return {
        "high": counts[HIGH],
        "low": counts[LOW],
        "unmatched": counts[NONE],
        "items": items,
        "items_truncated": max(0, counts[LOW] + counts[NONE] - len(items)),
        **({"hint": hint} if hint else {}),
    }


def _scene_pages(run: TaskRun) -> Iterator[tuple[list[dict[str, Any]], int, int]]:
    scene_filter = None
    if "hours" in run.args:
        hours = run.number_arg("hours", 24, 0.01, 24 * 3650)
        since = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours)
        scene_filter = {"updated_at": run.ctx.stash.updated_since(since)}
    seen = 0
    for scenes, total in run.ctx.stash.scene_pages(scene_filter):
        seen += len(scenes)
        yield scenes, seen, total


def _report_item(scene: dict[str, Any], result: Any) -> dict[str, Any]:
    files = scene.get("files") or []
    title = scene.get("title") or (file_stem(files[0]["path"]) if files else "")
    return {
        "scene_id": str(scene["id"]),
        "title": title,
        "confidence": result.confidence,
        "reason": result.reason,
        "candidates": [
            {"rating_key": c.rating_key, "path": c.path, "size": c.size}
            for c in result.candidates[:5]
        ],
    }
