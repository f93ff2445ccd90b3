"""Making text safe for Plex without changing what a person reads.

Plex rejects or mangles control characters and stores very long values badly.
Every function here is idempotent: sanitizing twice gives the same result, so a
value read back from Plex compares equal to what we would send again.
"""

from __future__ import annotations

import re
import unicodedata

TITLE_MAX = 255
SUMMARY_MAX = 10_000
TAG_MAX = 255
ELLIPSIS = "…"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n?|[\n\t]")
_SPACES = re.compile(r"[ \u00a0]{2,}")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def clean_text(value: str | None, limit: int, multiline: bool = False) -> str:
    """Remove control characters, normalize to NFC, trim, and cut at a word boundary."""
    if not value:
        return ""
    text = _SURROGATES.sub("", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", text).strip()
    else:
        text = _LINE_BREAKS.sub(" ", text)
        text = unicodedata.normalize("NFC", _CONTROL.sub("", text))
        text = _SPACES.sub(" ", text).strip()
    return cut_at_word(text, limit)


def cut_at_word(text: str, limit: int) -> str:
    """Shorten to at most `limit` characters, preferring a word boundary, marked with '…'."""
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[:room]
    space = head.rfind(" ")
    if space >= room // 2:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def clean_title(value: str | None) -> str:
    return clean_text(value, TITLE_MAX)


def clean_summary(value: str | None) -> str:
    return clean_text(value, SUMMARY_MAX, multiline=True)


def clean_tags(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Tag names cleaned, empty ones dropped, duplicates (case-insensitive) removed, order kept."""
    seen: set[str] = set()
    result = []
    for value in values:
        name = clean_text(value, TAG_MAX)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return tuple(result)


def transliterate(value: str) -> str:
    """ASCII look-alike of a title for users whose Plex clients lack the fonts (cleanTitles)."""
    from unidecode import unidecode

    return clean_title(unidecode(value))
