"""A fake Nominatim on 127.0.0.1 for tests and benchmarks: no test may touch the public service.

It answers ``/search`` in Nominatim's ``json``/``jsonv2`` shape from a small table of canned places,
records every request (path, query parameters, User-Agent, arrival time, the fault served), and can
be scripted to misbehave for the next N requests (429 with Retry-After, 500, a delay longer than the
client's timeout, broken JSON, or any raw body: a dict, strings, a latitude of "abc"), which is how
the geocoder's fault handling is exercised without a network. ``latency`` makes every answer slow,
so that several client processes have questions in flight at once.

Use the ``nominatim_server`` fixture (load it with ``pytest_plugins = ["nominatim_server"]``) or, outside
pytest, ``with FakeNominatim() as server: ...``.
"""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import LoopbackServer


def _fold(name: str) -> str:
    s = unicodedata.normalize("NFKD", name)
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).casefold().split())


def _place(
    place_id: int,
    name: str,
    lat: float,
    lon: float,
    cc: str,
    osm_class: str,
    osm_type: str,
    addresstype: str,
    importance: float,
    *,
    de: str | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    names = {"name": name, "name:en": name}
    if de:
        names["name:de"] = de
    address = {"country_code": cc}
    if state:
        address["state"] = state
    return {
        "place_id": place_id,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node",
        "osm_id": 1000 + place_id,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "class": osm_class,
        "type": osm_type,
        "place_rank": 16,
        "importance": importance,
        "addresstype": addresstype,
        "name": name,
        "display_name": f"{name}, {state + ', ' if state else ''}{cc.upper()}",
        "boundingbox": [f"{lat - 0.01:.7f}", f"{lat + 0.01:.7f}", f"{lon - 0.01:.7f}", f"{lon + 0.01:.7f}"],
        "_address": address,
        "_names": names,
    }


#: Canned answers keyed by folded query.
PLACES: dict[str, list[dict[str, Any]]] = {
    "kalma": [
        _place(1, "Kalma", 39.1736, 127.5137, "kp", "place", "village", "village", 0.31, state="Kangwon"),
        _place(2, "Kalma", 11.2, 24.9, "sd", "place", "hamlet", "hamlet", 0.12),
    ],
    "wonsan kalma": [
        _place(3, "Wŏnsan-Kalma", 39.18, 127.49, "kp", "tourism", "resort", "tourism", 0.4, state="Kangwon"),
    ],
    "lehrter bahnhof": [
        _place(
            4,
            "Berlin Hauptbahnhof",
            52.525,
            13.369,
            "de",
            "railway",
            "station",
            "railway",
            0.5,
            de="Berlin Hauptbahnhof",
            state="Berlin",
        ),
    ],
    "kangwon": [
        _place(5, "Kangwon Province", 38.84, 127.55, "kp", "boundary", "administrative", "province", 0.55),
    ],
}


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    path: str
    params: dict[str, str]
    user_agent: str | None
    #: Arrival on this process's monotonic clock (comparable across client processes: all arrive here).
    time: float
    #: The scripted fault served to this request, if any (``429``, ``500``, ``raw`` …).
    fault: str | None = None


class FakeNominatim(LoopbackServer):
    """The server, its canned places, its request log and its fault script."""

    thread_name = "fake-nominatim"

    def __init__(
        self, places: dict[str, list[dict[str, Any]]] | None = None, *, latency: float = 0.0
    ) -> None:
        super().__init__()
        self.places = PLACES if places is None else places
        self.latency = latency
        self.requests: list[Recorded] = []
        self._faults: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    # -- control ------------------------------------------------------------------------------------

    def fail_next(self, kind: str, count: int = 1, *, value: float = 1.0) -> None:
        """Script the next ``count`` responses: ``429`` (Retry-After ``value`` s), ``500``,
        ``delay`` (sleep ``value`` s, then answer normally), ``broken`` (invalid JSON)."""
        if kind not in ("429", "500", "delay", "broken"):
            raise ValueError(kind)
        with self._lock:
            self._faults.extend([(kind, value)] * count)

    def serve_next(self, body: bytes, count: int = 1) -> None:
        """Answer the next ``count`` searches with ``body`` as it is (HTTP 200, JSON content type)."""
        with self._lock:
            self._faults.extend([("raw", body)] * count)

    @property
    def url(self) -> str:
        host, port = self.address()
        return f"http://{host}:{port}"

    @property
    def search_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == "/search"]

    @property
    def queries(self) -> list[str]:
        """The ``q`` of every search, in arrival order."""
        return [r.params.get("q", "") for r in self.search_requests]

    def gaps(self) -> list[float]:
        """Seconds between consecutive search arrivals."""
        times = sorted(r.time for r in self.search_requests)
        return [b - a for a, b in zip(times, times[1:])]

    # -- serving ------------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        arrived = time.monotonic()
        with self._lock:
            fault = self._faults.pop(0) if self._faults and parts.path == "/search" else None
            kind = fault[0] if fault else None
            self.requests.append(Recorded(parts.path, params, h.headers.get("User-Agent"), arrived, kind))
        if parts.path != "/search":
            return self._send(h, 404, b'{"error": "not found"}')
        if self.latency:
            time.sleep(self.latency)
        if fault is not None:
            kind, value = fault
            if kind == "raw":
                return self._send(h, 200, value)
            if kind == "429":
                return self._send(h, 429, b"Too Many Requests", {"Retry-After": f"{value:g}"})
            if kind == "500":
                return self._send(h, 500, b"<html>Internal Server Error</html>", ctype="text/html")
            if kind == "broken":
                return self._send(h, 200, b'[{"place_id": 1, "lat": "39.1', ctype="application/json")
            if kind == "delay":
                time.sleep(value)
        body = json.dumps(self._search(params), ensure_ascii=False).encode("utf-8")
        try:
            self._send(h, 200, body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass

    def _search(self, params: dict[str, str]) -> list[dict[str, Any]]:
        found = list(self.places.get(_fold(params.get("q", "")), []))
        codes = {c.strip().lower() for c in params.get("countrycodes", "").split(",") if c.strip()}
        if codes:
            found = [p for p in found if p["_address"]["country_code"] in codes]
        found = found[: int(params.get("limit", "10"))]
        out = []
        for p in found:
            item = {k: v for k, v in p.items() if not k.startswith("_")}
            if params.get("addressdetails") == "1":
                item["address"] = p["_address"]
            if params.get("namedetails") == "1":
                item["namedetails"] = p["_names"]
            lang = params.get("accept-language", "")
            if lang and p["_names"].get(f"name:{lang}"):
                item["name"] = p["_names"][f"name:{lang}"]
            if params.get("format") == "jsonv2":
                item["category"] = item.pop("class")
            out.append(item)
        return out

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        ctype: str = "application/json; charset=utf-8",
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)


@pytest.fixture
def nominatim_server() -> Iterator[FakeNominatim]:
    """A fresh fake Nominatim per test, on its own loopback port."""
    with FakeNominatim() as server:
        yield server
