"""A fake Stash server that speaks real HTTP and real GraphQL.

PlexSync talks to Stash through stashapi and plain ``requests``; a mock of either
would only test our guesses about them. This fake instead listens on a socket,
executes every GraphQL document with graphql-core against
``stash_schema.graphql`` (a subset of Stash's schema that a conformance test keeps
honest), and copies the Stash behaviours that bite clients:

* authentication as in Stash's ``authenticateHandler``: with credentials, a request
  needs the ``session`` cookie or an ``ApiKey`` header (``apikey`` query parameter
  too); ``/graphql`` answers 401 with ``WWW-Authenticate: FormBased`` and an empty
  body, other pages answer 302 to ``/login``, and a wrong API key is a 401 even on a
  Stash without credentials;
* gqlgen's statuses: 200 for results and resolver errors, 422 for documents that do
  not parse or validate (or whose variables do not fit), 400 for a body that is not
  JSON or not sent as ``application/json``;
* ``findScenes(ids:)`` ignores ``scene_filter`` and ``filter`` (no paging), returns
  the scenes in the order asked, and fails the whole query with
  ``scene with id N not found`` when one id is unknown or repeated (Stash's
  ``FindMany``); the same goes for performers, tags and studios;
* ``updated_at``/``created_at`` are stored and returned as RFC3339 text with second
  precision in the server's time zone (``tz``), and ``TimestampCriterionInput`` is
  compared as TEXT against that stored string, exactly as SQLite does for Stash. A
  value written in another zone or format compares wrongly, as it does in Stash;
* ``per_page: -1`` returns everything, ``per_page: 0`` only the count, ``page`` below
  1 means 1; without ``sort`` the fake returns id order (Stash promises no order);
* renaming or deleting a performer, tag or studio changes that entity's
  ``updated_at`` but not the ``updated_at`` of its scenes;
* unknown GET paths answer 200 with an HTML page, like Stash's single-page UI.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import dataclasses
import functools
import hashlib
import json
import re
import secrets
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute_sync,
    parse,
    validate,
)

from tests.fakes.http_server import FakeHTTPServer

SCHEMA_PATH = Path(__file__).with_name("stash_schema.graphql")
STASH_VERSION = "v0.30.1"
STASH_HASH = "cf3489efd"
STASH_BUILD_TIME = "2026-01-11 12:00:00"
_SESSION_COOKIE_NAME = "session"
_JSON = "application/json"
_ATOI = re.compile(r"[+-]?[0-9]+")
_SCREENSHOT_PATH = re.compile(r"^/scene/([^/]+)/screenshot$")
_PLUGIN_FILE_PATH = re.compile(r"^/plugin/([^/]+)/(javascript|css)$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_WORDS = re.compile(r'"([^"]*)"|(\S+)')
_SCENE_FIELDS = frozenset(
    {
        "title",
        "code",
        "details",
        "date",
        "studio",
        "performers",
        "tags",
        "files",
        "urls",
        "organized",
        "director",
        "rating100",
        "screenshot",
        "stash_ids",
    }
)


# --------------------------------------------------------------------------- time


def go_rfc3339(moment: datetime, tz: tzinfo = timezone.utc) -> str:
    """Format like Go's ``time.RFC3339`` so strings compare as Stash's do.

    Stash writes timestamps as RFC3339 text in its own zone with whole seconds and
    ``Z`` for UTC; the fake must produce the identical text because timestamp
    filters compare text.
    """
    local = moment.astimezone(tz).replace(microsecond=0)
    offset = local.utcoffset() or timedelta(0)
    if offset == timedelta(0):
        suffix = "Z"
    else:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        minutes = abs(minutes)
        suffix = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    return local.strftime("%Y-%m-%dT%H:%M:%S") + suffix


class FakeClock:
    """A clock tests move by hand, so scenes can be made "old" without sleeping.

    It starts at the current second unless told otherwise, so a plugin process
    that reads the real clock ("the last 24 hours") agrees with the fake's data.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(timezone.utc).replace(microsecond=0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- images


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid solid-colour PNG, so poster code sees a real image, not a stub."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


@functools.lru_cache(maxsize=4096)
def default_screenshot(scene_id: str) -> bytes:
    """Each scene gets its own colour, so a test can tell whose poster was sent."""
    digest = hashlib.md5(scene_id.encode(), usedforsecurity=False).digest()
    return png_bytes(8, 8, (digest[0], digest[1], digest[2]))


def _image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


# --------------------------------------------------------------------------- model


@dataclasses.dataclass(slots=True)
class _Entity:
    id: int
    name: str
    created_at: str
    updated_at: str
    aliases: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(slots=True)
class _File:
    id: int
    path: str
    size: int
    duration: float
    created_at: str

    @property
    def basename(self) -> str:
        if "\\" in self.path or re.match(r"^[A-Za-z]:", self.path):
            return PureWindowsPath(self.path).name
        return PurePosixPath(self.path).name

    @property
    def fingerprints(self) -> list[dict[str, str]]:
        raw = self.path.encode()
        return [
            {"type": "oshash", "value": hashlib.sha256(raw).hexdigest()[:16]},
            {"type": "md5", "value": hashlib.md5(raw, usedforsecurity=False).hexdigest()},
        ]


@dataclasses.dataclass(slots=True)
class _Scene:
    id: int
    created_at: str
    updated_at: str
    updated_unix: int
    title: str = ""
    code: str = ""
    details: str = ""
    director: str = ""
    date: str | None = None
    rating100: int | None = None
    organized: bool = False
    urls: list[str] = dataclasses.field(default_factory=list)
    studio_id: int | None = None
    performer_ids: list[int] = dataclasses.field(default_factory=list)
    tag_ids: list[int] = dataclasses.field(default_factory=list)
    files: list[_File] = dataclasses.field(default_factory=list)
    stash_ids: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    screenshot: bytes | None = None


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake saw it, for asserting on what a client sent."""

    path: str
    operation_name: str | None
    query: str | None
    variables: dict[str, Any] | None
    headers: dict[str, str]
    cookies: dict[str, str]
    method: str = "POST"
    status: int = 0
    params: dict[str, str] = dataclasses.field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """Header lookup ignoring case, as HTTP does."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclasses.dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class _Context:
    fake: FakeStash
    base_url: str


