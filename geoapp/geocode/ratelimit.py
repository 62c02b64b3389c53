"""Spacing requests to one Nominatim host: within this process, and across every process that
shares the cache folder.

Why two layers: a lock and a monotonic clock space the threads of one process exactly, whatever
cache (or none) each geocoder object uses; but two ``geoapp`` processes each keeping 1 request per
second send 2 together, which the public service's policy forbids. So when the cache file can be
written, every request also claims a slot in it (:meth:`GeocodeCache.claim_request`): one write
transaction decides which process sends next, deferrals after a 429 or a fault hold for all, and a
question another process is already asking is waited for instead of being asked again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from geoapp.geocode.cache import CacheEntry, GeocodeCache

log = logging.getLogger("geoapp.geocode")

#: Seconds a claim on a question outlives the request timeout before others may ask it themselves
#: (a process killed mid-request must not block the question for long).
LEASE_MARGIN_SECONDS = 5.0


class LocalLimiter:
    """Spaces request starts at least ``delay`` apart within this process, all threads included.

    The sleep happens while holding the lock on purpose: waiting threads then queue and leave one
    by one, each ``delay`` after the previous, and the clock is monotonic so wall-clock jumps
    cannot shorten a pause.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, delay: float) -> None:
        with self._lock:
            pause = self._next - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            self._next = time.monotonic() + delay

    def defer(self, seconds: float) -> None:
        """Push the next allowed request out (a 429's Retry-After holds for every thread)."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


_LIMITERS: dict[str, LocalLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def local_limiter(host: str) -> LocalLimiter:
    """The process-wide limiter for one service host (so a self-hosted service and the public one
    do not slow each other down, but two geocoder objects for the same host share one budget)."""
    with _LIMITERS_LOCK:
        return _LIMITERS.setdefault(host.lower(), LocalLimiter())


def new_owner() -> str:
    """A name for one question being asked, unique across processes and threads."""
    return f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:12]}"


class RequestGate:
    """Everything that must happen before one request is sent, and after it.

    ``enter`` waits for this process's turn, then for a slot shared through ``cache``; it returns a
    cached answer instead when one appeared meanwhile (from another process or thread), so the same
    question is never sent twice. ``defer`` pushes the next slot out for all; ``leave`` ends a claim.
    """

    def __init__(
        self, host: str, cache: GeocodeCache | None, *, delay: float, timeout: float, max_wait: float
    ) -> None:
        self.host = host.lower()
        self.cache = cache
        self.delay = delay
        self.lease = timeout + LEASE_MARGIN_SECONDS
        self.max_wait = max_wait
        self.local = local_limiter(self.host)

    def enter(self, key: str, owner: str) -> CacheEntry | None:
        """Block until ``owner`` may send its request for ``key``; or return the answer found."""
        self.local.wait(self.delay)
        if self.cache is None:
            return None
        while True:
            claim = self.cache.claim_request(
                self.host, key, owner, delay=self.delay, lease=self.lease, max_wait=self.max_wait
            )
            if claim is None or claim.send:  # no shared slots here, or this one is ours
                return None
            if claim.entry is not None:
                return claim.entry
            # Sleep outside any transaction, then claim again: the slot may have been pushed out
            # (a 429 seen by another process) or the question answered meanwhile.
            time.sleep(min(claim.wait, self.max_wait))

    def defer(self, seconds: float, key: str, owner: str) -> None:
        """Hold back every request to this host for ``seconds`` (this process and all others)."""
        self.local.defer(seconds)
        if self.cache is not None:
            self.cache.defer_requests(self.host, seconds, key, owner, self.lease)

    def leave(self, key: str, owner: str) -> None:
        if self.cache is not None:
            self.cache.release_request(key, owner)
