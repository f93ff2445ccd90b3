"""PlexSync's settings: read from Stash, defaulted, range-checked, secret kept secret.

Stash stores plugin settings without defaults and omits unset keys, so every
default lives here, and every BOOLEAN means "off" when unset. An invalid value
stops the run with a message naming the key, the value and the accepted range:
nothing is sent to Plex with a setting we do not understand.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

DEFAULT_PLEX_URL = "http://localhost:32400"
ALL_SYNC_FIELDS = (
    "title",
    "date",
    "summary",
    "studio",
    "performers",
    "tags",
    "poster",
    "director",
    "rating",
    "studioCollection",
)
DEFAULT_SYNC_FIELDS = ("title", "date", "summary", "studio", "performers", "tags", "poster")
SETTINGS_HINT = "Stash > Settings > Plugins > PlexSync"

RANGES: dict[str, tuple[int, int]] = {
    "maxRetries": (1, 20),
    "connectTimeout": (1, 30),
    "readTimeout": (5, 120),
    "dlqRetentionDays": (1, 365),
}


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it and says how to fix it."""


class PathRule(BaseModel):
    """One `stashPrefix=>plexPrefix` rule of the pathMap setting."""

    model_config = ConfigDict(frozen=True)
    stash_prefix: str
    plex_prefix: str


class Settings(BaseModel):
    """Validated settings; field names follow the keys users see in Stash."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    plex_url: str = Field(DEFAULT_PLEX_URL, alias="plexUrl")
    plex_token: SecretStr = Field(alias="plexToken")
    plex_libraries: tuple[str, ...] = Field((), alias="plexLibraries")
    path_map: tuple[PathRule, ...] = Field((), alias="pathMap")
    sync_fields: tuple[str, ...] = Field(DEFAULT_SYNC_FIELDS, alias="syncFields")
    allow_ambiguous_match: bool = Field(False, alias="allowAmbiguousMatch")
    preserve_plex_edits: bool = Field(False, alias="preservePlexEdits")
    skip_unorganized: bool = Field(False, alias="skipUnorganized")
    clean_titles: bool = Field(False, alias="cleanTitles")
    max_retries: int = Field(5, alias="maxRetries")
    connect_timeout: float = Field(5, alias="connectTimeout")
    read_timeout: float = Field(30, alias="readTimeout")
    dlq_retention_days: int = Field(30, alias="dlqRetentionDays")
    insecure_skip_tls_verify: bool = Field(False, alias="insecureSkipTlsVerify")
    obfuscate_paths: bool = Field(False, alias="obfuscatePaths")
    debug_logging: bool = Field(False, alias="debugLogging")
    scan_plex_folders: bool = Field(False, alias="scanPlexFolders")

    @field_validator("plex_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL such as http://192.168.1.10:32400")
        if parts.query or "x-plex-token" in value.lower():
            raise ValueError("must not contain a query string; put the token in plexToken")
        try:
            parts.port  # noqa: B018 - raises for an impossible port
        except ValueError:
            raise ValueError("has an invalid port; use a number from 1 to 65535") from None
        return value

    @field_validator("plex_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("must not be empty; paste your X-Plex-Token")
        if any(ch.isspace() for ch in token):
            raise ValueError("contains spaces; paste the token alone")
        return SecretStr(token)

    @property
    def token(self) -> str:
        return self.plex_token.get_secret_value()


def parse_list(value: Any) -> tuple[str, ...]:
    """A comma-separated STRING setting as a tuple of trimmed, non-empty names."""
    if value is None:
        return ()
    if not isinstance(value, str):
        raise SettingsError(f"must be text like 'a, b', got {value!r}")
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_path_map(value: Any) -> tuple[PathRule, ...]:
    """`/stash/a=>/plex/a; D:\\b=>/plex/b` as rules; longest prefix is chosen at match time."""
    if value is not None and not isinstance(value, str):
        raise SettingsError(f"must be text like '/stash=>/plex; D:\\x=>/y', got {value!r}")
    rules = []
    for chunk in (value or "").replace("\n", ";").split(";"):
        if not chunk.strip():
            continue
        if "=>" not in chunk:
            raise SettingsError(
                f"rule {chunk.strip()!r} has no '=>'; write stashPrefix=>plexPrefix, "
                "rules separated by ';'"
            )
        stash_prefix, plex_prefix = (part.strip() for part in chunk.split("=>", 1))
        if not stash_prefix or not plex_prefix:
            raise SettingsError(f"rule {chunk.strip()!r} needs a prefix on both sides of '=>'")
        rules.append(PathRule(stash_prefix=stash_prefix, plex_prefix=plex_prefix))
    return tuple(rules)


def _legacy_url(raw: dict[str, Any]) -> str | None:
    host = raw.get("plexHost")
    if not host:
        return None
    host = str(host).strip().rstrip("/")
    if "://" not in host:
        host = f"http://{host}"
    port = raw.get("plexPort")
    try:
        if port not in (None, "") and urlsplit(host).port is None:
            number = int(float(port))
            if not 0 < number < 65536:
                raise ValueError(port)
            host = f"{host}:{number}"
    except (TypeError, ValueError, OverflowError):
        raise SettingsError(
            f"setting plexHost={raw.get('plexHost')!r} / plexPort={port!r} is invalid; "
            "use a port number from 1 to 65535, or set plexUrl instead"
        ) from None
    return host


def _number(key: str, value: Any) -> int:
    low, high = RANGES[key]
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {key}={value!r} is not a number; accepted range {low}-{high}"
        ) from None
    if not low <= number <= high or number != int(number):
        raise SettingsError(
            f"setting {key}={value!r} is out of range; accepted whole numbers {low}-{high}"
        )
    return int(number)


def _boolean(key: str, value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise SettingsError(f"setting {key}={value!r} must be true or false")


BOOLEAN_KEYS = (
    "allowAmbiguousMatch",
    "preservePlexEdits",
    "skipUnorganized",
    "cleanTitles",
    "insecureSkipTlsVerify",
    "obfuscatePaths",
    "debugLogging",
    "scanPlexFolders",
)


def load_settings(raw: dict[str, Any] | None, env: dict[str, str] | None = None) -> Settings:
    """Build Settings from Stash's stored values, legacy keys and PLEX_URL/PLEX_TOKEN."""
    raw = dict(raw or {})
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    values["plexUrl"] = (
        raw.get("plexUrl") or _legacy_url(raw) or env.get("PLEX_URL") or DEFAULT_PLEX_URL
    )
    token = raw.get("plexToken") or env.get("PLEX_TOKEN")
    if not token:
        raise SettingsError(
            f"setting plexToken is not set; enter your X-Plex-Token in {SETTINGS_HINT}"
        )
    values["plexToken"] = str(token)
    values["plexLibraries"] = _keyed("plexLibraries", parse_list, raw.get("plexLibraries"))
    values["pathMap"] = _keyed("pathMap", parse_path_map, raw.get("pathMap"))
    values["syncFields"] = _sync_fields(raw.get("syncFields"))
    for key in RANGES:
        if raw.get(key) not in (None, ""):
            values[key] = _number(key, raw[key])
    for key in BOOLEAN_KEYS:
        values[key] = _boolean(key, raw.get(key))
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, values)) from None