class _Kind:
    """Performers, tags and studios share one store shape and one set of rules."""

    def __init__(self, noun: str) -> None:
        self.noun = noun
        self.by_id: dict[int, _Entity] = {}
        self.by_name: dict[str, int] = {}


# --------------------------------------------------------------------------- filters


def _atoi(value: Any) -> int:
    text = str(value)
    if not _ATOI.fullmatch(text):
        raise GraphQLError(f'strconv.Atoi: parsing "{text}": invalid syntax')
    return int(text)


def _search_words(value: str) -> list[str]:
    return [quoted or bare for quoted, bare in _WORDS.findall(value)]


def _match_string(actual: str | None, criterion: Mapping[str, Any]) -> bool:
    """Stash's stringCriterionHandler: LIKE is case-insensitive, INCLUDES is per word."""
    modifier = criterion["modifier"]
    value = criterion["value"]
    text = actual or ""
    folded = text.casefold()
    if modifier == "EQUALS":
        return folded == value.casefold()
    if modifier == "NOT_EQUALS":
        return folded != value.casefold()
    if modifier == "INCLUDES":
        return all(word.casefold() in folded for word in _search_words(value))
    if modifier == "EXCLUDES":
        return not any(word.casefold() in folded for word in _search_words(value))
    if modifier == "MATCHES_REGEX":
        return re.search(value, text) is not None
    if modifier == "NOT_MATCHES_REGEX":
        return re.search(value, text) is None
    if modifier == "IS_NULL":
        return not text.strip()
    if modifier == "NOT_NULL":
        return bool(text.strip())
    raise GraphQLError(f"unsupported string modifier {modifier}")


def _match_int(actual: int | None, criterion: Mapping[str, Any]) -> bool:
    modifier = criterion["modifier"]
    if modifier == "IS_NULL":
        return actual is None
    if modifier == "NOT_NULL":
        return actual is not None
    if actual is None:
        return False
    low = criterion["value"]
    high = criterion.get("value2")
    checks: dict[str, Callable[[], bool]] = {
        "EQUALS": lambda: actual == low,
        "NOT_EQUALS": lambda: actual != low,
        "GREATER_THAN": lambda: actual > low,
        "LESS_THAN": lambda: actual < low,
        "BETWEEN": lambda: high is not None and low <= actual <= high,
        "NOT_BETWEEN": lambda: high is not None and not low <= actual <= high,
    }
    if modifier not in checks:
        raise GraphQLError(f"unsupported int modifier {modifier}")
    return checks[modifier]()


def _match_timestamp(stored: str, criterion: Mapping[str, Any], default_upper: str) -> bool:
    """Text comparison, because that is what SQLite does with Stash's timestamps."""
    modifier = criterion["modifier"]
    value = criterion["value"]
    upper = criterion.get("value2") or default_upper
    checks: dict[str, Callable[[], bool]] = {
        "EQUALS": lambda: stored == value,
        "NOT_EQUALS": lambda: stored != value,
        "GREATER_THAN": lambda: stored > value,
        "LESS_THAN": lambda: stored < value,
        "BETWEEN": lambda: value <= stored <= upper,
        "NOT_BETWEEN": lambda: not value <= stored <= upper,
        "IS_NULL": lambda: False,
        "NOT_NULL": lambda: True,
    }
    # Stash builds no clause for any other modifier, so the criterion matches all.
    return checks.get(modifier, lambda: True)()


def _match_ids(actual: Sequence[int], criterion: Mapping[str, Any]) -> bool:
    """getMultiCriterionClause, without tag or studio hierarchy (the fake has none)."""
    modifier = criterion["modifier"]
    wanted = {_atoi(v) for v in criterion.get("value") or ()}
    excluded = {_atoi(v) for v in criterion.get("excludes") or ()}
    have = set(actual)
    if excluded & have:
        return False
    if modifier == "INCLUDES":
        return not wanted or bool(wanted & have)
    if modifier == "INCLUDES_ALL":
        return wanted <= have
    if modifier == "EXCLUDES":
        return not wanted & have
    if modifier == "IS_NULL":
        return not have
    if modifier == "NOT_NULL":
        return bool(have)
    raise GraphQLError(f"unsupported multi modifier {modifier}")


def _combine(
    item: Any,
    spec: Mapping[str, Any] | None,
    own: Callable[[Any, Mapping[str, Any]], list[bool]],
) -> bool:
    """Stash's filterBuilder: own criteria ANDed, then one AND/OR/NOT sub-filter."""
    if not spec:
        return True
    subs = [key for key in ("AND", "OR", "NOT") if spec.get(key) is not None]
    if len(subs) > 1:
        raise GraphQLError(f"cannot have {subs[0]} and {subs[1]} in the same filter")
    results = own(item, spec)
    has_own = bool(results)
    mine = all(results)
    if not subs:
        return mine
    sub = _combine(item, spec[subs[0]], own)
    if subs[0] == "AND":
        return mine and sub
    if subs[0] == "OR":
        return (mine or sub) if has_own else sub
    return mine and not sub


def _paginate(items: list[Any], find_filter: Mapping[str, Any] | None) -> tuple[list[Any], int]:
    find_filter = find_filter or {}
    total = len(items)
    per_page = find_filter.get("per_page")
    if per_page is None:
        per_page = 25
    if per_page < 0:
        return items, total
    page = find_filter.get("page") or 1
    page = max(page, 1)
    start = (page - 1) * per_page
    return items[start : start + per_page], total


def _sorted(
    items: list[Any],
    find_filter: Mapping[str, Any] | None,
    keys: Mapping[str, Callable[[Any], Any]],
    default: str | None,
) -> list[Any]:
    find_filter = find_filter or {}
    sort = find_filter.get("sort") or default
    if not sort:
        return items
    if sort not in keys:
        raise GraphQLError(f"invalid sort: {sort}")
    descending = find_filter.get("direction") == "DESC"
    ordered = sorted(items, key=lambda item: item.id)
    return sorted(ordered, key=keys[sort], reverse=descending)


# --------------------------------------------------------------------------- schema


@functools.cache
def stash_schema() -> GraphQLSchema:
    """The fake's schema with resolvers attached; built once per process."""
    schema = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    _attach_resolvers(schema)
    return schema


