"""The minimal edit that makes a Plex item show a scene's metadata. Pure.

Everything changed goes into ONE `PUT /library/sections/{id}/all` (plexapi's
`edit()`), each field with `.locked=1` so a Plex metadata refresh does not revert
it. Tag lists are sent whole with indexed keys, which replace the list, plus an
explicit removal of the entries that go. An unchanged field is not sent; an empty
plan sends nothing at all.

Stash's silence is not an instruction to erase (CONTRACT §6): a non-empty Stash
value always wins, but an empty one clears only a value PlexSync itself wrote to
the item, and an empty tag list removes only the entries PlexSync wrote. What
PlexSync wrote comes in as `written` (sync_queue/written_values.py) and goes out,
updated, as `EditPlan.written`, to be saved once Plex accepted the edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from plex.item_values import PlexValues
from validation.metadata import SceneMetadata

NOT_OWNED = object()  # PlexSync never wrote this field of the item
KEEP = object()  # the rule leaves Plex's value as it is
SCALARS = {"title": "title", "summary": "summary", "studio": "studio"}
LISTS = {"performers": "actor", "tags": "genre", "director": "director"}


@dataclass(frozen=True)
class EditPlan:
    params: dict[str, str] = field(default_factory=dict)
    changed: tuple[str, ...] = ()
    locked: tuple[str, ...] = ()
    set_rating: bool = False
    rating: float | None = None
    written: dict[str, object] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.params and not self.set_rating


def scalar_target(
    wanted: object, have: object, written: object, clear_to: object, preserve: bool
) -> tuple[object, object]:
    """(value to write or KEEP, what PlexSync owns afterwards) for one single-valued field."""
    if not _empty(wanted):
        if have == wanted:
            return KEEP, wanted
        if preserve and not _empty(have):
            return KEEP, written
        return wanted, wanted
    if written is NOT_OWNED or have != written or have == clear_to:
        return KEEP, written
    if preserve and not _empty(have):
        return KEEP, written
    return clear_to, clear_to


def list_target(
    wanted: tuple[str, ...], have: tuple[str, ...], written: object, preserve: bool
) -> tuple[object, object]:
    """(list to write or KEEP, what PlexSync owns afterwards) for one tag list."""
    if wanted:
        if set(have) == set(wanted):
            return KEEP, wanted
        if preserve and have:
            return KEEP, written
        return wanted, wanted
    if written is NOT_OWNED or (preserve and have):
        return KEEP, written
    ours = set(written)  # type: ignore[call-overload]
    kept = tuple(tag for tag in have if tag not in ours)
    return (kept if kept != have else KEEP), ()


def assume_written(
    current: PlexValues, sync_fields: tuple[str, ...], studio_sent: str | None
) -> dict[str, object]:
    """What a 1.x sync left in Plex: every synced field as it is now (see CHANGELOG 1.2.0)."""
    values = _plex_values(current)
    assumed = {name: values[name] for name in sync_fields if name in values}
    if "studioCollection" in sync_fields and studio_sent:
        assumed["studioCollection"] = (studio_sent,)
    return assumed


def build_edit(
    meta: SceneMetadata,
    current: PlexValues,
    sync_fields: tuple[str, ...],
    preserve_plex_edits: bool = False,
    written: Mapping[str, object] | None = None,
) -> EditPlan:
    """Compare wanted and current values field by field; return only the differences."""
    wanted = _wanted_values(meta)
    have = _plex_values(current)
    builder = _Builder(current, preserve_plex_edits, dict(written or {}))
    for name in sync_fields:
        if name in SCALARS:
            clear_to = meta.title if name == "title" else ""  # the file name, as Plex would
            builder.scalar(name, SCALARS[name], wanted[name], have[name], clear_to)
        elif name == "date":
            builder.date(wanted["date"], have["date"])
        elif name in LISTS:
            builder.tag_list(name, LISTS[name], wanted[name], have[name])
        elif name == "studioCollection":
            builder.studio_collection(meta.studio, current.collections)
        elif name == "rating":
            builder.rating(wanted["rating"], have["rating"])
    return builder.plan()


class _Builder:
    """Collects the params of one edit while the rules decide field by field."""

    def __init__(self, current: PlexValues, preserve: bool, owned: dict[str, object]) -> None:
        self.current = current
        self.preserve = preserve
        self.owned = owned
        self.params: dict[str, str] = {}
        self.changed: list[str] = []
        self.locked: list[str] = []
        self.set_rating = False
        self.new_rating: float | None = None

    def scalar(self, name: str, key: str, wanted: str, have: str, clear_to: str) -> None:
        value, self.owned[name] = self._scalar_rule(name, wanted, have, clear_to)
        if value is not KEEP:
            self.params[f"{key}.value"] = str(value)
        self._lock(name, [key], value is not KEEP)

    def date(self, wanted: str, have: str) -> None:
        value, self.owned["date"] = self._scalar_rule("date", wanted, have, "")
        if value is not KEEP:
            self.params["originallyAvailableAt.value"] = str(value)
            self.params["year.value"] = str(value)[:4]
        self._lock("date", ["originallyAvailableAt", "year"], value is not KEEP)

    def tag_list(self, name: str, key: str, wanted: tuple[str, ...], have: tuple[str, ...]) -> None:
        written = self.owned.get(name, NOT_OWNED)
        value, self.owned[name] = list_target(wanted, have, written, self.preserve)
        if value is not KEEP:
            self._send_list(key, value, have)  # type: ignore[arg-type]
        self._lock(name, [key], value is not KEEP)

    def studio_collection(self, studio: str, have: tuple[str, ...]) -> None:
        """Keep the scene in its studio's collection only; other collections are not ours."""
        written = self.owned.get("studioCollection", NOT_OWNED)
        if not studio and written is NOT_OWNED:
            return
        ours = set() if written is NOT_OWNED else set(written)  # type: ignore[call-overload]
        kept = tuple(c for c in have if c not in ours and c != studio)
        target = (*kept, studio) if studio else kept
        self.owned["studioCollection"] = (studio,) if studio else ()
        if set(target) != set(have):
            self._send_list("collection", target, have)
        self._lock("studioCollection", ["collection"], set(target) != set(have))

    def rating(self, wanted: float | None, have: float | None) -> None:
        written = self.owned.get("rating", NOT_OWNED)
        value, self.owned["rating"] = scalar_target(wanted, have, written, None, self.preserve)
        if value is not KEEP:
            self.set_rating, self.new_rating = True, wanted
            self.changed.append("rating")

    def plan(self) -> EditPlan:
        written = {k: v for k, v in self.owned.items() if v is not NOT_OWNED}
        return EditPlan(
            self.params,
            tuple(self.changed),
            tuple(self.locked),
            self.set_rating,
            self.new_rating,
            written,
        )

    def _send_list(self, key: str, value: tuple[str, ...], have: tuple[str, ...]) -> None:
        for i, tag in enumerate(value):
            self.params[f"{key}[{i}].tag.tag"] = tag
        removed = [tag for tag in have if tag not in value]
        if removed:
            # plexapi quotes each removed tag before joining, so a tag with a comma survives.
            self.params[f"{key}[].tag.tag-"] = ",".join(quote(tag) for tag in removed)

    def _scalar_rule(
        self, name: str, wanted: str, have: str, clear_to: str
    ) -> tuple[object, object]:
        return scalar_target(wanted, have, self.owned.get(name, NOT_OWNED), clear_to, self.preserve)

    def _lock(self, name: str, keys: list[str], written_now: bool) -> None:
        """Lock what was written, and an owned field someone unlocked (a refresh would revert it)."""
        if self.owned.get(name, NOT_OWNED) is NOT_OWNED or name == "rating":
            return
        if written_now:
            self.changed.append(name)
        elif keys[0] in self.current.locked:
            return
        else:
            self.locked.append(name)
        for key in keys:
            self.params[f"{key}.locked"] = "1"


def _wanted_values(meta: SceneMetadata) -> dict[str, Any]:
    """What Stash says, per syncFields name; empty where Stash has nothing."""
    return {
        "title": meta.stash_title,
        "summary": meta.summary,
        "studio": meta.studio,
        "date": meta.date or "",
        "performers": meta.performers,
        "tags": meta.tags,
        "director": (meta.director,) if meta.director else (),
        "rating": meta.rating,
    }


def _plex_values(current: PlexValues) -> dict[str, Any]:
    """What Plex shows, per syncFields name."""
    return {
        "title": current.title,
        "summary": current.summary,
        "studio": current.studio,
        "date": current.date or "",
        "performers": current.actors,
        "tags": current.genres,
        "director": current.directors,
        "rating": current.user_rating,
    }


def _empty(value: object) -> bool:
    return value is None or value in ("", ())
