"""A fake Plex Media Server that plexapi talks to over real HTTP, unmodified.

The plugin's Plex layer is only trustworthy if it is exercised through the same
HTTP client, XML parser and URL grammar it uses against a real server, so this
fake speaks Plex's XML on a loopback socket instead of patching plexapi. The
XML shapes follow real PMS captures (nested ``<Media><Part/></Media>``, Plex's
paging attributes, ``<Field locked="1"/>``), and every request is recorded so
tests can count attempts and inspect exactly what went over the wire.

Standard library only: benchmarks and the demo import it without test extras.
Run ``python -m tests.fakes.fake_plex --items 100`` for a standalone server.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.http_server import FakeHTTPServer

PMS_VERSION = "1.41.3.9314-a0bfb8370"
MEDIA_TAG_VERSION = "1734362234"
LIBRARY_IDENTIFIER = "com.plexapp.plugins.library"
RATE_IDENTIFIER = LIBRARY_IDENTIFIER
BASE_TIME = 1_700_000_000
HOLD_MAX_S = 30.0

UNAUTHORIZED_BODY = (
    b"<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)

_PLATFORM_VERSIONS = {
    "Linux": "5.15.0-91-generic",
    "Windows": "10.0 (Build 19045)",
    "MacOSX": "14.2",
}

# Plex answers a few statuses requests does not know (Cloudflare's 52x in front of a PMS).
_EXTRA_REASONS = {
    520: "Web Server Returned an Unknown Error",
    521: "Web Server Is Down",
    522: "Connection Timed Out",
    524: "A Timeout Occurred",
}

# Edit-grammar tag names (``genre[0].tag.tag``) -> FakeItem list attribute.
_TAG_ATTRS = {
    "genre": "genres",
    "actor": "actors",
    "director": "directors",
    "collection": "collections",
}
# XML element used for each tag type; Plex calls actors <Role>.
_TAG_ELEMENTS = {
    "genre": "Genre",
    "director": "Director",
    "writer": "Writer",
    "producer": "Producer",
    "country": "Country",
    "collection": "Collection",
    "label": "Label",
    "actor": "Role",
}
_IMAGE_ROUTES = ("/posters", "/arts", "/poster", "/art")
_SCANNERS = {"movie": "Plex Movie", "show": "Plex TV Series", "artist": "Plex Music"}
_SCALAR_FIELDS = {"title", "summary", "studio", "originallyAvailableAt", "contentRating"}

_RE_INDEXED_TAG = re.compile(r"^(\w+)\[(\d+)\]\.tag\.tag$")
_RE_REMOVE_TAGS = re.compile(r"^(\w+)\[\]\.tag\.tag-$")
_RE_REMOVE_ALL_TAGS = re.compile(r"^(\w+)\[\]\.tag$")
_RE_TAGGING = re.compile(r"^(\w+)\[(\d+)\]\.tagging\.")
_RE_SECTION = re.compile(r"^/library/sections/(\d+)(/.*)?$")
_RE_METADATA = re.compile(r"^/library/metadata/([0-9,]+)(/.*)?$")

# Control characters other than tab/newline/CR are not allowed in XML 1.0; a real PMS
# strips them too, and plexapi's parser would otherwise fail on the whole page.
_XML_ATTR_TABLE: dict[int, str | None] = {c: None for c in range(32) if c not in (9, 10, 13)}
_XML_ATTR_TABLE.update(
    {
        ord("&"): "&amp;",
        ord("<"): "&lt;",
        ord(">"): "&gt;",
        ord('"'): "&quot;",
        9: "&#9;",
        10: "&#10;",
        13: "&#13;",
    }
)


def _attr(value: object) -> str:
    return str(value).translate(_XML_ATTR_TABLE)


def _attrs(pairs: list[tuple[str, object]]) -> str:
    """Render attributes in the given order, skipping absent values like PMS does."""
    return "".join(f' {k}="{_attr(v)}"' for k, v in pairs if v is not None)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, recorded before any fault was applied."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_target: str
    time: float = 0.0  # time.monotonic() on arrival, for checking backoff spacing


@dataclass(slots=True)
class FakeItem:
    """State of one movie in the fake; tests read it to check what Plex would show."""

    rating_key: str
    section: str
    title: str
    files: list[tuple[str, int]]
    summary: str = ""
    studio: str | None = None
    originallyAvailableAt: str | None = None
    year: int | None = None
    contentRating: str | None = None
    genres: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    directors: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    locked: set[str] = field(default_factory=set)
    poster: bytes | None = None
    poster_uploads: int = 0
    poster_url: str | None = None
    selected_poster: str | None = None
    art: bytes | None = None
    art_uploads: int = 0
    art_url: str | None = None
    selected_art: str | None = None
    user_rating: float | None = None
    hidden: bool = False
    added_at: int = BASE_TIME
    updated_at: int = BASE_TIME
    edit_count: int = 0
    refreshes: int = 0
    media_id_base: int = 0
    # Fields and tag types the plugin does not sync (tagline, writer, label, ...).
    extra_fields: dict[str, str] = field(default_factory=dict)
    extra_tags: dict[str, list[str]] = field(default_factory=dict)

    def tags(self, tag: str) -> list[str]:
        """Tag list by its edit-grammar name (``genre``, ``actor``, ``writer``...)."""
        attr = _TAG_ATTRS.get(tag)
        if attr is not None:
            return getattr(self, attr)
        return self.extra_tags.get(tag, [])

    def set_tags(self, tag: str, values: list[str]) -> None:
        attr = _TAG_ATTRS.get(tag)
        if attr is not None:
            setattr(self, attr, values)
        else:
            self.extra_tags[tag] = values


@dataclass
class FakeSection:
    key: str
    title: str
    type: str
    agent: str
    scanner: str
    language: str
    uuid: str
    locations: list[str]
    created_at: int
    scans: int = 0


@dataclass
class _FailRule:
    remaining: int
    status: int
    retry_after: str | None
    path_prefix: str | None
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


class _Response:
    __slots__ = ("body", "content_type", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/xml;charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def _xml(text: str) -> _Response:
    return _Response(200, ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8"))


def _html_error(status: int) -> _Response:
    reason = _reason(status)
    body = (
        f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    ).encode()
    return _Response(status, body, "text/html")


def _reason(status: int) -> str:
    if status in _EXTRA_REASONS:
        return _EXTRA_REASONS[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _param(req: RecordedRequest, name: str) -> str | None:
    """Plex reads paging and the token from a header or, failing that, the query string."""
    lowered = name.lower()
    for key, value in req.headers.items():
        if key.lower() == lowered:
            return value
    values = req.query.get(name)
    return values[-1] if values else None


def _paging(req: RecordedRequest) -> tuple[int, int | None]:
    start = int(_param(req, "X-Plex-Container-Start") or 0)
    raw_size = _param(req, "X-Plex-Container-Size")
    size = None if raw_size in (None, "") else int(raw_size)
    if start < 0 or (size is not None and size < 0):
        raise ValueError("negative paging")
    return start, size


def _item_key(path: str, query: dict[str, list[str]]) -> str:
    """The item a request is about: /library/metadata/<key>[/...] or an edit's `id=`."""
    match = re.match(r"/library/metadata/(\d+)", path)
    if match:
        return match.group(1)
    return (query.get("id") or [""])[0]


