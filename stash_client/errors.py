"""The Stash failures, each saying as class attributes what the drain does next.

See plugin_core/failure.py for the attributes. A Stash that cannot be read is
expected to come back (it restarts with its host), so reads are retried a bounded
number of times with the jobs kept queued; credentials it refuses stop the drain,
because every request would be refused alike.
"""

from __future__ import annotations

from plugin_core.failure import TRANSIENT, Failure


class StashError(Failure):
    """Stash could not be read; the jobs stay queued."""

    kind = "stash"
    retry = TRANSIENT
    advice = "check that Stash is running and reachable, then run 'Retry dead letters'"


class StashAuthError(StashError):
    """Stash refused the plugin's credentials (401): the worker stops, jobs stay queued."""

    kind = "stash_auth"
    stops_drain = True
