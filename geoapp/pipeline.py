"""The one library API under the CLI and the app: article in, :class:`~geoapp.model.Result` out.

    >>> from geoapp.pipeline import Geoparser
    >>> gp = Geoparser()                      # loads the gazetteer once
    >>> result = gp.parse(article)            # places (and actors, links) with offsets

Stages run in order, each adding one thing: place spans (:mod:`geoapp.places`), their referents
(:mod:`geoapp.resolve`), then actors and links. The gazetteer load happens once, in the constructor,
never per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .articles import ArticleError, read_articles
from .model import Article, Result
from .places import PlaceExtractor
from .resolve import resolve
from .settings import Settings, load_settings


class Geoparser:
    """Reusable parser: build once, call :meth:`parse` per article."""

    def __init__(self, settings: Settings | None = None, *, gazetteer=None) -> None:
        self.settings = settings or load_settings()
        if gazetteer is None:
            from .gazetteer import Gazetteer

            gazetteer = Gazetteer.default()
        self.gazetteer = gazetteer
        self.places = PlaceExtractor(gazetteer)

    def parse(self, article: Article) -> Result:
        """Places of one article, resolved, with exact offsets into its text (and title)."""
        spans = self.places.extract(article)
        places = resolve(spans, text=article.text, title=article.title)
        return Result(article=article, places=places)

    def parse_many(self, articles: Iterable[Article]) -> Iterator[Result]:
        for article in articles:
            yield self.parse(article)


def parse_paths(
    paths: Iterable[str | Path], parser: Geoparser | None = None
) -> tuple[list[Result], list[ArticleError]]:
    """Read and parse every article under ``paths``; bad inputs are listed, not fatal."""
    parser = parser or Geoparser()
    errors: list[ArticleError] = []
    results = list(parser.parse_many(read_articles(paths, errors)))
    return results, errors
