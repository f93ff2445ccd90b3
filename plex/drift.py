"""Does a Plex item still show what Stash says? The one comparison sync and reconcile share. Pure.

`wanted_edit` is the only caller of the edit builder (plex/edits.py), so a change of
the edit rules reaches both paths: what the sync would write is exactly what
reconcile calls drift. That includes a field PlexSync owns that Plex shows right but
no longer locked (the next agent refresh would revert it), and never a value
PlexSync did not write (CONTRACT §6). An item PlexSync 1.x synced, before it kept
the values it wrote, counts as written for the fields it synced.
"""

from __future__ import annotations

from collections.abc import Mapping

from plex.edits import EditPlan, assume_written, build_edit
from plex.item_values import PlexValues
from sync_queue.sync_state import SyncRecord
from validation.config import Settings
from validation.metadata import SceneMetadata


def wanted_edit(
    meta: SceneMetadata,
    current: PlexValues,
    settings: Settings,
    written: Mapping[str, object] | None,
    previous: SyncRecord | None,
) -> EditPlan:
    """The edit that makes the item show the scene; `previous` is its record for this item."""
    if written is None and previous is not None and previous.fingerprint:
        written = assume_written(current, settings.sync_fields, previous.studio_sent)
    return build_edit(meta, current, settings.sync_fields, settings.preserve_plex_edits, written)


def drifted_fields(plan: EditPlan, current: PlexValues, poster_sha: str | None) -> list[str]:
    """The synced fields in which the item differs from what a sync would leave."""
    fields = [*plan.changed, *plan.locked]
    if poster_sha and "thumb" not in current.locked:
        fields.append("poster")
    return fields
