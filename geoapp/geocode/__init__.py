"""Geocoding: the offline gazetteer, a shared SQLite cache, and Nominatim when online.

The public names are re-exported here so the pipeline, the CLI and the app import one place;
see ``docs/online.md`` for the policy and settings behind the online path.

The names are imported on first use (PEP 562): importing any part of this package runs this file,
and the Nominatim client brings geopy and requests, which an offline run never needs.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Each public name and the submodule that defines it.
_HOMES = {
    "CacheEntry": "cache",
    "CacheError": "cache",
    "Correction": "cache",
    "GeocodeCache": "cache",
    "make_key": "cache",
    "normalise_query": "cache",
    "OSM_ATTRIBUTION": "chain",
    "GeocoderChain": "chain",
    "GeocodeSetupError": "errors",
    "LookupResult": "nominatim",
    "NominatimGeocoder": "nominatim",
    "UserAgentError": "nominatim",
}

__all__ = [
    "OSM_ATTRIBUTION",
    "CacheEntry",
    "CacheError",
    "Correction",
    "GeocodeSetupError",
    "GeocodeCache",
    "GeocoderChain",
    "LookupResult",
    "NominatimGeocoder",
    "UserAgentError",
    "make_key",
    "normalise_query",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
