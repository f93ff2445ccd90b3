"""Does a Plex item still show what PlexSync sent? The one comparison sync and reconcile share. Pure.

The edit builder says which values differ. On top of it, a field PlexSync owns
(it synced a non-empty Stash value into this item) that Plex shows right but no
longer locked is drift too: the next agent refresh would revert it, so it is
locked again. Ownership is judged from the scene's sync record for this item: a
record and a non-empty Stash value. `wanted_edit` is the single place that calls
`build_edit` for both paths, so a change of the edit rules reaches both.
"""

from __future__ import annotations

from dataclasses import replace

from plex.edits import EditPlan, build_edit
from plex.item_values import PlexValues
from sync_queue.sync_state import SyncRecord
from validation.config import Settings
from validation.metadata import SceneMetadata

# syncFields name -> the Plex field names locked when it is written.
LOCKS = {
    "title": ("title",),
    "summary": ("summary",),
    "studio": ("studio",),
    "date": ("originallyAvailableAt", "year"),
    "performers": ("actor",),
    "tags": ("genre",),
    "director": ("director",),
}
_STASH_VALUE = {
    "title": "title",
    "summary": "summary",
    "studio": "studio",
    "date": "date",
    "performers": "performers",
    "tags": "tags",
    "director": "director",
}


def wanted_edit(
    meta: SceneMetadata, current: PlexValues, settings: Settings, previous: SyncRecord | None
) -> EditPlan:
    """build_edit's plan, plus the locks of owned fields Plex shows right but unlocked."""
    plan = build_edit(
        meta,
        current,
        settings.sync_fields,
        settings.preserve_plex_edits,
        previous.studio_sent if previous else None,
    )
    if previous is None:
        return plan
    params = dict(plan.params)
    relocked = []
    for name in unlocked_owned(meta, current, settings.sync_fields, plan.changed):
        params.update({f"{field}.locked": "1" for field in LOCKS[name]})
        relocked.append(name)
    if not relocked:
        return plan
    return replace(plan, params=params, changed=(*plan.changed, *relocked))


def unlocked_owned(
    meta: SceneMetadata,
    current: PlexValues,
    sync_fields: tuple[str, ...],
    already: tuple[str, ...] = (),
) -> list[str]:
    """Synced fields with a Stash value whose first Plex lock is missing."""
    return [
        name
        for name, fields in LOCKS.items()
        if name in sync_fields
        and name not in already
        and getattr(meta, _STASH_VALUE[name])
        and fields[0] not in current.locked
    ]


def drifted_fields(
    meta: SceneMetadata, current: PlexValues, settings: Settings, previous: SyncRecord | None
) -> list[str]:
    """The synced fields in which the Plex item differs from what the sync would leave."""
    fields = list(wanted_edit(meta, current, settings, previous).changed)
    poster_owned = previous is not None and previous.poster_sha
    if "poster" in settings.sync_fields and poster_owned and "thumb" not in current.locked:
        fields.append("poster")
    return fields
