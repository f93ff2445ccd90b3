"""The one connection to Plex per process: plexapi over a session we control.

The session puts the token in the `X-Plex-Token` header only (never a URL), forces
`(connectTimeout, readTimeout)` on every request whatever plexapi asks for, raises
`PlexHTTPError` with the real status and Retry-After before plexapi turns it into a
vague exception, and retries connection blips a few times within a second or two.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

import requests
from requests.status_codes import _codes as KNOWN_STATUSES
from tenacity import retry, retry_if_exception_type, retry_if_not_exception_type, stop_after_attempt

from plex.errors import NotFoundError, PlexHTTPError, translate
from validation.config import Settings

PAGE_SIZE = 1000
ITEMS_PER_READ = 50
MAX_READ_PATH = 1500  # characters of /library/metadata/<k1>,<k2>,... per request
METADATA_PATH = "/library/metadata/"
BLIP_ATTEMPTS = 3
BLIP_WAIT_S = 0.3


class PlexSession(requests.Session):
    """requests.Session with fixed timeouts, status checking and blip retries."""

    def __init__(
        self,
        token: str,
        timeouts: tuple[float, float],
        verify: bool,
        blip_wait: float = BLIP_WAIT_S,
    ) -> None:
        super().__init__()
        self.timeouts = timeouts
        self.blip_wait = blip_wait
        self.verify = verify
        self.headers["X-Plex-Token"] = token
        self.headers["Accept"] = "application/xml"
        self._environment: dict[tuple, dict[str, Any]] = {}

    def merge_environment_settings(  # type: ignore[override]
        self, url: str | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """requests' per-request look at proxy variables, done once per server.

        requests scans the whole environment for proxy settings on every request
        (~0.5 ms each, a tenth of a fake Plex's answer time); they do not change
        while a process runs.
        """
        key = (urlsplit(url or "").netloc, repr(proxies), stream, verify, cert)
        cached = self._environment.get(key)
        if cached is None:
            cached = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = cached
        return dict(cached)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["timeout"] = self.timeouts
        response = self._send_with_retries(method, url, *args, **kwargs)
        # plexapi fails with a TypeError on a status requests does not know: sort it here.
        if response.status_code >= 400 or response.status_code not in KNOWN_STATUSES:
            path = urlsplit(response.url or url).path
            raise PlexHTTPError(
                response.status_code, method.upper(), path, response.headers.get("Retry-After")
            )
        return response

    @retry(
        retry=retry_if_exception_type(requests.ConnectionError)
        & retry_if_not_exception_type(requests.exceptions.SSLError),
        stop=stop_after_attempt(BLIP_ATTEMPTS),
        wait=lambda state: state.args[0].blip_wait,
        reraise=True,
    )
    def _send_with_retries(
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        return super().request(method, url, *args, **kwargs)


@dataclass(frozen=True)
class SectionInfo:
    key: str
    title: str
    type: str
    locations: tuple[str, ...]


@dataclass(frozen=True)
class IndexedFile:
    rating_key: str
    path: str
    size: int


class PlexClient:
    """What PlexSync asks of Plex, each call translated at the error boundary."""

    def __init__(self, settings: Settings, scale: float = 1.0) -> None:
        """`scale` is PLEXSYNC_TIME_SCALE, applied to the wait between blip retries."""
        self.settings = settings
        self.session = PlexSession(
            settings.token,
            (float(settings.connect_timeout), float(settings.read_timeout)),
            verify=not settings.insecure_skip_tls_verify,
            blip_wait=BLIP_WAIT_S * scale,
        )
        if settings.insecure_skip_tls_verify:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._server: Any = None

    @property
    def server(self) -> Any:
        """The plexapi PlexServer, connected on first use (one GET /)."""
        if self._server is None:
            from plexapi.server import PlexServer

            try:
                self._server = PlexServer(
                    self.settings.plex_url,
                    self.settings.token,
                    session=self.session,
                    timeout=self.session.timeouts,
                )
            except Exception as exc:
                raise translate(exc, f"the Plex server at {self.settings.plex_url}") from None
        return self._server

    @property
    def platform(self) -> str:
        return str(getattr(self.server, "platform", "") or "")

    @property
    def machine_identifier(self) -> str:
        return str(getattr(self.server, "machineIdentifier", "") or "")

    def identity(self) -> None:
        """Cheapest proof that Plex answers (used by circuit-breaker probes)."""
        try:
            self.session.get(f"{self.settings.plex_url}/identity")
        except Exception as exc:
            raise translate(exc, "the Plex server") from None

    def sections(self) -> list[SectionInfo]:
        root = self._query("/library/sections", "the library list")
        return [
            SectionInfo(
                key=str(d.get("key")),
                title=d.get("title") or "",
                type=d.get("type") or "",
                locations=tuple(loc.get("path") or "" for loc in d.iter("Location")),
            )
            for d in root.iter("Directory")
        ]

    def section_files(
        self, section_key: str, page_size: int = PAGE_SIZE
    ) -> Iterator[list[IndexedFile]]:
        """Every movie's files in a section, one page (list) at a time to keep memory flat."""
        start = 0
        while True:
            root = self._query(
                f"/library/sections/{section_key}/all",
                f"library section {section_key}",
                params={
                    "type": 1,
                    "X-Plex-Container-Start": start,
                    "X-Plex-Container-Size": page_size,
                },
            )
            videos = root.findall("Video")
            yield [
                IndexedFile(
                    str(video.get("ratingKey")), part.get("file") or "", int(part.get("size") or 0)
                )
                for video in videos
                for part in video.iter("Part")
                if part.get("file")
            ]
            start += len(videos)
            total = int(root.get("totalSize") or root.get("size") or 0)
            if not videos or start >= total:
                return

    def scan_folder(self, section_key: str, folder: str) -> None:
        """Ask Plex for a partial scan of one folder, as plexapi's `LibrarySection.update(path=)`."""
        try:
            self.server.query(f"/library/sections/{section_key}/refresh?path={quote_plus(folder)}")
        except Exception as exc:
            raise translate(exc, f"the scan of a folder in library section {section_key}") from None

    def fetch_item(self, rating_key: str) -> Any:
        """The item with its full metadata (one GET).

        `/library/metadata/<key>` already carries every tag and lock we compare, so
        plexapi's auto-reload (a hidden second GET whenever an attribute is empty)
        is switched off for this object.
        """
        try:
            item = self.server.fetchItem(int(rating_key))
        except Exception as exc:
            raise translate(exc, f"Plex item {rating_key}") from None
        item._autoReload = False
        return item

    def fetch_items(self, rating_keys: Iterable[str]) -> dict[str, Any]:
        """Many items with their full metadata: one `GET /library/metadata/<k1>,<k2>,...`
        per 50 keys (and a bounded URL length), as plexapi's `fetchItems` builds it.

        Plex answers with every item it has; an item it does not have (deleted, not
        scanned yet) is simply absent from the result, and only a request none of
        whose items exists gets a 404. Any other error fails the whole request.
        """
        found: dict[str, Any] = {}
        for chunk in read_chunks(rating_keys):
            found.update(self._fetch_chunk(chunk))
        return found

    def _fetch_chunk(self, keys: list[str]) -> dict[str, Any]:
        ekey = METADATA_PATH + ",".join(keys)
        what = f"Plex item {keys[0]}" if len(keys) == 1 else f"{len(keys)} Plex items"
        try:
            root = self.server.query(ekey)
            items = self.server.findItems(root, initpath=ekey) if root is not None else []
        except Exception as exc:
            error = translate(exc, what)
            if isinstance(error, NotFoundError):
                return {}
            raise error from None
        wanted = set(keys)
        found = {}
        for item in items:
            key = str(getattr(item, "ratingKey", ""))
            if key in wanted:
                item._autoReload = False  # the answer is the full metadata, as in fetch_item
                found[key] = item
        return found

    def edit(self, item: Any, params: dict[str, Any]) -> None:
        """Send every changed field of one item as ONE PUT, encoded exactly as plexapi's edit().

        plexapi's own `edit()` first loads `/library` and `/library/sections` to find the
        item's section; the item already knows it, so we skip those two requests.
        """
        from plexapi.utils import joinArgs

        query = {"type": 1, "id": item.ratingKey, **params}
        key = f"/library/sections/{item.librarySectionID}/all{joinArgs(query)}"
        try:
            self.server.query(key, method=self.session.put)
        except Exception as exc:
            raise translate(exc, f"Plex item {item.ratingKey}") from None

    def upload_poster(self, item: Any, image: bytes) -> None:
        try:
            item.uploadPoster(filepath=io.BytesIO(image))
        except Exception as exc:
            raise translate(exc, f"the poster of Plex item {item.ratingKey}") from None

    def rate(self, item: Any, rating: float | None) -> None:
        try:
            item.rate(rating)
        except Exception as exc:
            raise translate(exc, f"the rating of Plex item {item.ratingKey}") from None

    def _query(self, key: str, what: str, params: dict[str, Any] | None = None) -> ET.Element:
        try:
            root = self.server.query(key, params=params)
        except Exception as exc:
            raise translate(exc, what) from None
        if root is None:
            raise translate(ValueError("empty answer"), what)
        return root


def read_chunks(rating_keys: Iterable[str]) -> Iterator[list[str]]:
    """Distinct keys in order, cut into requests of at most ITEMS_PER_READ keys and
    MAX_READ_PATH characters of path."""
    chunk: list[str] = []
    length = len(METADATA_PATH)
    for key in dict.fromkeys(str(k) for k in rating_keys):
        if chunk and (len(chunk) >= ITEMS_PER_READ or length + len(key) + 1 > MAX_READ_PATH):
            yield chunk
            chunk, length = [], len(METADATA_PATH)
        chunk.append(key)
        length += len(key) + 1
    if chunk:
        yield chunk
