"""The plumbing every fake server of the tests shares: an HTTP server on 127.0.0.1 (a free port) in
a daemon thread, started and stopped as a context manager. Subclasses answer in ``_handle``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """Serve GET requests on 127.0.0.1 with :meth:`_handle`; no test may reach the internet."""

    #: The serving thread's name, to tell the servers apart in a thread dump.
    thread_name = "fake-server"

    def __init__(self) -> None:
        self._httpd: ThreadingHTTPServer | None = None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def address(self) -> tuple[str, int]:
        assert self._httpd is not None, "the server is not running"
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown() (and so every test's teardown) quick.
        serve = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                 name=self.thread_name, daemon=True)
        serve.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
