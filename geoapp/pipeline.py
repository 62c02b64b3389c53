"""The one library API under the CLI and the app: article in, :class:`~geoapp.model.Result` out.

    >>> from geoapp.pipeline import Geoparser
    >>> gp = Geoparser()                      # loads the gazetteer once
    >>> result = gp.parse(article)            # places (and actors, links) with offsets

Stages run in order, each adding one thing: place spans (:mod:`geoapp.places`), their referents
(:mod:`geoapp.resolve`), actors, the metonymy flag (:mod:`geoapp.metonymy`), links, and the places
named by adjectives (:mod:`geoapp.adjectives`). The gazetteer load happens once, in the
constructor, never per article.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from .actors import find_actors
from .adjectives import adjective_places
from .articles import ArticleError, clean_article, read_articles
from .corrections import CorrectionStore, apply_corrections, default_store
from .demonyms import find_demonyms
from .document import Doc
from .links import find_links
from .metonymy import flag_metonymy
from .model import Article, Place, PlaceMention, Result
from .places import PlaceExtractor
from .registry import ActorRegistry
from .resolve import resolve, review_flags
from .settings import Settings, load_settings
from .spans import FieldSpans
from .text import name_key
from .wordfreqs import use_cache_dir


class Geoparser:
    """Reusable parser: build once, call :meth:`parse` per article.

    ``corrections``: where the user's fixes are read from (see :mod:`geoapp.corrections`). The
    default, ``"auto"``, reads the cache dir's database read-only when it exists, so a fix made in
    the app also changes what the CLI writes; ``None`` ignores fixes (raw pipeline output).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        gazetteer=None,
        registry=None,
        corrections: CorrectionStore | Literal["auto"] | None = "auto",
    ) -> None:
        self.settings = settings or load_settings()
        self.corrections: CorrectionStore | None = (
            default_store(self.settings) if corrections == "auto" else corrections
        )
        if gazetteer is None:
            from .gazetteer import Gazetteer

            gazetteer = Gazetteer.default(cache_dir=self.settings.cache_dir)
        use_cache_dir(self.settings.cache_dir)  # the sharded word-frequency lists (geoapp.wordfreqs)
        self.gazetteer = gazetteer
        self.places = PlaceExtractor(gazetteer)
        self.registry = registry or ActorRegistry.load(self.settings.actors_file)
        self._capitals: dict[str, Place | None] = {}
        self._countries: dict[str, Place | None] = {}
        self._regions: dict[str, Place | None] = {}
        self.chain = None
        if self.settings.geocoder == "online":
            from .geocode import GeocoderChain

            self.chain = GeocoderChain(gazetteer, self.settings)

    def capital_of(self, country_code: str) -> Place | None:
        """An actor's default home: the capital of its country (memoised)."""
        if country_code not in self._capitals:
            cand = self.gazetteer.capital(country_code)
            self._capitals[country_code] = cand.to_place(why=f"capital of {country_code}") if cand else None
        return self._capitals[country_code]

    def country_place(self, country_code: str) -> Place | None:
        """A country's own place (its gazetteer point), for a country named by an adjective."""
        if country_code not in self._countries:
            cand = self.gazetteer.country(country_code)
            self._countries[country_code] = cand.to_place(why="named by an adjective") if cand else None
        return self._countries[country_code]

    def region_place(self, name: str) -> Place | None:
        """A continent or world region by its gazetteer name ("Europe"), for its adjective; None when
        the gazetteer has no continent, region or feature of that name."""
        if name not in self._regions:
            kinds = ("continent", "region", "feature")
            cands = [c for c in self.gazetteer.lookup(name) if c.feature in kinds]
            self._regions[name] = cands[0].to_place(why="named by an adjective") if cands else None
        return self._regions[name]

    def capital_country(self, place: Place) -> str | None:
        """The country ``place`` is the capital of, if it is one (a capital that acts stands for it)."""
        cc = place.country_code
        if not cc or place.geonameid is None:
            return None
        capital = self.capital_of(cc)
        return cc if capital is not None and capital.geonameid == place.geonameid else None

    def parse(self, article: Article) -> Result:
        """Places, actors and links of one article, with exact offsets into its text (and title).

        One :class:`~geoapp.document.Doc` is built and handed to every stage. Demonyms are found
        first (they are never places); places next, with the sequence tagger's persons and
        organisations recorded on the document; then actors (the tagger's and the registry's
        names, countries where they act); places that are really people's or organisations'
        names ("Kim", "Reding") are dropped; places standing for their government are flagged
        ("Moscow said"); links are drawn between what is left; adjectives ("Russian") are recorded
        apart as references to their country or region.
        """
        # lone surrogates from JSON escapes break the tagger and every writer; the readers clean
        # them, and so does this for articles built through the library API (offsets unchanged)
        article, _fixed = clean_article(article)
        doc = Doc.from_article(article)
        demonyms = find_demonyms(doc)
        spans = self.places.extract(doc)
        # A place inside an adjective is the adjective's ("Russian" is no place), and so is one
        # matched on the adjective alone with a cue word beside it ("Russian state"); a longer place
        # name holding one stays a place ("Russian Federation", "Indian Ocean").
        demonym_index = FieldSpans((d.field, d.start, d.end) for d in demonyms)
        spans = [s for s in spans if not _demonym_place(s, demonym_index, article)]
        context = {"text": article.text, "title": article.title, "lang": doc.lang, "demonyms": demonyms,
                   "gazetteer": self.gazetteer, "doc": doc}
        places = resolve(spans, **context)
        actors = find_actors(
            doc, places, demonyms, self.registry, capital_of=self.capital_of,
            capital_country=self.capital_country,
        )
        # People's names are not places ("Kim", "Reding", the aide Ihor Zhovkva). A place inside an
        # organisation's name stays a place ("Washington" in "Washington Post", "Toronto police"):
        # annotators count it, and the link stage never draws a line to it.
        # An organisation the registry knows, named exactly where a landmark would be, is the
        # organisation ("White House press secretary", "the Kremlin said"); a country-like place
        # keeps its place ("EU").
        names = FieldSpans(
            (am.mention.field, am.mention.start, am.mention.end)
            for am in actors
            if am.actor.kind == "person" and am.form == "name"
        )
        bodies = {
            (am.mention.field, am.mention.start, am.mention.end)
            for am in actors
            if am.actor.kind == "organisation" and am.actor.name in self.registry
        }
        landmark = {
            (pm.mention.field, pm.mention.start, pm.mention.end)
            for pm in places
            if pm.place is not None and pm.place.feature not in ("continent", "country", "region")
        }
        kept = [
            s for s in spans
            if not names.overlaps(s.mention.field, s.mention.start, s.mention.end)
            and not ((key := (s.mention.field, s.mention.start, s.mention.end)) in bodies and key in landmark)
        ]
        if len(kept) < len(spans):
            places = resolve(kept, **context)
        if self.chain is not None:
            places = self._geocode_unresolved(article, places)
        if self.corrections is not None:
            places = apply_corrections(article, places, self.corrections.list_corrections(article.id))
        places = review_flags(places)  # a fix or an online answer settles a doubtful mention
        places = flag_metonymy(doc, places)
        links = find_links(doc, places, actors, cooccurrence=self.settings.cooccurrence)
        adjectives = adjective_places(
            doc, places, demonyms, actors, country_place=self.country_place, region_place=self.region_place
        )
        return Result(article=article, places=places, actors=actors, links=links, adjectives=adjectives)

    def _geocode_unresolved(self, article: Article, places: list[PlaceMention]) -> list[PlaceMention]:
        """Ask the online chain (cache, then Nominatim) for mentions the gazetteer could not place."""
        from .geocode.chain import choose_online

        countries = sorted({pm.place.country_code for pm in places if pm.place and pm.place.country_code})
        out = []
        for pm in places:
            if pm.place is None:
                answer = self.chain.lookup(
                    pm.mention.text, lang=article.lang, country_codes=countries or None
                )
                place = choose_online(answer.candidates, countries)
                if place is not None:
                    pm = PlaceMention(pm.mention, place, pm.flags)
            out.append(pm)
        return out

    def parse_many(self, articles: Iterable[Article]) -> Iterator[Result]:
        for article in articles:
            yield self.parse(article)


def _demonym_place(span, demonyms: FieldSpans, article: Article) -> bool:
    """Whether a place candidate is really a demonym: inside one, or matched on one's words."""
    m = span.mention
    for s, e in demonyms.overlapping(m.field, m.start, m.end):
        if s <= m.start and m.end <= e:
            return True
        text = article.title if m.field == "title" else article.text
        if name_key(text[s:e]) == span.key:
            return True
    return False


def parse_paths(
    paths: Iterable[str | Path], parser: Geoparser | None = None
) -> tuple[list[Result], list[ArticleError]]:
    """Read and parse every article under ``paths``; bad inputs are listed, not fatal."""
    parser = parser or Geoparser()
    errors: list[ArticleError] = []
    results = list(parser.parse_many(read_articles(paths, errors)))
    return results, errors
