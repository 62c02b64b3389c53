"""A fake news site on 127.0.0.1 for tests and benchmarks: no test may fetch from the internet.

It serves pages and feeds from a table of routes, records every request (path, headers, arrival
time), answers conditional requests (``If-None-Match``) with 304, and can be scripted to misbehave
for the next N requests to a path (any status with any headers, a delay longer than the client's
timeout). Special routes: a body of many megabytes sent without a length, a declared length too
large to read, redirects.

Use the ``web_server`` fixture (load it with ``pytest_plugins = ["web_server"]``) or, outside pytest,
``with FakeSite() as site: ...``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from loopback import LoopbackServer


@dataclass(frozen=True)
class Route:
    """What one path answers. ``stream_bytes``: send that many bytes with no Content-Length;
    ``declared_length``: claim this Content-Length (and send the body as it is)."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    stream_bytes: int = 0
    declared_length: int | None = None


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it; ``time`` on this process's monotonic clock."""

    path: str
    headers: dict[str, str]
    time: float


class FakeSite(LoopbackServer):
    """The server, its routes, its request log and its fault script."""

    thread_name = "fake-site"

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        self._faults: dict[str, list[Route]] = {}
        self._lock = threading.Lock()

    # -- control ------------------------------------------------------------------------------------

    def add(self, path: str, body: bytes | str = b"", **route: Any) -> str:
        """Serve ``body`` at ``path``; returns the full address."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **route)
        return self.url(path)

    def fail_next(self, path: str, count: int = 1, **route: Any) -> None:
        """The next ``count`` requests to ``path`` get this route instead (e.g. ``status=503``)."""
        with self._lock:
            self._faults.setdefault(path, []).extend([Route(**route)] * count)

    def url(self, path: str = "/") -> str:
        host, port = self.address()
        return f"http://{host}:{port}{path}"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]

    def times(self, exclude: tuple[str, ...] = ("/robots.txt",)) -> list[float]:
        with self._lock:
            return [r.time for r in self.requests if r.path not in exclude]

    # -- serving ------------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        with self._lock:
            self.requests.append(Recorded(path, dict(h.headers.items()), time.monotonic()))
            scripted = self._faults.get(path)
            route = scripted.pop(0) if scripted else self.routes.get(path)
        if route is None:
            route = Route(b"<html><body><h1>Not found</h1></body></html>", status=404)
        try:
            if route.delay:
                time.sleep(route.delay)
            if route.etag and h.headers.get("If-None-Match") == route.etag:
                h.send_response(304)
                h.send_header("ETag", route.etag)
                h.end_headers()
                return
            h.send_response(route.status)
            h.send_header("Content-Type", route.content_type)
            if route.etag:
                h.send_header("ETag", route.etag)
            for name, value in route.headers.items():
                h.send_header(name, value)
            if route.stream_bytes:
                h.end_headers()  # no length: the body runs until the connection closes
                chunk = b"<p>" + b"x" * 65_530 + b"</p>"
                for _ in range(route.stream_bytes // len(chunk) + 1):
                    h.wfile.write(chunk)
                return
            h.send_header("Content-Length", str(route.declared_length or len(route.body)))
            h.end_headers()
            h.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a limit, a timeout)
            pass


@pytest.fixture
def web_server() -> Iterator[FakeSite]:
    """A fresh fake site per test, on its own loopback port."""
    with FakeSite() as site:
        yield site
