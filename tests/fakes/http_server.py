"""The HTTP server both fakes run on: threaded, and quiet when a client dies mid-request."""

from __future__ import annotations

import http.server
import sys
from typing import Any


class FakeHTTPServer(http.server.ThreadingHTTPServer):
    """A client killed with SIGKILL (the soak and crash tests do that) resets its
    connection; a real server shrugs that off, so the fakes do not print a traceback."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
