"""`PLEXSYNC_TIME_SCALE`: one knob that shortens every wait PlexSync chooses itself.

Backoff, Retry-After, breaker reset and idle linger are all multiplied by it, so
tests run a five-retry schedule in well under a second. Network timeouts are not:
they protect against a real server and must stay real. The variable is read once
per process, where the process is assembled (`time_scale()`); the value then
travels as an argument or inside a `Clock`. Standard library only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

ENV_TIME_SCALE = "PLEXSYNC_TIME_SCALE"


def time_scale() -> float:
    try:
        value = float(os.environ.get(ENV_TIME_SCALE, "1") or 1)
    except ValueError:
        return 1.0
    return value if value > 0 else 1.0


@dataclass(frozen=True)
class Clock:
    """The time a drain lives in: what time it is, how to wait, and the time scale.

    Passed in rather than read from the environment deep inside, so a test drives a
    drain with a fake clock and never waits, and the scale is applied once, where a
    delay is computed (`clock.seconds(60)`).
    """

    now: Callable[[], float] = time.time
    sleep: Callable[[float], object] = time.sleep
    scale: float = 1.0

    def seconds(self, seconds: float) -> float:
        return seconds * self.scale
