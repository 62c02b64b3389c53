"""geoapp: places and actors from news articles, offline, onto maps."""

__version__ = "0.1.0"