def _ext(path: str) -> str:
    name = re.split(r"[\\/]", path)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else "mkv"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 so a requests.Session reuses connections like against PMS."""

    protocol_version = "HTTP/1.1"
    server_version = "PlexMediaServer/" + PMS_VERSION
    sys_version = ""
    fake: FakePlex

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, and without Nagle's delay: otherwise
        # every keep-alive request waits ~40 ms for a delayed ACK and benchmarks lie.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.fake._track(self.connection, add=True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.fake._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; tests read ``FakePlex.requests`` instead."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
            response = self.fake._dispatch(self, body)
            if response is None:
                self.close_connection = True
                return
            self._send(response)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _send(self, response: _Response) -> None:
        self.send_response(response.status, _reason(response.status))
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Plex-Protocol", "1.0")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(response.body)
        self.flush_headers()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


class FakePlex:
    """In-process fake PMS with fault injection; see the module docstring for why."""

    def __init__(
        self,
        token: str = "fake-plex-token",
        platform: str = "Linux",
        latency: float = 0.0,
        machine_id: str = "fakeplex0001",
        *,
        port: int = 0,
        friendly_name: str = "FakePlex",
    ) -> None:
        self.token = token
        self.platform = platform
        self.machine_id = machine_id
        self.friendly_name = friendly_name
        self.port = port
        self.url = ""
        # When set, a metadata refresh puts unlocked fields back to their add_item values,
        # as a PMS with an online agent does; that is why the plugin locks what it writes.
        self.revert_unlocked_on_refresh = False
        self._latency = latency
        self._lock = threading.RLock()
        self._sections: dict[str, FakeSection] = {}
        self._items: dict[str, FakeItem] = {}
        self._originals: dict[str, dict[str, Any]] = {}
        self._visible: dict[str, list[FakeItem]] | None = None
        self._next_rating_key = 1
        self._next_media_id = 1
        self._tag_ids: dict[tuple[str, str], int] = {}
        self._requests: list[RecordedRequest] = []
        self._fail_rules: list[_FailRule] = []
        self._hangs: list[list[float]] = []
        self._holds: dict[tuple[str, str], threading.Event] = {}
        self._down = False
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.errors: list[str] = []
        self.scans: list[tuple[str, str | None]] = []

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> FakePlex:
        self._stopping.clear()
        self._listen()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._close_listener()
        self._drop_connections()

    def __enter__(self) -> FakePlex:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self) -> None:
        handler = type("Handler", (_Handler,), {"fake": self})
        server = FakeHTTPServer(("127.0.0.1", self.port), handler)
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakePlex:{self.port}",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()

    def _close_listener(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _drop_connections(self) -> None:
        with self._lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:  # the handler thread closes its own socket afterwards
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    # ----------------------------------------------------------------- library state
    def add_section(
        self,
        title: str,
        type: str = "movie",
        agent: str = "tv.plex.agents.none",
        location: str | None = None,
    ) -> str:
        with self._lock:
            key = str(len(self._sections) + 1)
            if location is None:
                location = r"C:\Media" if self.platform == "Windows" else "/media"
            scanner = _SCANNERS.get(type, "Plex Video Files")
            self._sections[key] = FakeSection(
                key=key,
                title=title,
                type=type,
                agent=agent,
                scanner=scanner,
                language="xn" if agent == "tv.plex.agents.none" else "en-US",
                uuid=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.machine_id}/{key}")),
                locations=[location],
                created_at=BASE_TIME,
            )
            self._visible = None
            return key

    def add_item(
        self,
        section: str,
        title: str,
        files: list[tuple[str, int]],
        *,
        hidden: bool = False,
        **fields: Any,
    ) -> str:
        with self._lock:
            item = self._new_item(section, title, files, hidden)
            for name, value in fields.items():
                if name == "locked":
                    item.locked = set(value)
                elif name == "userRating":
                    item.user_rating = None if value is None else float(value)
                elif name in ("genres", "actors", "directors", "collections"):
                    setattr(item, name, list(value))
                elif name in _SCALAR_FIELDS or name == "year":
                    setattr(item, name, value)
                elif name in ("writers", "labels", "producers", "countries"):
                    singular = "country" if name == "countries" else name[:-1]
                    item.extra_tags[singular] = list(value)
                else:
                    raise TypeError(f"add_item() got an unexpected field {name!r}")
            self._originals[item.rating_key] = self._snapshot(item)
            return item.rating_key

    def bulk_add_items(
        self,
        section: str,
        n: int,
        path_template: str | None = None,
        *,
        size: int = 1_000_000,
        title_template: str = "Scene {i:06d}",
        hidden: bool = False,
    ) -> list[str]:
        """Many bare items fast: benchmarks need 100,000 in a couple of seconds."""
        if path_template is None:
            path_template = (
                r"C:\Media\scene{i:06d}.mp4"
                if self.platform == "Windows"
                else "/media/scene{i:06d}.mp4"
            )
        keys = []
        with self._lock:
            for i in range(n):
                item = self._new_item(
                    section,
                    title_template.format(i=i),
                    [(path_template.format(i=i), size + i)],
                    hidden,
                )
                keys.append(item.rating_key)
        return keys

    def _new_item(
        self, section: str, title: str, files: list[tuple[str, int]], hidden: bool
    ) -> FakeItem:
        if section not in self._sections:
            raise KeyError(f"no section {section!r}; call add_section() first")
        rating_key = str(self._next_rating_key)
        self._next_rating_key += 1
        media_base = self._next_media_id
        self._next_media_id += max(len(files), 1)
        stamp = BASE_TIME + int(rating_key)
        item = FakeItem(
            rating_key=rating_key,
            section=section,
            title=title,
            files=[(str(p), int(s)) for p, s in files],
            hidden=hidden,
            added_at=stamp,
            updated_at=stamp,
            media_id_base=media_base,
        )
        self._items[rating_key] = item
        self._visible = None
        return item

    @staticmethod
    def _snapshot(item: FakeItem) -> dict[str, Any]:
        return {
            "title": item.title,
            "summary": item.summary,
            "studio": item.studio,
            "originallyAvailableAt": item.originallyAvailableAt,
            "year": item.year,
            "contentRating": item.contentRating,
            "genre": list(item.genres),
            "actor": list(item.actors),
            "director": list(item.directors),
            "collection": list(item.collections),
        }

    def reveal(self, rating_key: str) -> None:
        with self._lock:
            self._items[str(rating_key)].hidden = False
            self._visible = None

    def delete_item(self, rating_key: str) -> None:
        with self._lock:
            del self._items[str(rating_key)]
            self._originals.pop(str(rating_key), None)
            self._visible = None

    def item(self, rating_key: str) -> FakeItem:
        with self._lock:
            return self._items[str(rating_key)]

    def items(self) -> list[FakeItem]:
        with self._lock:
            return list(self._items.values())

    def section(self, key: str) -> FakeSection:
        with self._lock:
            return self._sections[str(key)]

    def _visible_items(self, section: str) -> list[FakeItem]:
        with self._lock:
            if self._visible is None:
                visible: dict[str, list[FakeItem]] = {k: [] for k in self._sections}
                for item in self._items.values():  # insertion order == ratingKey order
                    if not item.hidden:
                        visible[item.section].append(item)
                self._visible = visible
            return self._visible.get(section, [])

    def _lookup(self, rating_key: str) -> FakeItem | None:
        item = self._items.get(rating_key)
        return None if item is None or item.hidden else item

    # ----------------------------------------------------------------- recording
    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot, so tests can iterate while the server keeps appending."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for r in self._requests
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
            )

    # ----------------------------------------------------------------- faults
    def set_down(self, down: bool) -> None:
        """Down means refused connections, the way a stopped PMS looks to a client."""
        with self._lock:
            if down == self._down:
                return
            self._down = down
        if down:
            self._close_listener()
            self._drop_connections()
        else:
            self._listen()

    @property
    def is_down(self) -> bool:
        return self._down

    def fail_next(
        self,
        n: int,
        status: int,
        retry_after: str | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
    ) -> None:
        with self._lock:
            self._fail_rules.append(_FailRule(n, status, retry_after, path_prefix, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._fail_rules.clear()
            self._hangs.clear()
            self._latency = 0.0
            for gate in self._holds.values():
                gate.set()
            self._holds.clear()

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    def hang_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._hangs.append([n, seconds])

    def hold(self, method: str, rating_key: str) -> threading.Event:
        """Requests `method` for this item wait, unanswered, until the event is set (30 s at most).

        Lets a test see what a client does while one of its requests is in flight,
        without guessing at timing.
        """
        gate = threading.Event()
        with self._lock:
            self._holds[(method.upper(), rating_key)] = gate
        return gate

    def set_platform(self, platform: str) -> None:
        self.platform = platform

    # ----------------------------------------------------------------- request handling
    def _dispatch(self, handler: _Handler, body: bytes) -> _Response | None:
        raw_target = handler.path
        split = urlsplit(raw_target)
        path = unquote(split.path) or "/"
        if len(path) > 1:
            path = path.rstrip("/")
        query = parse_qs(split.query, keep_blank_values=True)
        method = handler.command
        recorded = RecordedRequest(
            method=method,
            path=path,
            query=query,
            headers=dict(handler.headers.items()),
            body=body,
            raw_target=raw_target,
            time=time.monotonic(),
        )
        with self._lock:
            self._requests.append(recorded)
            down = self._down
            gate = self._holds.get((method, _item_key(path, query)))
            hang = self._take_hang()
            rule = self._take_fail_rule(method, path)
        if down:
            return None  # a connection that slipped in as the listener closed
        if hang:
            self._stopping.wait(hang)
        if gate is not None:
            gate.wait(HOLD_MAX_S)
        if self._latency:
            self._stopping.wait(self._latency)
        if rule is not None:
            response = _html_error(rule.status)
            if rule.retry_after is not None:
                response.headers["Retry-After"] = rule.retry_after
            return response
        if path != "/identity" and not self._authorized(handler, query):
            return _Response(401, UNAUTHORIZED_BODY, "text/html")
        try:
            with self._lock:
                return self._route(recorded)
        except Exception:
            self.errors.append(traceback.format_exc())
            return _html_error(500)

    def _take_hang(self) -> float:
        """Seconds this request hangs (hang_next); call with the lock held."""
        if not self._hangs:
            return 0.0
        self._hangs[0][0] -= 1
        hang = self._hangs[0][1]
        if self._hangs[0][0] <= 0:
            self._hangs.pop(0)
        return hang

    def _take_fail_rule(self, method: str, path: str) -> _FailRule | None:
        """The fail_next rule this request uses up, if any; call with the lock held."""
        rule = next((r for r in self._fail_rules if r.matches(method, path)), None)
        if rule is not None:
            rule.remaining -= 1
            if rule.remaining <= 0:
                self._fail_rules.remove(rule)
        return rule

    def _authorized(self, handler: _Handler, query: dict[str, list[str]]) -> bool:
        supplied = handler.headers.get("X-Plex-Token")
        if supplied is None:
            supplied = (query.get("X-Plex-Token") or [None])[-1]
        return bool(self.token) and supplied == self.token

    def _route(self, req: RecordedRequest) -> _Response:
        method, path, query = req.method, req.path, req.query
        if path == "/" and method in ("GET", "HEAD"):
            return self._root_xml()
        if path == "/identity" and method in ("GET", "HEAD"):
            return _xml(
                f'<MediaContainer size="0" apiVersion="1.1.1" claimed="1"'
                f' machineIdentifier="{_attr(self.machine_id)}" version="{PMS_VERSION}">\n'
                "</MediaContainer>\n"
            )
        if path == "/library" and method == "GET":
            return self._library_xml()
        if path == "/library/sections" and method == "GET":
            return self._sections_xml()
        if path == "/:/rate" and method in ("GET", "PUT"):
            return self._rate(query)
        m = _RE_SECTION.match(path)
        if m:
            return self._section_route(req, m.group(1), m.group(2) or "")
        m = _RE_METADATA.match(path)
        if m:
            return self._metadata_route(req, m.group(1), m.group(2) or "")
        return _html_error(404)

    # ----------------------------------------------------------------- sections
    def _section_route(self, req: RecordedRequest, key: str, rest: str) -> _Response:
        method, query = req.method, req.query
        section = self._sections.get(key)
        if section is None:
            return _html_error(404)
        if rest == "" and method == "GET":
            return self._section_detail_xml(section)
        if rest == "/all" and method == "GET":
            return self._section_all(section, req)
        if rest == "/all" and method == "PUT":
            return self._edit(section, query)
        if rest == "/refresh" and method == "GET":
            path = (query.get("path") or [None])[-1]
            self._scan(section, path)
            return _Response(200)
        if rest == "/refresh" and method == "DELETE":
            return _Response(200)
        return _html_error(404)

    def _scan(self, section: FakeSection, path: str | None) -> None:
        section.scans += 1
        self.scans.append((section.key, path))
        windows = self.platform == "Windows"

        def norm(p: str) -> str:
            return p.replace("\\", "/").lower() if windows else p

        prefix = None if path is None else norm(path).rstrip("/")
        for item in self._items.values():
            if item.section != section.key or not item.hidden:
                continue
            if prefix is None or any(
                norm(f) == prefix or norm(f).startswith(prefix + "/") for f, _ in item.files
            ):
                item.hidden = False
                self._visible = None

    def _section_all(self, section: FakeSection, req: RecordedRequest) -> _Response:
        query = req.query
        items = self._visible_items(section.key)
        wanted_type = (query.get("type") or [None])[-1]
        if wanted_type is not None and wanted_type != "1":
            items = []
        title = (query.get("title") or [None])[-1]
        if title:
            needle = title.casefold()
            items = [i for i in items if needle in i.title.casefold()]
        try:
            start, size = _paging(req)
        except ValueError:
            return _html_error(400)
        total = len(items)
        page = items[start:] if size is None else items[start : start + size]
        head = [
            *self._container_attrs(section),
            ("size", len(page)),
            ("totalSize", total),
            ("offset", start),
            ("title1", section.title),
            ("title2", "All Movies"),
            ("viewGroup", "movie"),
            ("viewMode", 65592),
        ]
        parts = [f"<MediaContainer{_attrs(head)}>\n"]
        parts.extend(self._video_xml(item, section, detail=False) for item in page)
        parts.append("</MediaContainer>\n")
        return _xml("".join(parts))

    def _container_attrs(self, section: FakeSection) -> list[tuple[str, object]]:
        return [
            ("allowSync", 1),
            ("art", "/:/resources/movie-fanart.jpg"),
            ("identifier", LIBRARY_IDENTIFIER),
            ("librarySectionID", section.key),
            ("librarySectionTitle", section.title),
            ("librarySectionUUID", section.uuid),
            ("mediaTagPrefix", "/system/bundle/media/flags/"),
            ("mediaTagVersion", MEDIA_TAG_VERSION),
            ("thumb", "/:/resources/movie.png"),
        ]

    # ----------------------------------------------------------------- metadata
    def _metadata_route(self, req: RecordedRequest, keys: str, rest: str) -> _Response:
        method = req.method
        if rest == "" and method == "GET":
            found = [i for i in (self._lookup(k) for k in keys.split(",") if k) if i]
            if not found:
                return _html_error(404)
            return self._metadata_xml(found)
        item = self._lookup(keys)
        if item is None:
            return _html_error(404)
        if rest == "" and method == "DELETE":
            self.delete_item(item.rating_key)
            return _Response(200)
        if rest in _IMAGE_ROUTES or rest.startswith(("/thumb/", "/art/")):
            return self._image_route(req, item, rest)
        if rest == "/refresh" and method == "PUT":
            item.refreshes += 1
            if self.revert_unlocked_on_refresh:
                self._revert_unlocked(item)
            return _Response(200)
        return _html_error(404)

    def _image_route(self, req: RecordedRequest, item: FakeItem, rest: str) -> _Response:
        method, body = req.method, req.body
        url = (req.query.get("url") or [None])[-1]
        kind = "poster" if rest in ("/posters", "/poster") or rest.startswith("/thumb/") else "art"
        if rest in ("/posters", "/arts") and method == "POST":
            if url is not None:
                setattr(item, f"{kind}_url", url)
                setattr(item, f"selected_{kind}", url)
            elif body:
                setattr(item, kind, body)
                setattr(item, f"selected_{kind}", f"upload://{kind}s/{item.rating_key}")
            else:
                return _html_error(400)
            setattr(item, f"{kind}_uploads", getattr(item, f"{kind}_uploads") + 1)
            item.updated_at += 1
            return _Response(200)
        if rest in ("/posters", "/arts") and method == "GET":
            return self._images_xml(item, kind)
        if rest in ("/poster", "/art") and method == "PUT":
            if url is None:
                return _html_error(400)
            setattr(item, f"selected_{kind}", url)
            item.updated_at += 1
            return _Response(200)
        if rest.startswith(("/thumb/", "/art/")) and method == "GET":
            data = getattr(item, kind)
            return _html_error(404) if data is None else _Response(200, data, "image/jpeg")
        return _html_error(404)

    def _revert_unlocked(self, item: FakeItem) -> None:
        original = self._originals.get(item.rating_key, {})
        for name, value in original.items():
            if name in item.locked:
                continue
            if name in _TAG_ATTRS:
                item.set_tags(name, list(value))
            else:
                setattr(item, name, value)

    def _rate(self, query: dict[str, list[str]]) -> _Response:
        key = (query.get("key") or [""])[-1]
        identifier = (query.get("identifier") or [""])[-1]
        item = self._lookup(key)
        if item is None:
            return _html_error(404)
        if identifier != RATE_IDENTIFIER:
            return _html_error(400)
        try:
            rating = float((query.get("rating") or [""])[-1])
        except ValueError:
            return _html_error(400)
        if rating == -1:
            item.user_rating = None
        elif 0 <= rating <= 10:
            item.user_rating = rating
        else:
            return _html_error(400)
        return _Response(200)

    # ----------------------------------------------------------------- edits
    def _edit(self, section: FakeSection, query: dict[str, list[str]]) -> _Response:
        if (query.get("type") or [""])[-1] != "1":
            return _html_error(400)
        ids = [k for k in (query.get("id") or [""])[-1].split(",") if k]
        if not ids:
            # A real PMS would edit the whole section; refuse so a missing id fails loudly.
            return _html_error(400)
        items = []
        for key in ids:
            item = self._lookup(key)
            if item is None or item.section != section.key:
                return _html_error(404)
            items.append(item)
        for item in items:
            self._apply_edit(item, query)
        return _Response(200)

    def _apply_edit(self, item: FakeItem, query: dict[str, list[str]]) -> None:
        replaced: dict[str, dict[int, str]] = {}
        removed: dict[str, list[str]] = {}
        cleared: set[str] = set()
        for key, values in query.items():
            value = values[-1]
            if key.endswith(".locked") and "[" not in key:
                name = key[: -len(".locked")]
                if value == "1":
                    item.locked.add(name)
                else:
                    item.locked.discard(name)
            elif key.endswith(".value") and key.count(".") == 1:
                self._set_field(item, key[: -len(".value")], value)
            elif m := _RE_INDEXED_TAG.match(key):
                replaced.setdefault(m.group(1), {})[int(m.group(2))] = value
            elif m := _RE_REMOVE_TAGS.match(key):
                # plexapi quotes each tag, joins with ",", then its URL builder quotes the
                # whole value again; parse_qs undid the outer layer, unquote the inner one.
                removed.setdefault(m.group(1), []).extend(unquote(v) for v in value.split(",") if v)
            elif m := _RE_REMOVE_ALL_TAGS.match(key):
                cleared.add(m.group(1))
        for tag in cleared:
            item.set_tags(tag, [])
        for tag, indexed in replaced.items():
            item.set_tags(tag, [indexed[i] for i in sorted(indexed)])
        for tag, gone in removed.items():
            drop = {g.casefold() for g in gone}
            item.set_tags(tag, [t for t in item.tags(tag) if t.casefold() not in drop])
        item.edit_count += 1
        item.updated_at += 1

    @staticmethod
    def _set_field(item: FakeItem, name: str, value: str) -> None:
        if name == "year":
            item.year = int(value) if value.strip() else None
        elif name == "userRating":
            item.user_rating = float(value) if value.strip() else None
        elif name in ("studio", "originallyAvailableAt", "contentRating"):
            setattr(item, name, value or None)
        elif name in _SCALAR_FIELDS:
            setattr(item, name, value)
        else:
            item.extra_fields[name] = value

    # ----------------------------------------------------------------- XML rendering
    def _root_xml(self) -> _Response:
        dirs = ["activities", "butler", "channels", "clients", "devices", "diagnostics", "hubs"]
        dirs += ["library", "livetv", "media", "metadata", "neighborhood", "playQueues"]
        dirs += ["player", "playlists", "resources", "search", "server", "servers"]
        dirs += ["statistics", "system", "transcode", "updater", "user"]
        head = [
            ("size", len(dirs)),
            ("allowCameraUpload", 1),
            ("allowChannelAccess", 1),
            ("allowMediaDeletion", 1),
            ("allowSharing", 1),
            ("allowSync", 1),
            ("allowTuners", 1),
            ("backgroundProcessing", 1),
            ("certificate", 1),
            ("companionProxy", 1),
            ("countryCode", "usa"),
            ("diagnostics", "logs,databases,streaminglogs"),
            ("eventStream", 1),
            ("friendlyName", self.friendly_name),
            ("hubSearch", 1),
            ("itemClusters", 1),
            ("livetv", 7),
            ("machineIdentifier", self.machine_id),
            ("mediaProviders", 1),
            ("multiuser", 1),
            ("musicAnalysis", 2),
            ("myPlex", 1),
            ("myPlexMappingState", "mapped"),
            ("myPlexSigninState", "ok"),
            ("myPlexSubscription", 1),
            ("myPlexUsername", "fake@example.invalid"),
            ("offlineTranscode", 1),
            ("ownerFeatures", "collections,federated-auth,hardware_transcoding,webhooks"),
            ("photoAutoTag", 1),
            ("platform", self.platform),
            ("platformVersion", _PLATFORM_VERSIONS.get(self.platform, "1.0")),
            ("pluginHost", 1),
            ("pushNotifications", 0),
            ("readOnlyLibraries", 0),
            ("requestParametersInCookie", 1),
            ("streamingBrainABRVersion", 3),
            ("streamingBrainVersion", 2),
            ("sync", 1),
            ("transcoderActiveVideoSessions", 0),
            ("transcoderAudio", 1),
            ("transcoderLyrics", 1),
            ("transcoderPhoto", 1),
            ("transcoderSubtitles", 1),
            ("transcoderVideo", 1),
            ("transcoderVideoBitrates", "64,96,208,320,720,1500,2000,3000,4000,8000,10000"),
            ("transcoderVideoQualities", "0,1,2,3,4,5,6,7,8,9,10"),
            ("transcoderVideoResolutions", "128,128,160,240,320,480,768,720,720,1080,1080"),
            ("updatedAt", BASE_TIME),
            ("updater", 1),
            ("version", PMS_VERSION),
            ("voiceSearch", 1),
        ]
        children = "".join(f'<Directory count="1" key="{d}" title="{d}" />\n' for d in dirs)
        return _xml(f"<MediaContainer{_attrs(head)}>\n{children}</MediaContainer>\n")

    def _library_xml(self) -> _Response:
        head = [
            ("size", 3),
            ("allowSync", 0),
            ("art", "/:/resources/library-art.png"),
            ("content", "1"),
            ("identifier", LIBRARY_IDENTIFIER),
            ("mediaTagPrefix", "/system/bundle/media/flags/"),
            ("mediaTagVersion", MEDIA_TAG_VERSION),
            ("title1", "Plex Library"),
            ("title2", ""),
        ]
        return _xml(
            f"<MediaContainer{_attrs(head)}>\n"
            '<Directory key="sections" title="Library Sections" />\n'
            '<Directory key="recentlyAdded" title="Recently Added Content" />\n'
            '<Directory key="onDeck" title="On Deck Content" />\n'
            "</MediaContainer>\n"
        )

    def _section_directory(self, section: FakeSection) -> str:
        art_kind = {"movie": "movie", "show": "show", "artist": "artist"}.get(section.type, "movie")
        attrs = [
            ("allowSync", 1),
            ("art", f"/:/resources/{art_kind}-fanart.jpg"),
            ("composite", f"/library/sections/{section.key}/composite/{BASE_TIME}"),
            ("filters", 1),
            ("refreshing", 0),
            ("thumb", f"/:/resources/{art_kind}.png"),
            ("key", section.key),
            ("type", section.type),
            ("title", section.title),
            ("agent", section.agent),
            ("scanner", section.scanner),
            ("language", section.language),
            ("uuid", section.uuid),
            ("updatedAt", section.created_at),
            ("createdAt", section.created_at),
            ("scannedAt", section.created_at + section.scans),
            ("content", 1),
            ("directory", 1),
            ("contentChangedAt", section.scans),
            ("hidden", 0),
        ]
        locations = "".join(
            f'<Location id="{section.key}{n}" path="{_attr(p)}" />\n'
            for n, p in enumerate(section.locations)
        )
        return f"<Directory{_attrs(attrs)}>\n{locations}</Directory>\n"

    def _sections_xml(self) -> _Response:
        head = [
            ("size", len(self._sections)),
            ("allowSync", 0),
            ("identifier", LIBRARY_IDENTIFIER),
            ("mediaTagPrefix", "/system/bundle/media/flags/"),
            ("mediaTagVersion", MEDIA_TAG_VERSION),
            ("title1", "Plex Library"),
        ]
        body = "".join(self._section_directory(s) for s in self._sections.values())
        return _xml(f"<MediaContainer{_attrs(head)}>\n{body}</MediaContainer>\n")

    def _section_detail_xml(self, section: FakeSection) -> _Response:
        head = [
            *self._container_attrs(section),
            ("size", 2),
            ("content", "secondary"),
            ("title1", section.title),
            ("viewGroup", "secondary"),
        ]
        return _xml(
            f"<MediaContainer{_attrs(head)}>\n"
            '<Directory key="all" title="All Movies" />\n'
            '<Directory key="recentlyAdded" title="Recently Added" />\n'
            "</MediaContainer>\n"
        )

    def _metadata_xml(self, items: list[FakeItem]) -> _Response:
        section = self._sections[items[0].section]
        head = [*self._container_attrs(section), ("size", len(items))]
        body = "".join(self._video_xml(i, self._sections[i.section], detail=True) for i in items)
        return _xml(f"<MediaContainer{_attrs(head)}>\n{body}</MediaContainer>\n")

    def _images_xml(self, item: FakeItem, kind: str) -> _Response:
        selected = getattr(item, f"selected_{kind}")
        candidates: list[tuple[str, str | None]] = []
        if getattr(item, kind) is not None:
            candidates.append((f"upload://{kind}s/{item.rating_key}", "upload"))
        url = getattr(item, f"{kind}_url")
        if url is not None:
            candidates.append((url, None))
        rows = "".join(
            "<Photo"
            + _attrs(
                [
                    ("key", key),
                    ("ratingKey", key),
                    ("selected", int(key == selected)),
                    ("thumb", key),
                    ("provider", provider),
                ]
            )
            + " />\n"
            for key, provider in candidates
        )
        return _xml(f'<MediaContainer size="{len(candidates)}">\n{rows}</MediaContainer>\n')

    def _tag_id(self, tag: str, name: str) -> int:
        key = (tag, name)
        tag_id = self._tag_ids.get(key)
        if tag_id is None:
            tag_id = self._tag_ids[key] = len(self._tag_ids) + 1
        return tag_id

    def _video_xml(self, item: FakeItem, section: FakeSection, *, detail: bool) -> str:
        rk = item.rating_key
        has_poster = item.poster is not None or item.selected_poster is not None
        has_art = item.art is not None or item.selected_art is not None
        attrs: list[tuple[str, object]] = [
            ("ratingKey", rk),
            ("key", f"/library/metadata/{rk}"),
            ("guid", f"local://{rk}"),
            ("studio", item.studio),
            ("type", "movie"),
            ("title", item.title),
        ]
        if detail:
            attrs += [
                ("librarySectionTitle", section.title),
                ("librarySectionID", section.key),
                ("librarySectionKey", f"/library/sections/{section.key}"),
            ]
        attrs += [
            ("contentRating", item.contentRating),
            ("summary", item.summary),
            ("userRating", item.user_rating),
            ("lastRatedAt", item.updated_at if item.user_rating is not None else None),
            ("year", item.year),
        ]
        attrs += [(name, value) for name, value in sorted(item.extra_fields.items()) if value]
        attrs += [
            ("thumb", f"/library/metadata/{rk}/thumb/{item.updated_at}" if has_poster else None),
            ("art", f"/library/metadata/{rk}/art/{item.updated_at}" if has_art else None),
            ("originallyAvailableAt", item.originallyAvailableAt),
            ("addedAt", item.added_at),
            ("updatedAt", item.updated_at),
        ]
        out = [f"<Video{_attrs(attrs)}>\n"]
        for n, (path, size) in enumerate(item.files):
            media_id = item.media_id_base + n
            ext = _ext(path)
            out.append(
                f'<Media id="{media_id}" container="{ext}" videoResolution="1080">\n'
                f'<Part id="{media_id}" key="/library/parts/{media_id}/{item.added_at}/file.{ext}"'
                f' file="{_attr(path)}" size="{size}" container="{ext}" />\n'
                "</Media>\n"
            )
        for tag in ("genre", "director", "writer", "producer", "country", "collection"):
            out.extend(self._tag_xml(tag, item.tags(tag)))
        for tag in sorted(set(item.extra_tags) - set(_TAG_ELEMENTS)):
            out.extend(self._tag_xml(tag, item.extra_tags[tag]))
        out.extend(self._tag_xml("label", item.tags("label")))
        out.extend(self._tag_xml("actor", item.actors))
        out.extend(f'<Field locked="1" name="{_attr(name)}" />\n' for name in sorted(item.locked))
        out.append("</Video>\n")
        return "".join(out)

    def _tag_xml(self, tag: str, values: list[str]) -> Iterator[str]:
        element = _TAG_ELEMENTS.get(tag, tag.capitalize())
        for value in values:
            tag_id = self._tag_id(tag, value)
            yield (f'<{element} id="{tag_id}" filter="{tag}={tag_id}" tag="{_attr(value)}" />\n')

    # ----------------------------------------------------------------- misc
    def __repr__(self) -> str:
        return f"<FakePlex {self.url or 'not started'} items={len(self._items)}>"


def main(argv: list[str] | None = None) -> int:
    """Serve a populated fake until interrupted, for benchmarks and manual demos."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.fake_plex")
    parser.add_argument("--items", type=int, default=100, help="movies to create")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="fake-plex-token")
    parser.add_argument("--platform", default="Linux")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args(argv)

    fake = FakePlex(token=args.token, platform=args.platform, latency=args.latency, port=args.port)
    section = fake.add_section("Movies")
    fake.bulk_add_items(section, args.items)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with fake:
        print(f"PLEX_URL={fake.url}", flush=True)
        print(f"PLEX_TOKEN={fake.token}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
