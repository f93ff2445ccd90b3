"""`PLEXSYNC_TIME_SCALE`: one knob that shortens every wait PlexSync chooses itself.

Backoff, Retry-After, breaker reset and idle linger all pass through `scaled()`,
so tests run a five-retry schedule in well under a second. Network timeouts do
not: they protect against a real server and must stay real.
"""

from __future__ import annotations

import os

ENV_TIME_SCALE = "PLEXSYNC_TIME_SCALE"


def time_scale() -> float:
    try:
        value = float(os.environ.get(ENV_TIME_SCALE, "1") or 1)
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


def scaled(seconds: float) -> float:
    return seconds * time_scale()
