"""Reading what a Plex item shows from plexapi's object into plain values."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as Obj

from plex.item_values import PlexValues, read_values


def tags(*names: str | None) -> list[Obj]:
    return [Obj(tag=n) for n in names]


def test_read_values_from_a_loaded_video() -> None:
    item = Obj(
        ratingKey=501,
        title="Title",
        summary="Summary",
        studio="Acme",
        originallyAvailableAt=dt.datetime(2021, 3, 4),
        genres=tags("HD", "Outdoor"),
        roles=tags("Ann", "Bob"),
        directors=tags("Jane"),
        collections=tags("Acme"),
        userRating=8.5,
        fields=[Obj(name="title", locked=True), Obj(name="summary", locked=False)],
    )
    assert read_values(item) == PlexValues(
        rating_key="501",
        title="Title",
        summary="Summary",
        studio="Acme",
        date="2021-03-04",
        genres=("HD", "Outdoor"),
        actors=("Ann", "Bob"),
        directors=("Jane",),
        collections=("Acme",),
        user_rating=8.5,
        locked=frozenset({"title"}),
    )


def test_read_values_of_an_item_with_nothing_set() -> None:
    item = Obj(ratingKey="7", title=None, summary=None, studio=None, userRating=None)
    assert read_values(item) == PlexValues(rating_key="7")


def test_read_values_when_plexapi_lists_are_none_or_hold_empty_tags() -> None:
    item = Obj(ratingKey=1, title="t", genres=None, roles=tags("", None, "Ann"), fields=None)
    values = read_values(item)
    assert (values.genres, values.actors, values.locked) == ((), ("Ann",), frozenset())


def test_integer_user_rating_is_a_float() -> None:
    assert read_values(Obj(ratingKey=1, title="t", userRating=6)).user_rating == 6.0
