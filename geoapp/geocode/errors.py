"""The one error type a front end must catch before an online run: the geocoder cannot be set up.

Why a shared base: the CLI, the pipeline and the app build the geocoder chain in different places;
each should turn every "cannot start" condition (a User-Agent the public service forbids, a cache
folder that is a file, a cache written by a newer geoapp) into one line for the user, without
listing each cause. The message of every subclass is that line. It is a ``ValueError`` (a value
the user configured cannot be used) so a front end that already turns ``ValueError`` from the
settings into one line covers it too.
"""

from __future__ import annotations


class GeocodeSetupError(ValueError):
    """Online geocoding or its cache cannot be used in this run; ``str(exc)`` is one line for the user."""
