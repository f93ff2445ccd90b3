"""The minimal edit that makes a Plex item show a scene's metadata. Pure.

Everything changed goes into ONE `PUT /library/sections/{id}/all` (plexapi's
`edit()`), each field with `.locked=1` so a Plex metadata refresh does not revert
it. Tag lists are sent whole with indexed keys, which replace the list, plus an
explicit removal of tags Stash no longer has: Stash is the source of truth. An
unchanged field is not sent; an empty plan sends nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from plex.item_values import PlexValues
from validation.metadata import SceneMetadata

TAG_FIELDS = {"performers": ("actor", "actors"), "tags": ("genre", "genres")}


@dataclass(frozen=True)
class EditPlan:
    params: dict[str, str] = field(default_factory=dict)
    changed: tuple[str, ...] = ()
    set_rating: bool = False
    rating: float | None = None

    @property
    def empty(self) -> bool:
        return not self.params and not self.set_rating


def build_edit(
    meta: SceneMetadata,
    current: PlexValues,
    sync_fields: tuple[str, ...],
    preserve_plex_edits: bool = False,
    previous_studio: str | None = None,
) -> EditPlan:
    """Compare wanted and current values field by field; return only the differences."""
    params: dict[str, str] = {}
    changed: list[str] = []

    def writable(current_value: object) -> bool:
        return not preserve_plex_edits or not current_value

    def scalar(name: str, key: str, wanted: str, have: str) -> None:
        if wanted != have and writable(have):
            params[f"{key}.value"] = wanted
            params[f"{key}.locked"] = "1"
            changed.append(name)

    if "title" in sync_fields and meta.title:
        scalar("title", "title", meta.title, current.title)
    if "summary" in sync_fields:
        scalar("summary", "summary", meta.summary, current.summary)
    if "studio" in sync_fields:
        scalar("studio", "studio", meta.studio, current.studio)
    if (
        "date" in sync_fields
        and (meta.date or "") != (current.date or "")
        and writable(current.date)
    ):
        params["originallyAvailableAt.value"] = meta.date or ""
        params["originallyAvailableAt.locked"] = "1"
        params["year.value"] = str(meta.year or "")
        params["year.locked"] = "1"
        changed.append("date")
    for name, (key, attribute) in TAG_FIELDS.items():
        if name in sync_fields:
            _tag_list(
                params,
                changed,
                name,
                key,
                getattr(meta, name),
                getattr(current, attribute),
                writable,
            )
    if "director" in sync_fields:
        wanted = (meta.director,) if meta.director else ()
        _tag_list(params, changed, "director", "director", wanted, current.directors, writable)
    if "studioCollection" in sync_fields:
        wanted = _collections(current.collections, previous_studio, meta.studio)
        _tag_list(
            params,
            changed,
            "studioCollection",
            "collection",
            wanted,
            current.collections,
            lambda _v: True,
        )
    set_rating = (
        "rating" in sync_fields
        and meta.rating != current.user_rating
        and writable(current.user_rating)
    )
    if set_rating:
        changed.append("rating")
    return EditPlan(params, tuple(changed), set_rating, meta.rating)


def _tag_list(
    params: dict[str, str],
    changed: list[str],
    name: str,
    key: str,
    wanted: tuple[str, ...],
    have: tuple[str, ...],
    writable,
) -> None:
    if set(wanted) == set(have) or not writable(have):
        return
    for i, tag in enumerate(wanted):
        params[f"{key}[{i}].tag.tag"] = tag
    removed = [tag for tag in have if tag not in wanted]
    if removed:
        # plexapi quotes each removed tag before joining, so a tag with a comma survives.
        params[f"{key}[].tag.tag-"] = ",".join(quote(tag) for tag in removed)
    params[f"{key}.locked"] = "1"
    changed.append(name)


def _collections(
    current: tuple[str, ...], previous_studio: str | None, studio: str
) -> tuple[str, ...]:
    """Move the scene from its old studio's collection to the new one; keep the others."""
    kept = [c for c in current if c not in (previous_studio, studio)]
    return (*kept, studio) if studio else tuple(kept)
