"""The one way PlexSync writes a moment for people and JSON: UTC, ISO 8601, to the second.

Standard library only.
"""

from __future__ import annotations

import time


def iso_utc(ts: float | None) -> str | None:
    """`2025-01-31T12:00:00Z` for a Unix time; None stays None."""
    return None if ts is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))