@functools.lru_cache(maxsize=512)
def _prepare(query: str) -> tuple[DocumentNode | None, tuple[dict[str, Any], ...]]:
    """Parse and validate once per distinct document: stashapi's is 0.5 MB."""
    try:
        document = parse(query)
    except GraphQLError as error:
        formatted = dict(error.formatted)
        formatted["extensions"] = {"code": "GRAPHQL_PARSE_FAILED"}
        return None, (formatted,)
    errors = validate(stash_schema(), document)
    if errors:
        out = []
        for error in errors:
            formatted = dict(error.formatted)
            formatted["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
            out.append(formatted)
        return None, tuple(out)
    return document, ()


@functools.lru_cache(maxsize=512)
def _operation_name(query: str, requested: str | None) -> str | None:
    if requested:
        return requested
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1 and operations[0].name is not None:
        return operations[0].name.value
    return None


def _fake(info: Any) -> FakeStash:
    return info.context.fake


def _attach_resolvers(schema: GraphQLSchema) -> None:
    def field(type_name: str, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(resolver: Callable[..., Any]) -> Callable[..., Any]:
            schema.type_map[type_name].fields[name].resolve = resolver  # type: ignore[union-attr]
            return resolver

        return register

    @field("Query", "findScene")
    def find_scene(_root: Any, info: Any, **args: Any) -> _Scene | None:
        return _fake(info)._find_scene(args.get("id"), args.get("checksum"))

    @field("Query", "findScenes")
    def find_scenes(_root: Any, info: Any, **args: Any) -> dict[str, Any]:
        return _fake(info)._find_scenes(args)

    for noun, kind in (("Performer", "performers"), ("Tag", "tags"), ("Studio", "studios")):

        def find_one(_root: Any, info: Any, _kind: str = kind, **args: Any) -> _Entity | None:
            return _fake(info)._kinds[_kind].by_id.get(_atoi(args["id"]))

        def find_many(_root: Any, info: Any, _kind: str = kind, **args: Any) -> dict[str, Any]:
            return _fake(info)._find_entities(_kind, args)

        field("Query", f"find{noun}")(find_one)
        field("Query", f"find{noun}s")(find_many)
        field(noun, "alias_list" if noun == "Performer" else "aliases")(
            lambda entity, _info: list(entity.aliases)
        )

    field("Performer", "disambiguation")(lambda _entity, _info: None)

    @field("Query", "configuration")
    def configuration(_root: Any, _info: Any) -> dict[str, Any]:
        return {}

    @field("ConfigResult", "general")
    def general(_root: Any, info: Any) -> dict[str, Any]:
        return _fake(info)._general_config()

    @field("ConfigResult", "plugins")
    def plugins(_root: Any, info: Any, include: list[str] | None = None) -> dict[str, Any]:
        return _fake(info)._plugin_config(include)

    @field("Query", "version")
    def version(_root: Any, info: Any) -> dict[str, Any]:
        fake = _fake(info)
        return {"version": fake.stash_version, "hash": STASH_HASH, "build_time": STASH_BUILD_TIME}

    @field("Mutation", "sceneUpdate")
    def scene_update(_root: Any, info: Any, **args: Any) -> _Scene:
        return _fake(info)._scene_update(args["input"])

    @field("Mutation", "runPluginOperation")
    def run_plugin_operation(_root: Any, info: Any, plugin_id: str, args: Any = None) -> Any:
        return _fake(info)._run_plugin_operation(plugin_id, args)

    @field("Scene", "studio")
    def scene_studio(scene: _Scene, info: Any) -> _Entity | None:
        if scene.studio_id is None:
            return None
        return _fake(info)._kinds["studios"].by_id.get(scene.studio_id)

    @field("Scene", "performers")
    def scene_performers(scene: _Scene, info: Any) -> list[_Entity]:
        store = _fake(info)._kinds["performers"].by_id
        return [store[i] for i in scene.performer_ids if i in store]

    @field("Scene", "tags")
    def scene_tags(scene: _Scene, info: Any) -> list[_Entity]:
        store = _fake(info)._kinds["tags"].by_id
        return [store[i] for i in scene.tag_ids if i in store]

    @field("Scene", "paths")
    def scene_paths(scene: _Scene, info: Any) -> dict[str, str]:
        base = info.context.base_url
        return {"screenshot": f"{base}/scene/{scene.id}/screenshot?t={scene.updated_unix}"}

    @field("Scene", "stash_ids")
    def scene_stash_ids(scene: _Scene, _info: Any) -> list[dict[str, str]]:
        return [
            {"endpoint": endpoint, "stash_id": stash_id, "updated_at": scene.created_at}
            for endpoint, stash_id in scene.stash_ids
        ]

    @field("Scene", "urls")
    def scene_urls(scene: _Scene, _info: Any) -> list[str]:
        return list(scene.urls)

    file_defaults = {
        "format": lambda f: PurePosixPath(f.basename).suffix.lstrip(".").lower() or "mp4",
        "width": lambda _f: 1920,
        "height": lambda _f: 1080,
        "video_codec": lambda _f: "h264",
        "audio_codec": lambda _f: "aac",
        "frame_rate": lambda _f: 29.97,
        # graphql-core's Int is 32-bit where gqlgen's is 64-bit; clamp rather than fail.
        "bit_rate": lambda f: min(int(f.size * 8 / f.duration), 2**31 - 1) if f.duration else 0,
        "mod_time": lambda f: f.created_at,
        "updated_at": lambda f: f.created_at,
        "basename": lambda f: f.basename,
        "fingerprints": lambda f: f.fingerprints,
    }
    for name, compute in file_defaults.items():
        field("VideoFile", name)(lambda f, _info, _compute=compute: _compute(f))

    @field("VideoFile", "fingerprint")
    def file_fingerprint(video_file: _File, _info: Any, **args: Any) -> str | None:
        for fingerprint in video_file.fingerprints:
            if fingerprint["type"] == args["type"]:
                return fingerprint["value"]
        return None


# --------------------------------------------------------------------------- server


class FakeStash:
    """A Stash on 127.0.0.1 with scenes, performers, tags and studios held in memory.

    ``auth="none"`` is a Stash without credentials (``apiKey`` is ""). ``"cookie"``
    is one with credentials: a request needs the session cookie or the API key.
    ``now`` supplies the clock for every timestamp, ``tz`` the server's zone.
    ``plugin_settings`` is Stash's whole plugin configuration map, plugin id ->
    settings (``{"PlexSync": {"plexToken": ...}}``); a plugin whose settings were
    never saved is absent from it, as in Stash. Performers, tags and studios draw
    their ids from one sequence, so an id of the wrong kind finds nothing.
    """

    def __init__(
        self,
        auth: str = "none",
        api_key: str = "fake-stash-api-key",
        session_cookie: str = "fake-session-cookie",
        plugin_settings: dict[str, dict[str, Any]] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        tz: tzinfo = timezone.utc,
        port: int = 0,
    ) -> None:
        if auth not in ("none", "cookie"):
            raise ValueError(f"auth must be 'none' or 'cookie', not {auth!r}")
        self.auth = auth
        self.api_key = api_key
        self.session_cookie = session_cookie
        self.plugin_settings: dict[str, dict[str, Any]] = dict(plugin_settings or {})
        self.now: Callable[[], datetime] = now or _wall_clock
        self.tz = tz
        self.stash_version = STASH_VERSION
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._lock = threading.RLock()
        self._control = threading.Lock()
        self._scenes: dict[int, _Scene] = {}
        self._kinds = {name: _Kind(name[:-1]) for name in ("performers", "tags", "studios")}
        self._next_scene = 1
        self._next_entity = 1
        self._next_file = 1
        self._fail_queue: list[_Response] = []
        self._latency = 0.0
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        # Installed plugins by id (tests/fakes/stash_plugin.py), and the page Stash's
        # single-page UI answers with (a test harness that loads their UI files).
        self.plugins: dict[str, Any] = {}
        self.ui_page: bytes | None = None
        self.static_files: dict[str, Path] = {}  # URL path -> file, e.g. the UI's scripts

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("FakeStash is not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL, as Stash's own links (``paths.screenshot``) start."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def start(self) -> FakeStash:
        """Listen; after ``stop()`` it listens again on the same port (a restart)."""
        if self._server is not None:
            return self
        fake = self

        class Handler(_Handler):
            owner = fake

        server = FakeHTTPServer(("127.0.0.1", self._port), Handler)
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeStash:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop and drop open keep-alive connections, so clients see Stash gone."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        with self._control:
            connections = list(self._connections)
            self._connections.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeStash:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def server_connection(
        self, plugin_dir: str, stash_dir: str = "", *, host: str = "127.0.0.1"
    ) -> dict[str, Any]:
        """The ``server_connection`` object Stash writes to a plugin's stdin."""
        cookie = None
        if self.auth == "cookie":
            cookie = {
                "Name": _SESSION_COOKIE_NAME,
                "Value": self.session_cookie,
                "Path": "",
                "Domain": "",
                "Expires": "0001-01-01T00:00:00Z",
                "RawExpires": "",
                "MaxAge": 0,
                "Secure": False,
                "HttpOnly": False,
                "SameSite": 0,
                "Raw": "",
                "Unparsed": None,
            }
        return {
            "Scheme": "http",
            "Host": host,
            "Port": self.port,
            "SessionCookie": cookie,
            "Dir": stash_dir,
            "PluginDir": plugin_dir,
        }

    def expire_sessions(self) -> str:
        """Invalidate every session cookie (Stash's expire after an hour); returns the new one."""
        self.session_cookie = secrets.token_urlsafe(24)
        return self.session_cookie

    # ----------------------------------------------------------------- faults

    def clear_requests(self) -> None:
        with self._control:
            self.requests.clear()

    def fail_next(
        self, n: int, status: int, *, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        """The next ``n`` requests, on any path, answer ``status`` instead."""
        response = _Response(status, body or f"fake failure {status}\n".encode(), "text/plain")
        response.headers.update(headers or {})
        if status == 401:
            response.headers.setdefault("WWW-Authenticate", "FormBased")
        with self._control:
            self._fail_queue.extend(dataclasses.replace(response) for _ in range(n))

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    # ----------------------------------------------------------------- data

    def _stamp(self) -> tuple[str, int]:
        moment = self.now()
        return go_rfc3339(moment, self.tz), int(moment.timestamp())

    def _ensure(self, kind: str, name: str) -> int:
        store = self._kinds[kind]
        if name in store.by_name:
            return store.by_name[name]
        stamp, _ = self._stamp()
        entity = _Entity(self._next_entity, name, stamp, stamp)
        self._next_entity += 1
        store.by_id[entity.id] = entity
        store.by_name[name] = entity.id
        return entity.id

    def add_performer(self, name: str, *, aliases: Sequence[str] = ()) -> str:
        """Found-or-created by name, like the scene helpers do implicitly."""
        with self._lock:
            entity_id = self._ensure("performers", name)
            self._kinds["performers"].by_id[entity_id].aliases[:] = list(aliases)
            return str(entity_id)

    def add_tag(self, name: str) -> str:
        with self._lock:
            return str(self._ensure("tags", name))

    def add_studio(self, name: str) -> str:
        with self._lock:
            return str(self._ensure("studios", name))

    def performer(self, name: str) -> dict[str, Any]:
        return self._entity_dict("performers", name)

    def tag(self, name: str) -> dict[str, Any]:
        return self._entity_dict("tags", name)

    def studio(self, name: str) -> dict[str, Any]:
        return self._entity_dict("studios", name)

    def _entity_dict(self, kind: str, name: str) -> dict[str, Any]:
        with self._lock:
            store = self._kinds[kind]
            entity = store.by_id[store.by_name[name]]
            return {
                "id": str(entity.id),
                "name": entity.name,
                "created_at": entity.created_at,
                "updated_at": entity.updated_at,
            }

    def _make_files(self, files: Iterable[Sequence[Any]], stamp: str) -> list[_File]:
        made = []
        for spec in files:
            path, size = spec[0], int(spec[1])
            duration = float(spec[2]) if len(spec) > 2 else 600.0
            made.append(_File(self._next_file, path, size, duration, stamp))
            self._next_file += 1
        return made

    def _apply(self, scene: _Scene, fields: Mapping[str, Any], stamp: str) -> None:
        unknown = set(fields) - _SCENE_FIELDS
        if unknown:
            raise TypeError(f"unknown scene fields: {sorted(unknown)}")
        for name in ("title", "code", "details", "director"):
            if name in fields:
                setattr(scene, name, fields[name] or "")
        for name in ("date", "rating100", "screenshot"):
            if name in fields:
                setattr(scene, name, fields[name])
        if "organized" in fields:
            scene.organized = bool(fields["organized"])
        if "urls" in fields:
            scene.urls = list(fields["urls"])
        if "studio" in fields:
            studio = fields["studio"]
            scene.studio_id = self._ensure("studios", studio) if studio else None
        if "performers" in fields:
            scene.performer_ids = [self._ensure("performers", n) for n in fields["performers"]]
        if "tags" in fields:
            scene.tag_ids = [self._ensure("tags", n) for n in fields["tags"]]
        if "files" in fields:
            scene.files = self._make_files(fields["files"], stamp)
        if "stash_ids" in fields:
            scene.stash_ids = [tuple(pair) for pair in fields["stash_ids"]]

    def add_scene(
        self,
        *,
        title: str = "",
        details: str = "",
        date: str | None = None,
        studio: str | None = None,
        performers: Sequence[str] = (),
        tags: Sequence[str] = (),
        files: Sequence[Sequence[Any]] = (),
        urls: Sequence[str] = (),
        organized: bool = False,
        director: str = "",
        rating100: int | None = None,
        screenshot: bytes | None = None,
        code: str = "",
        stash_ids: Sequence[tuple[str, str]] = (),
    ) -> str:
        """Add a scene; ``files`` holds ``(path, size)`` or ``(path, size, duration)``."""
        fields = {
            "title": title,
            "details": details,
            "date": date,
            "studio": studio,
            "performers": performers,
            "tags": tags,
            "files": files,
            "urls": urls,
            "organized": organized,
            "director": director,
            "rating100": rating100,
            "screenshot": screenshot,
            "code": code,
            "stash_ids": stash_ids,
        }
        with self._lock:
            stamp, unix = self._stamp()
            scene = _Scene(self._next_scene, stamp, stamp, unix)
            self._next_scene += 1
            self._apply(scene, fields, stamp)
            self._scenes[scene.id] = scene
            return str(scene.id)

    def bulk_add_scenes(
        self,
        n: int,
        path_template: str = "/media/scene{i:06d}.mp4",
        *,
        title_template: str | None = None,
        size: int = 1_000_000,
        **common: Any,
    ) -> list[str]:
        """Many scenes at once (100,000 in about a second); ``i`` counts from 1."""
        shared = {key: common[key] for key in common if key in _SCENE_FIELDS}
        if set(common) - set(shared) or "files" in shared or "title" in shared:
            raise TypeError("bulk_add_scenes takes path_template/title_template, not files/title")
        ids = []
        with self._lock:
            stamp, unix = self._stamp()
            template = _Scene(0, stamp, stamp, unix)
            self._apply(template, shared, stamp)
            for i in range(1, n + 1):
                scene = dataclasses.replace(
                    template,
                    id=self._next_scene,
                    title=title_template.format(i=i) if title_template else "",
                    urls=list(template.urls),
                    performer_ids=list(template.performer_ids),
                    tag_ids=list(template.tag_ids),
                    stash_ids=list(template.stash_ids),
                    files=[_File(self._next_file, path_template.format(i=i), size, 600.0, stamp)],
                )
                self._next_scene += 1
                self._next_file += 1
                self._scenes[scene.id] = scene
                ids.append(str(scene.id))
        return ids

    def update_scene(self, scene_id: str, **fields: Any) -> None:
        """Change a scene as a user in Stash's UI would: its ``updated_at`` moves."""
        with self._lock:
            scene = self._scenes[int(scene_id)]
            stamp, unix = self._stamp()
            self._apply(scene, fields, stamp)
            scene.updated_at, scene.updated_unix = stamp, unix

    def delete_scene(self, scene_id: str) -> None:
        with self._lock:
            del self._scenes[int(scene_id)]

    def _rename(self, kind: str, old: str, new: str) -> None:
        with self._lock:
            store = self._kinds[kind]
            entity_id = store.by_name.pop(old)
            entity = store.by_id[entity_id]
            entity.name = new
            entity.updated_at, _ = self._stamp()
            store.by_name[new] = entity_id

    def rename_performer(self, old: str, new: str) -> None:
        """Only the performer's ``updated_at`` moves, never its scenes' (as in Stash)."""
        self._rename("performers", old, new)

    def rename_tag(self, old: str, new: str) -> None:
        self._rename("tags", old, new)

    def rename_studio(self, old: str, new: str) -> None:
        self._rename("studios", old, new)

    def merge_tags(self, sources: Sequence[str], destination: str) -> dict[str, Any]:
        """Stash's tagsMerge: the sources' scenes get the destination, the sources go.

        Like Stash (TagStore.Merge), the join rows move and no scene's ``updated_at``
        changes. Returns the hook input Stash sends with Tag.Merge.Post (TagsMergeInput).
        """
        with self._lock:
            store = self._kinds["tags"]
            target = store.by_name[destination]
            gone = {store.by_name[name] for name in sources if name != destination}
            for scene in self._scenes.values():
                if gone & set(scene.tag_ids):
                    kept = [t for t in scene.tag_ids if t not in gone]
                    scene.tag_ids = kept if target in kept else [*kept, target]
            for tag_id in gone:
                del store.by_name[store.by_id.pop(tag_id).name]
            return {"source": [str(t) for t in sorted(gone)], "destination": str(target)}

    def _delete_entity(self, kind: str, name: str) -> None:
        """Stash deletes the join rows and leaves the scenes' ``updated_at`` alone."""
        with self._lock:
            store = self._kinds[kind]
            entity_id = store.by_name.pop(name)
            del store.by_id[entity_id]
            for scene in self._scenes.values():
                if kind == "studios" and scene.studio_id == entity_id:
                    scene.studio_id = None
                elif kind == "performers" and entity_id in scene.performer_ids:
                    scene.performer_ids.remove(entity_id)
                elif kind == "tags" and entity_id in scene.tag_ids:
                    scene.tag_ids.remove(entity_id)

    def delete_performer(self, name: str) -> None:
        self._delete_entity("performers", name)

    def delete_tag(self, name: str) -> None:
        self._delete_entity("tags", name)

    def delete_studio(self, name: str) -> None:
        self._delete_entity("studios", name)

    def scene(self, scene_id: str) -> dict[str, Any]:
        """The scene as the fake holds it, with names where Stash has ids."""
        with self._lock:
            scene = self._scenes[int(scene_id)]
            names = {kind: store.by_id for kind, store in self._kinds.items()}
            return {
                "id": str(scene.id),
                "title": scene.title,
                "code": scene.code,
                "details": scene.details,
                "director": scene.director,
                "date": scene.date,
                "rating100": scene.rating100,
                "organized": scene.organized,
                "urls": list(scene.urls),
                "studio": names["studios"][scene.studio_id].name if scene.studio_id else None,
                "performers": [names["performers"][i].name for i in scene.performer_ids],
                "tags": [names["tags"][i].name for i in scene.tag_ids],
                "files": [
                    {"id": str(f.id), "path": f.path, "size": f.size, "duration": f.duration}
                    for f in scene.files
                ],
                "stash_ids": list(scene.stash_ids),
                "created_at": scene.created_at,
                "updated_at": scene.updated_at,
                "screenshot": self._screenshot(scene),
            }

    def scene_ids(self) -> list[str]:
        with self._lock:
            return [str(i) for i in self._scenes]

    @staticmethod
    def _screenshot(scene: _Scene) -> bytes:
        return (
            scene.screenshot if scene.screenshot is not None else default_screenshot(str(scene.id))
        )

    # ----------------------------------------------------------------- resolvers

    def _find_scene(self, scene_id: Any, checksum: str | None) -> _Scene | None:
        if scene_id is not None:
            return self._scenes.get(_atoi(scene_id))
        if checksum is not None:
            for scene in self._scenes.values():
                for video_file in scene.files:
                    for fingerprint in video_file.fingerprints:
                        if fingerprint["type"] == "md5" and fingerprint["value"] == checksum:
                            return scene
        return None

    def _find_many(self, store: Mapping[int, Any], noun: str, ids: Sequence[Any]) -> list[Any]:
        """Stash's FindMany: ordered as asked; a missing or repeated id fails it all."""
        wanted = [_atoi(i) for i in ids]
        found: list[Any] = [None] * len(wanted)
        for item_id in dict.fromkeys(wanted):
            if item_id in store:
                found[wanted.index(item_id)] = store[item_id]
        for position, item in enumerate(found):
            if item is None:
                raise GraphQLError(f"{noun} with id {wanted[position]} not found")
        return found

    @staticmethod
    def _scene_own(scene: _Scene, spec: Mapping[str, Any], upper: str) -> list[bool]:
        results = []
        if spec.get("id") is not None:
            results.append(_match_int(scene.id, spec["id"]))
        if spec.get("title") is not None:
            results.append(_match_string(scene.title, spec["title"]))
        if spec.get("path") is not None:
            paths = [f.path for f in scene.files] or [""]
            results.append(any(_match_string(p, spec["path"]) for p in paths))
        if spec.get("organized") is not None:
            results.append(scene.organized == spec["organized"])
        if spec.get("performers") is not None:
            results.append(_match_ids(scene.performer_ids, spec["performers"]))
        if spec.get("tags") is not None:
            results.append(_match_ids(scene.tag_ids, spec["tags"]))
        if spec.get("studios") is not None:
            studio = [scene.studio_id] if scene.studio_id is not None else []
            results.append(_match_ids(studio, spec["studios"]))
        for name in ("created_at", "updated_at"):
            if spec.get(name) is not None:
                results.append(_match_timestamp(getattr(scene, name), spec[name], upper))
        return results

    def _find_scenes(self, args: Mapping[str, Any]) -> dict[str, Any]:
        ids = args.get("ids") or args.get("scene_ids")
        if ids:
            scenes = self._find_many(self._scenes, "scene", ids)
            page, total = scenes, len(scenes)
            matched = scenes
        else:
            find_filter = args.get("filter")
            scene_filter = args.get("scene_filter")
            words = _search_words((find_filter or {}).get("q") or "")
            upper = go_rfc3339(self.now() + timedelta(days=1), self.tz)
            own = functools.partial(self._scene_own, upper=upper)
            matched = []
            for scene in self._scenes.values():
                if words:
                    haystack = " ".join(
                        [scene.title, scene.details, scene.code, *(f.path for f in scene.files)]
                    ).casefold()
                    if not all(word.casefold() in haystack for word in words):
                        continue
                if _combine(scene, scene_filter, own):
                    matched.append(scene)
            keys: dict[str, Callable[[Any], Any]] = {
                "id": lambda s: s.id,
                "title": lambda s: (s.title or (s.files[0].basename if s.files else "")).casefold(),
                "date": lambda s: s.date or "",
                "rating": lambda s: s.rating100 or 0,
                "created_at": lambda s: s.created_at,
                "updated_at": lambda s: s.updated_at,
                "path": lambda s: s.files[0].path if s.files else "",
                "filesize": lambda s: s.files[0].size if s.files else 0,
                "duration": lambda s: s.files[0].duration if s.files else 0.0,
            }
            matched = _sorted(matched, find_filter, keys, None)
            page, total = _paginate(matched, find_filter)
        return {
            "count": total,
            "duration": float(sum(s.files[0].duration for s in matched if s.files)),
            "filesize": float(sum(s.files[0].size for s in matched if s.files)),
            "scenes": page,
        }

    def _find_entities(self, kind: str, args: Mapping[str, Any]) -> dict[str, Any]:
        store = self._kinds[kind]
        ids = args.get("ids") or args.get("performer_ids")
        if ids:
            items = self._find_many(store.by_id, store.noun, ids)
            return {"count": len(items), kind: items}
        find_filter = args.get("filter")
        entity_filter = args.get(f"{store.noun}_filter")
        upper = go_rfc3339(self.now() + timedelta(days=1), self.tz)

        def own(entity: _Entity, spec: Mapping[str, Any]) -> list[bool]:
            results = []
            if spec.get("name") is not None:
                results.append(_match_string(entity.name, spec["name"]))
            for name in ("created_at", "updated_at"):
                if spec.get(name) is not None:
                    results.append(_match_timestamp(getattr(entity, name), spec[name], upper))
            return results

        words = _search_words((find_filter or {}).get("q") or "")
        matched = []
        for entity in store.by_id.values():
            haystack = " ".join([entity.name, *entity.aliases]).casefold()
            if all(word.casefold() in haystack for word in words) and _combine(
                entity, entity_filter, own
            ):
                matched.append(entity)
        keys: dict[str, Callable[[Any], Any]] = {
            "id": lambda e: e.id,
            "name": lambda e: e.name.casefold(),
            "created_at": lambda e: e.created_at,
            "updated_at": lambda e: e.updated_at,
        }
        matched = _sorted(matched, find_filter, keys, "name")
        page, total = _paginate(matched, find_filter)
        return {"count": total, kind: page}

    def _general_config(self) -> dict[str, Any]:
        with_credentials = self.auth == "cookie"
        return {
            "databasePath": "/root/.stash/stash-go.sqlite",
            "generatedPath": "/root/.stash/generated",
            "configFilePath": "/root/.stash/config.yml",
            "pluginsPath": "/root/.stash/plugins",
            "apiKey": self.api_key if with_credentials else "",
            "username": "stash" if with_credentials else "",
            "maxSessionAge": 3600,
        }

    def _plugin_config(self, include: list[str] | None) -> dict[str, Any]:
        """Stash lists a plugin only once a setting of it has been saved."""
        everything = dict(self.plugin_settings)
        if not all(isinstance(value, dict) for value in everything.values()):
            raise GraphQLError(
                "FakeStash.plugin_settings maps plugin id -> settings, e.g. "
                '{"PlexSync": {"plexToken": "..."}}'
            )
        if include:
            return {key: everything[key] for key in include if key in everything}
        return everything

    def _scene_update(self, data: Mapping[str, Any]) -> _Scene:
        """Only the fields present in the input change; an explicit null clears one."""
        scene_id = _atoi(data["id"])
        scene = self._scenes.get(scene_id)
        if scene is None:
            raise GraphQLError(f"scene with id {scene_id} not found")
        cover = self._check_scene_update(data)
        converters: dict[str, Callable[[Any], Any]] = {
            "title": lambda v: v or "",
            "code": lambda v: v or "",
            "details": lambda v: v or "",
            "director": lambda v: v or "",
            "date": lambda v: v or None,
            "rating100": lambda v: v,
            "organized": bool,
            "urls": lambda v: list(v or ()),
            "studio_id": lambda v: _atoi(v) if v else None,
            "performer_ids": lambda v: [_atoi(i) for i in v or ()],
            "tag_ids": lambda v: [_atoi(i) for i in v or ()],
        }
        for key, convert in converters.items():
            if key in data:
                setattr(scene, key, convert(data[key]))
        if cover is not None:
            scene.screenshot = cover
        scene.updated_at, scene.updated_unix = self._stamp()
        return scene

    def _run_plugin_operation(self, plugin_id: str, args: Mapping[str, Any] | None) -> Any:
        """Stash's RunPlugin: the plugin's `error` becomes the GraphQL error, else its output.

        Stash serves other requests meanwhile (the plugin reads its settings from
        Stash), so the lock every GraphQL execution holds is let go while it runs.
        """
        plugin = self.plugins.get(plugin_id)
        if plugin is None:
            raise GraphQLError(f"plugin {plugin_id} not found")
        self._lock.release()
        try:
            output, error = plugin.run_operation(dict(args or {}))
        finally:
            self._lock.acquire()
        if error is not None:
            raise GraphQLError(error)
        return output

    def _plugin_file(self, plugin_id: str, kind: str) -> _Response:
        """`/plugin/<id>/javascript` and `/css`: the files its YAML names, joined by newlines."""
        plugin = self.plugins.get(plugin_id)
        if plugin is None:
            return _Response(404, b"404 page not found\n", "text/plain; charset=utf-8")
        content_type = "text/javascript" if kind == "javascript" else "text/css"
        return _Response(200, plugin.ui_files(kind), content_type)

    def _check_scene_update(self, data: Mapping[str, Any]) -> bytes | None:
        """Refuse before changing anything, as Stash's transaction would roll back."""
        if data.get("date") and not _DATE.match(data["date"]):
            raise GraphQLError(f"error parsing date {data['date']!r}")
        for key, kind in (
            ("studio_id", "studios"),
            ("performer_ids", "performers"),
            ("tag_ids", "tags"),
        ):
            value = data.get(key)
            wanted = [value] if isinstance(value, str) else list(value or ())
            if any(_atoi(v) not in self._kinds[kind].by_id for v in wanted):
                raise GraphQLError("FOREIGN KEY constraint failed")
        if not data.get("cover_image"):
            return None
        match = re.match(r"^data:[^;,]*;base64,(.*)$", data["cover_image"], re.DOTALL)
        if not match:
            raise GraphQLError("fake Stash only accepts base64 data URLs for cover_image")
        try:
            return base64.b64decode(match.group(1), validate=True)
        except binascii.Error as error:
            raise GraphQLError(f"invalid cover image: {error}") from error

    # ----------------------------------------------------------------- HTTP

    def _authorized(
        self,
        path: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        cookies: Mapping[str, str],
    ) -> _Response | None:
        """None when the request may go on, else Stash's answer to it."""
        if path.startswith("/login"):
            return None
        api_key = _header(headers, "ApiKey") or params.get("apikey")
        unauthorized = _Response(401, headers={"WWW-Authenticate": "FormBased"})
        if api_key:
            # Stash compares any API key it is given, even without credentials.
            if self.auth == "none" or api_key != self.api_key:
                return unauthorized
            return None
        if self.auth == "none" or cookies.get(_SESSION_COOKIE_NAME) == self.session_cookie:
            return None
        if path == "/graphql":
            return unauthorized
        suffix = PurePosixPath(path).suffix
        if suffix and suffix != ".html":
            return unauthorized
        location = "/login?" + urlencode({"returnURL": path + _query_suffix(params)})
        return _Response(302, headers={"Location": location})

    def _execute(self, request: Mapping[str, Any], base_url: str) -> _Response:
        """gqlgen's status codes around graphql-core's validation and execution."""
        query = request.get("query")
        if not query:
            return _json_response(422, _errors("no operation provided"))
        document, errors = _prepare(query)
        if document is None:
            return _json_response(422, {"errors": list(errors), "data": None})
        variables = request.get("variables")
        with self._lock:
            result = execute_sync(
                stash_schema(),
                document,
                context_value=_Context(self, base_url),
                variable_values=variables if isinstance(variables, dict) else None,
                operation_name=request.get("operationName"),
            )
        payload = result.formatted
        if result.errors and result.data is None and all(e.path is None for e in result.errors):
            # Variables that do not fit, or no operation to run: gqlgen rejects
            # these before execution, like a validation failure.
            for error in payload["errors"]:
                error["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
            return _json_response(422, payload)
        return _json_response(200, payload)

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = split.path
        params = {key: values[-1] for key, values in parse_qs(split.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = dict(handler.headers.items())
        cookies = _cookies(headers)
        base_url = f"http://{_header(headers, 'Host') or f'127.0.0.1:{self.port}'}"
        request: dict[str, Any] = {}
        transport_error = None
        if path == "/graphql":
            request, transport_error = _read_graphql(method, headers, params, body)
        if self._latency:
            time.sleep(self._latency)
        with self._control:
            response = self._fail_queue.pop(0) if self._fail_queue else None
        if response is None:
            response = self._authorized(path, params, headers, cookies)
        if response is None:
            if path == "/graphql":
                response = transport_error or self._execute(request, base_url)
            elif (match := _SCREENSHOT_PATH.match(path)) and method == "GET":
                response = self._screenshot_response(match.group(1))
            elif (match := _PLUGIN_FILE_PATH.match(path)) and method == "GET":
                response = self._plugin_file(match.group(1), match.group(2))
            elif path in self.static_files and method == "GET":
                response = _static_file(self.static_files[path])
            elif self.ui_page is not None and not path.startswith("/login"):
                response = _Response(200, self.ui_page, "text/html; charset=utf-8")
            else:
                # Stash's router hands every other path to its single-page UI.
                title = b"Login" if path.startswith("/login") else b"Stash"
                response = _Response(
                    200, b"<!doctype html><title>" + title + b"</title>", "text/html"
                )
        query = request.get("query") if isinstance(request.get("query"), str) else None
        variables = request.get("variables")
        record = RecordedRequest(
            path=path,
            operation_name=_operation_name(query, request.get("operationName")) if query else None,
            query=query,
            variables=variables if isinstance(variables, dict) else None,
            headers=headers,
            cookies=cookies,
            method=method,
            status=response.status,
            params=params,
        )
        with self._control:
            self.requests.append(record)
        _send(handler, response)

    def _screenshot_response(self, raw_id: str) -> _Response:
        with self._lock:
            scene = self._scenes.get(int(raw_id)) if _ATOI.fullmatch(raw_id) else None
            if scene is None:
                return _Response(404, b"Not Found\n", "text/plain; charset=utf-8")
            image = self._screenshot(scene)
        return _Response(200, image, _image_type(image))


def _static_file(path: Path) -> _Response:
    types = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
    return _Response(200, path.read_bytes(), types.get(path.suffix, "application/octet-stream"))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    raw = _header(headers, "Cookie")
    if not raw:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _query_suffix(params: Mapping[str, str]) -> str:
    return "?" + urlencode(params) if params else ""


def _errors(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}], "data": None}


def _json_response(status: int, payload: Any) -> _Response:
    return _Response(status, json.dumps(payload).encode(), _JSON)


def _read_graphql(
    method: str, headers: Mapping[str, str], params: Mapping[str, str], body: bytes
) -> tuple[dict[str, Any], _Response | None]:
    """The request as gqlgen's GET and POST transports read it, or their 400."""
    if method == "GET":
        request: dict[str, Any] = {
            "query": params.get("query"),
            "operationName": params.get("operationName"),
        }
        try:
            request["variables"] = json.loads(params.get("variables") or "null")
        except ValueError:
            return request, _json_response(400, _errors("variables could not be decoded"))
        return request, None
    media_type = (_header(headers, "Content-Type") or "").split(";")[0].strip().lower()
    try:
        decoded = json.loads(body or b"null")
    except ValueError as error:
        decoded = None
        message = f"json request body could not be decoded: {error} body:{body[:200]!r}"
    else:
        message = "json request body could not be decoded: not an object"
    request = decoded if isinstance(decoded, dict) else {}
    if method != "POST" or media_type != _JSON:
        return request, _json_response(400, _errors("transport not supported"))
    if not isinstance(decoded, dict):
        return request, _json_response(400, _errors(message))
    return request, None


def _send(handler: BaseHTTPRequestHandler, response: _Response) -> None:
    try:
        handler.send_response(response.status)
        if response.content_type:
            handler.send_header("Content-Type", response.content_type)
        for key, value in response.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.body)
    except OSError:
        handler.close_connection = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeStash"
    sys_version = ""
    owner: FakeStash

    def setup(self) -> None:
        super().setup()
        # Without Nagle's delay: otherwise each keep-alive request waits ~40 ms for an ACK.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._control:
            self.owner._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.owner._control:
                self.owner._connections.discard(self.connection)

    def log_message(self, *_args: Any) -> None:
        """Silent: pytest output is for the tests, not for an access log."""

    def do_GET(self) -> None:
        self.owner._serve(self)

    def do_POST(self) -> None:
        self.owner._serve(self)


# --------------------------------------------------------------------------- CLI


def _iter_demo_scenes(n: int) -> Iterator[dict[str, Any]]:
    studios = ["Studio A", "Studio B", "Studio C"]
    for i in range(1, n + 1):
        yield {
            "title": f"Scene {i}",
            "details": f"Details of scene {i}",
            "date": f"2024-01-{(i % 28) + 1:02d}",
            "studio": studios[i % len(studios)],
            "performers": [f"Performer {i % 7}"],
            "tags": [f"Tag {i % 5}"],
            "files": [(f"/media/scene{i:06d}.mp4", 1_000_000 + i)],
        }


def main(argv: Sequence[str] | None = None) -> None:
    """Run a fake Stash by hand, to point a plugin or a browser at it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=10)
    parser.add_argument("--auth", choices=("none", "cookie"), default="none")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args(argv)
    fake = FakeStash(auth=options.auth, port=options.port)
    for scene in _iter_demo_scenes(options.scenes):
        fake.add_scene(**scene)
    with fake:
        print(f"Fake Stash at {fake.url}  (GraphQL: {fake.graphql_url})", flush=True)
        if options.auth == "cookie":
            print(f"ApiKey: {fake.api_key}  session cookie: {fake.session_cookie}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
