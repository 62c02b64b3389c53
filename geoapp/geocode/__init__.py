"""Geocoding: the offline gazetteer, a shared SQLite cache, and Nominatim when online.

The public names are re-exported here so the pipeline, the CLI and the app import one place;
see ``docs/online.md`` for the policy and settings behind the online path.
"""

from geoapp.geocode.cache import CacheEntry, CacheError, Correction, GeocodeCache, make_key, normalise_query
from geoapp.geocode.chain import OSM_ATTRIBUTION, GeocoderChain
from geoapp.geocode.errors import GeocodeSetupError
from geoapp.geocode.nominatim import LookupResult, NominatimGeocoder, UserAgentError

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