def _keyed(key: str, parser: Any, value: Any) -> Any:
    try:
        return parser(value)
    except SettingsError as exc:
        raise SettingsError(f"setting {key} is invalid: {exc}") from None


def _sync_fields(value: Any) -> tuple[str, ...]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_SYNC_FIELDS
    fields = _keyed("syncFields", parse_list, value)
    by_lower = {name.lower(): name for name in ALL_SYNC_FIELDS}
    unknown = [f for f in fields if f.lower() not in by_lower]
    if unknown:
        raise SettingsError(
            f"setting syncFields has unknown field(s) {', '.join(unknown)}; "
            f"accepted: {', '.join(ALL_SYNC_FIELDS)}"
        )
    return tuple(dict.fromkeys(by_lower[f.lower()] for f in fields))


def _describe(exc: ValidationError, values: dict[str, Any]) -> str:
    error = exc.errors()[0]
    key = str(error["loc"][0]) if error["loc"] else "?"
    value = values.get(key)
    if key == "plexToken":
        shown = "***"
    elif isinstance(value, str) and "?" in value:
        shown = repr(value.split("?", 1)[0] + "?***")
    else:
        shown = repr(value)
    reason = str(error["msg"]).removeprefix("Value error, ")
    message = f"setting {key}={shown} is invalid: {reason}. Fix it in {SETTINGS_HINT}"
    token = str(values.get("plexToken") or "")
    return message.replace(token, "***") if len(token) >= 4 else message
