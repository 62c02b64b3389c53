"""Every setting of geoapp in one place: defaults, overridden by ``GEOAPP_*`` environment variables,
overridden by explicit arguments (the CLI's flags, the app's widgets).

Values are checked here, once, so that a typo (``GEOAPP_MIN_DELAY=1s``, ``GEOAPP_TIMEOUT=nan``)
stops the run with one line naming the variable and what it accepts, instead of a traceback from
deep inside the geocoder, or, worse, a delay of NaN that waits not at all.

Nothing here imports another stage, so every stage can import it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
#: The repository root when running from a checkout (seeds/ and cache/ live there).
PROJECT_DIR = PACKAGE_DIR.parent
PUBLIC_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
GEOCODERS = ("offline", "online")
#: Upper bounds that catch typos (a delay given in milliseconds, a retry count of 1000).
MAX_SECONDS = 86_400.0
MAX_RETRIES = 20

#: The variable behind each checked field, named in error messages.
ENV_NAMES = {
    "geocoder": "GEOAPP_GEOCODER",
    "nominatim_url": "GEOAPP_NOMINATIM_URL",
    "user_agent": "GEOAPP_USER_AGENT",
    "cache_dir": "GEOAPP_CACHE_DIR",
    "min_delay_seconds": "GEOAPP_MIN_DELAY",
    "timeout_seconds": "GEOAPP_TIMEOUT",
    "max_retries": "GEOAPP_MAX_RETRIES",
    "retry_backoff_seconds": "GEOAPP_RETRY_BACKOFF",
    "negative_ttl_days": "GEOAPP_NEGATIVE_TTL_DAYS",
    "fetch_delay_seconds": "GEOAPP_FETCH_DELAY",
    "feed_ttl_minutes": "GEOAPP_FEED_TTL_MINUTES",
}


class SettingsError(ValueError):
    """A setting has a value geoapp cannot use; the message is one line naming the variable and
    what it accepts, for the CLI and the app to show as it is."""


@dataclass(frozen=True)
class Settings:
    """Run settings. Build with :func:`load_settings` to honour the environment."""

    #: ``offline`` (gazetteer and cache only) or ``online`` (also ask Nominatim).
    geocoder: str = "offline"
    nominatim_url: str = PUBLIC_NOMINATIM_URL
    #: Must name the application and a contact for the public Nominatim service.
    user_agent: str = ""
    cache_dir: Path = field(default_factory=lambda: PROJECT_DIR / "cache")
    #: Seconds between two requests to one Nominatim host, across every process sharing the cache.
    min_delay_seconds: float = 1.0
    timeout_seconds: float = 10.0
    max_retries: int = 3
    #: First pause before retrying a failed Nominatim request; doubles on each further retry.
    retry_backoff_seconds: float = 1.0
    #: How long a "nothing found" answer stays in the cache.
    negative_ttl_days: float = 30.0
    #: Seconds between two requests to one web site when fetching pages and feeds (``geoapp extract
    #: URL``), across every process sharing the cache folder; a robots.txt Crawl-delay may add to it.
    fetch_delay_seconds: float = 1.0
    #: How long a fetched feed is served from the cache before it is asked again (pages are kept
    #: until the cache file is removed: an article's text does not change, a feed's items do).
    feed_ttl_minutes: float = 60.0
    #: Extra actor registry merged over the shipped one.
    actors_file: Path | None = None
    #: Also keep every other actor–place pair of a sentence as a "mentioned with" link (plain
    #: co-occurrence). Off by default: such lines say nothing an analyst can act on.
    cooccurrence: bool = False

    def with_(self, **changes) -> Settings:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _number(name: str, raw: Any, *, positive: bool = False, unit: str = "seconds") -> float:
    """A finite number >= 0 (> 0 when ``positive``) and at most :data:`MAX_SECONDS` seconds."""
    try:
        value = float(raw) if not isinstance(raw, bool) else math.nan
    except (TypeError, ValueError):
        value = math.nan
    limit = MAX_SECONDS if unit == "seconds" else math.inf
    if not math.isfinite(value) or value < 0 or (positive and value == 0) or value > limit:
        accepted = f"a number of {unit} {'> 0' if positive else '>= 0'}"
        if math.isfinite(limit):
            accepted += f" and at most {limit:g}"
        raise SettingsError(f"{name} must be {accepted}, not {raw!r}")
    return value


def _count(name: str, raw: Any) -> int:
    """A whole number from 0 to :data:`MAX_RETRIES`."""
    value = -1
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    if not 0 <= value <= MAX_RETRIES:
        raise SettingsError(f"{name} must be a whole number from 0 to {MAX_RETRIES}, not {raw!r}")
    return value


def _url(name: str, raw: Any) -> str:
    """An http(s) URL with a host (a bare host name means https)."""
    text = str(raw).strip()
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    if parts.scheme not in ("http", "https") or not host:
        raise SettingsError(f"{name} must be an http(s) URL such as {PUBLIC_NOMINATIM_URL}, not {raw!r}")
    return text.rstrip("/")


def _geocoder(name: str, raw: Any) -> str:
    value = str(raw).strip().lower()
    if value not in GEOCODERS:
        raise SettingsError(f"{name} must be 'offline' or 'online', not {raw!r}")
    return value


def _agent(name: str, raw: Any) -> str:
    """One line of printable text: it becomes an HTTP header, where a line break is an injection."""
    text = str(raw)
    if len(text) > 500 or not all(ch.isprintable() for ch in text):
        raise SettingsError(f"{name} must be one line of printable text (at most 500 characters)")
    return text


def check_settings(settings: Settings, names: dict[str, str] | None = None) -> Settings:
    """``settings`` with every checked value normalised, or :class:`SettingsError`.

    ``names`` says what to call a field in the message (default: its ``GEOAPP_*`` variable).
    """
    names = {**ENV_NAMES, **(names or {})}
    if not str(settings.cache_dir).strip():
        raise SettingsError(f"{names['cache_dir']} must name a folder")
    _agent(names["user_agent"], settings.user_agent)
    return replace(
        settings,
        geocoder=_geocoder(names["geocoder"], settings.geocoder),
        nominatim_url=_url(names["nominatim_url"], settings.nominatim_url),
        min_delay_seconds=_number(names["min_delay_seconds"], settings.min_delay_seconds),
        timeout_seconds=_number(names["timeout_seconds"], settings.timeout_seconds, positive=True),
        max_retries=_count(names["max_retries"], settings.max_retries),
        retry_backoff_seconds=_number(names["retry_backoff_seconds"], settings.retry_backoff_seconds),
        negative_ttl_days=_number(names["negative_ttl_days"], settings.negative_ttl_days, unit="days"),
        fetch_delay_seconds=_number(names["fetch_delay_seconds"], settings.fetch_delay_seconds),
        feed_ttl_minutes=_number(names["feed_ttl_minutes"], settings.feed_ttl_minutes, unit="minutes"),
    )


def load_settings(**overrides) -> Settings:
    """Defaults, then ``GEOAPP_*`` environment variables, then ``overrides``.

    Raises :class:`SettingsError` (one line naming the variable and the accepted values) for a
    value no run can use: an unknown geocoder, a delay that is negative, NaN or not a number, …
    Values given as ``overrides`` are named by their field in that message.
    """
    from_env: dict[str, Any] = {}
    for field_name, var in ENV_NAMES.items():
        raw = os.environ.get(var)
        if raw not in (None, ""):
            from_env[field_name] = Path(raw) if field_name == "cache_dir" else raw
    env = check_settings(Settings().with_(**from_env))
    given = {k: v for k, v in overrides.items() if v is not None}
    return check_settings(env.with_(**given), {k: k for k in given})
