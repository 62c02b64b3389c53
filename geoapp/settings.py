"""Every setting of geoapp in one place: defaults, overridden by ``GEOAPP_*`` environment variables,
overridden by explicit arguments (the CLI's flags, the app's widgets).

Nothing here imports another stage, so every stage can import it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
#: The repository root when running from a checkout (seeds/ and cache/ live there).
PROJECT_DIR = PACKAGE_DIR.parent
PUBLIC_NOMINATIM_URL = "https://nominatim.openstreetmap.org"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Run settings. Build with :func:`load_settings` to honour the environment."""

    #: ``offline`` (gazetteer and cache only) or ``online`` (also ask Nominatim).
    geocoder: str = "offline"
    nominatim_url: str = PUBLIC_NOMINATIM_URL
    #: Must name the application and a contact for the public Nominatim service.
    user_agent: str = ""
    cache_dir: Path = field(default_factory=lambda: PROJECT_DIR / "cache")
    #: Seconds between two requests to Nominatim, across the whole process.
    min_delay_seconds: float = 1.0
    timeout_seconds: float = 10.0
    max_retries: int = 3
    #: First pause before retrying a failed Nominatim request; doubles on each further retry.
    retry_backoff_seconds: float = 1.0
    #: How long a "nothing found" answer stays in the cache.
    negative_ttl_days: float = 30.0
    #: Extra actor registry merged over the shipped one.
    actors_file: Path | None = None

    def with_(self, **changes) -> Settings:
        """A copy with some settings changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def load_settings(**overrides) -> Settings:
    """Defaults, then ``GEOAPP_*`` environment variables, then ``overrides``."""
    base = Settings()
    env = Settings(
        geocoder=_env("GEOAPP_GEOCODER", base.geocoder),
        nominatim_url=_env("GEOAPP_NOMINATIM_URL", base.nominatim_url).rstrip("/"),
        user_agent=_env("GEOAPP_USER_AGENT", base.user_agent),
        cache_dir=Path(_env("GEOAPP_CACHE_DIR", str(base.cache_dir))),
        min_delay_seconds=float(_env("GEOAPP_MIN_DELAY", str(base.min_delay_seconds))),
        timeout_seconds=float(_env("GEOAPP_TIMEOUT", str(base.timeout_seconds))),
        max_retries=int(_env("GEOAPP_MAX_RETRIES", str(base.max_retries))),
        retry_backoff_seconds=float(_env("GEOAPP_RETRY_BACKOFF", str(base.retry_backoff_seconds))),
        negative_ttl_days=float(_env("GEOAPP_NEGATIVE_TTL_DAYS", str(base.negative_ttl_days))),
    )
    if env.geocoder not in ("offline", "online"):
        raise ValueError(f"GEOAPP_GEOCODER must be 'offline' or 'online', not {env.geocoder!r}")
    return env.with_(**overrides)
