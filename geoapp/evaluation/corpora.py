"""Loaders for the public geoparsing corpora in ``../shared/eval``, all turned into one gold shape.

Every corpus arrives in its own format (XML, CoNLL-like TSV, Avro-flavoured JSON, JSONL); the metrics
and the runner only ever see :class:`GoldDoc` and :class:`GoldSpan`, so a new corpus needs a reader
here and nothing else. Offsets are Python ``str`` indices into ``GoldDoc.text``, end exclusive, the
same convention as :class:`geoapp.model.Mention`, so predicted and gold spans compare directly.

The corpora are never copied into the repository: they are read at run time from
``$GEOAPP_EVAL_DIR`` or ``<repo>/../shared/eval``; when neither exists :class:`EvalDataMissing` says
so and callers print it and exit 0 (a fresh clone without the data must still pass its checks).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

#: Environment variable that points at the evaluation folder (overrides ``<repo>/../shared/eval``).
EVAL_DIR_ENV = "GEOAPP_EVAL_DIR"

#: GeoWebNews types that are place mentions (README of the eval folder, after Gritta et al. 2019).
GWN_PLACE_TYPES = frozenset(
    {
        "Literal",
        "Mixed",
        "Coercion",
        "Literal_Modifier",
        "Embedded_Literal",
        "Metonymic",
        "Non_Literal_Modifier",
        "Embedded_Non_Lit",
    }
)
#: GeoWebNews types kept out: helper expressions ("the city"), non-toponyms, and names without
#: coordinates (demonyms, homonyms, languages).
GWN_SKIPPED_TYPES = frozenset(
    {"Literal_Expression", "Non_Lit_Expression", "Non_Toponym", "Demonym", "Homonym", "Language"}
)

#: How far (characters) around a GeoWebNews offset to look for a misaligned ``extractedName``.
GWN_REALIGN_WINDOW = 60

_TAG_RE = re.compile(r"^(?:O|[BI]-\S+)$")

T = TypeVar("T")


class EvalDataMissing(RuntimeError):
    """The evaluation corpora are not on this machine; callers print the message and exit 0."""


@dataclass(frozen=True)
class GoldSpan:
    """One gold place mention; ``lat``/``lon`` only where the corpus gives coordinates."""

    start: int
    end: int
    text: str
    lat: float | None = None
    lon: float | None = None
    type: str = "LOC"

    @property
    def has_coords(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass
class GoldDoc:
    """One unit the parser sees as an article: its text and the gold place spans in it.

    ``source`` keeps the corpus' own provenance (URL, tweet id) for error reports; it is not shown
    to the parser.
    """

    id: str
    text: str
    lang: str
    spans: list[GoldSpan] = field(default_factory=list)
    source: str | None = None


# --------------------------------------------------------------------------- locating the data


def repo_root() -> Path:
    """The checkout this package lives in (``geoapp/evaluation/corpora.py`` -> two levels up)."""
    return Path(__file__).resolve().parents[2]


def eval_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The evaluation folder: ``explicit``, else ``$GEOAPP_EVAL_DIR``, else ``<repo>/../shared/eval``.

    Raises :class:`EvalDataMissing` with a "skipped: …" message when it does not exist, so that a
    clone without ``../shared`` skips instead of failing.
    """
    if explicit is not None:
        candidate = Path(explicit)
    elif os.environ.get(EVAL_DIR_ENV):
        candidate = Path(os.environ[EVAL_DIR_ENV])
    else:
        candidate = repo_root().parent / "shared" / "eval"
    if not candidate.is_dir():
        raise EvalDataMissing(
            f"skipped: ../shared/eval not found (looked in {candidate}; "
            f"set {EVAL_DIR_ENV} to point elsewhere)"
        )
    return candidate


def _open_text(path: Path) -> Iterator[str]:
    """Lines of a text file, transparently gunzipped; newline kept so offsets stay honest."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from fh


def _float_or_none(value: object) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- GeoWebNews


def _realign(text: str, name: str, start: int, taken: set[tuple[int, int]]) -> tuple[int, int] | None:
    """Find ``name`` nearest to ``start`` within the window, skipping spans already annotated.

    Used for the few GeoWebNews toponyms whose offsets do not cut out their ``extractedName``.
    """
    if not name:
        return None
    lo = max(0, start - GWN_REALIGN_WINDOW)
    hi = min(len(text), max(0, start) + len(name) + GWN_REALIGN_WINDOW)
    best: tuple[int, int] | None = None
    pos = text.find(name, lo, hi)
    while pos != -1:
        span = (pos, pos + len(name))
        if span not in taken and (best is None or abs(pos - start) < abs(best[0] - start)):
            best = span
        pos = text.find(name, pos + 1, hi)
    return best


def parse_gwn(xml_text: str, notes: list[str] | None = None) -> Iterator[GoldDoc]:
    """GeoWebNews articles from the XML string; place types only; misaligned spans realigned or dropped.

    A toponym whose offsets do not cut out its ``extractedName`` is moved to the nearest occurrence
    of the name within :data:`GWN_REALIGN_WINDOW` characters that is not already annotated; when
    there is none (in GWN.xml two spans carry negative offsets that point into the title, which is
    not part of the text) it is dropped. Each repair or drop is appended to ``notes``.
    """
    root = ET.fromstring(xml_text)
    for article in root.iter("article"):
        file_id = article.get("file", "")
        text = article.findtext("text") or ""
        raw: list[tuple[int, int, str, str, float | None, float | None]] = []
        for top in article.iter("toponym"):
            kind = (top.findtext("type") or "").strip()
            if kind not in GWN_PLACE_TYPES:
                continue
            raw.append(
                (
                    int(top.findtext("start") or -1),
                    int(top.findtext("end") or -1),
                    top.findtext("extractedName") or "",
                    kind,
                    _float_or_none(top.findtext("latitude")),
                    _float_or_none(top.findtext("longitude")),
                )
            )
        aligned = {(s, e) for s, e, name, *_ in raw if 0 <= s < e <= len(text) and text[s:e] == name}
        spans: list[GoldSpan] = []
        for s, e, name, kind, lat, lon in raw:
            if not (0 <= s < e <= len(text) and text[s:e] == name):
                fixed = _realign(text, name, s, aligned)
                if fixed is None:
                    if notes is not None:
                        notes.append(f"gwn {file_id}: dropped {name!r} at {s}:{e} (not in the text)")
                    continue
                if notes is not None:
                    notes.append(f"gwn {file_id}: realigned {name!r} {s}:{e} -> {fixed[0]}:{fixed[1]}")
                aligned.add(fixed)
                s, e = fixed
            spans.append(GoldSpan(s, e, text[s:e], lat, lon, kind))
        spans.sort(key=lambda sp: (sp.start, sp.end))
        yield GoldDoc(id=f"gwn-{file_id}", text=text, lang="en", spans=spans, source=article.findtext("link"))


def read_gwn(path: Path, notes: list[str] | None = None) -> Iterator[GoldDoc]:
    """GeoWebNews from ``GWN.xml`` (see :func:`parse_gwn`)."""
    yield from parse_gwn(Path(path).read_text(encoding="utf-8"), notes)


# --------------------------------------------------------------------------- token/tag files


def spans_from_bio(
    tokens: list[str], tags: list[str], keep: Callable[[str], bool]
) -> tuple[str, list[GoldSpan]]:
    """Join tokens with single spaces and turn BIO tags into character spans.

    ``keep`` decides on the tag's type (``LOC``, ``location-city`` …). An ``I-`` tag that does not
    continue a span of the same type opens a new one, as the CoNLL evaluation script does.
    """
    starts: list[int] = []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok) + 1
    text = " ".join(tokens)
    spans: list[GoldSpan] = []
    cur: list[int] | None = None  # [start_token, end_token_exclusive]
    cur_type = ""

    def close() -> None:
        if cur is not None:
            s = starts[cur[0]]
            e = starts[cur[1] - 1] + len(tokens[cur[1] - 1])
            spans.append(GoldSpan(s, e, text[s:e], type=cur_type))

    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and cur is not None and kind == cur_type:
            cur[1] = i + 1
            continue
        close()
        cur, cur_type = None, ""
        if prefix in ("B", "I") and keep(kind):
            cur, cur_type = [i, i + 1], kind
    close()
    return text, spans


def parse_germeval(
    lines: Iterable[str], *, types: Iterable[str] = ("LOC",), prefix: str = "germeval"
) -> Iterator[GoldDoc]:
    """GermEval 2014 sentences, one :class:`GoldDoc` each, with outer-tag spans of ``types``.

    Reads both the official four-column file (``index, token, outer, inner`` with ``#`` source lines)
    and the two-column ``token, outer`` conversion. Only the outer tag counts and only exact type
    names (``LOC`` keeps ``LOCderiv``/``LOCpart`` out). One document per sentence: the source lines
    of GermEval are (almost) all distinct, so there are no articles to rebuild, and joining unrelated
    sentences would hand the parser context that does not exist. Speed on this set is therefore
    reported in tokens per second as well.
    """
    wanted = frozenset(types)
    tokens: list[str] = []
    tags: list[str] = []
    source: str | None = None
    n = 0

    def flush() -> GoldDoc | None:
        nonlocal n
        if not tokens:
            return None
        n += 1
        text, spans = spans_from_bio(tokens, tags, lambda k: k in wanted)
        return GoldDoc(id=f"{prefix}-{n:05d}", text=text, lang="de", spans=spans, source=source)

    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            doc = flush()
            if doc:
                yield doc
            tokens, tags, source = [], [], None
            continue
        fields = line.split("\t")
        if line.startswith("#") and (len(fields) < 2 or not _TAG_RE.match(fields[1])):
            source = fields[1].strip() if len(fields) > 1 else line[1:].strip()
            continue
        if len(fields) >= 3 and fields[0].isdigit():
            token, tag = fields[1], fields[2]
        elif len(fields) >= 2:
            token, tag = fields[0], fields[1]
        else:
            continue
        tokens.append(token)
        tags.append(tag.strip() or "O")
    doc = flush()
    if doc:
        yield doc


def read_germeval(
    path: Path, *, types: Iterable[str] = ("LOC",), prefix: str = "germeval"
) -> Iterator[GoldDoc]:
    """GermEval 2014 from a TSV file (see :func:`parse_germeval`)."""
    yield from parse_germeval(_open_text(Path(path)), types=types, prefix=prefix)


def parse_conll(
    lines: Iterable[str], *, keep: Callable[[str], bool] | None = None, prefix: str = "mobie-train"
) -> Iterator[GoldDoc]:
    """CoNLL-2003 columns (token, POS, chunk, NER), one :class:`GoldDoc` per sentence.

    ``-DOCSTART- -ID-`` lines name the document, kept in ``source``; by default the ``location*``
    types count (MobIE's train split). Sentences are the unit because the README counts them and
    sequence taggers train on them.
    """
    keep = keep or (lambda kind: kind.startswith("location"))
    tokens: list[str] = []
    tags: list[str] = []
    doc_id: str | None = None
    n = 0

    def flush() -> GoldDoc | None:
        nonlocal n
        if not tokens:
            return None
        n += 1
        text, spans = spans_from_bio(tokens, tags, keep)
        return GoldDoc(id=f"{prefix}-{n:05d}", text=text, lang="de", spans=spans, source=doc_id)

    for raw in lines:
        line = raw.rstrip("\r\n")
        if line.startswith("-DOCSTART-"):
            doc = flush()
            if doc:
                yield doc
            tokens, tags = [], []
            parts = line.split()
            doc_id = parts[1].strip("-") if len(parts) > 1 else None
            continue
        if not line.strip():
            doc = flush()
            if doc:
                yield doc
            tokens, tags = [], []
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 2:
            continue
        tokens.append(fields[0])
        tags.append(fields[-1].strip() or "O")
    doc = flush()
    if doc:
        yield doc


def read_conll(
    path: Path, *, prefix: str = "mobie-train", keep: Callable[[str], bool] | None = None
) -> Iterator[GoldDoc]:
    """MobIE's CoNLL-2003 train file (see :func:`parse_conll`)."""
    yield from parse_conll(_open_text(Path(path)), prefix=prefix, keep=keep)


# --------------------------------------------------------------------------- SmartData and MobIE JSON


def _unwrap(value: object) -> object:
    """Strip Avro union wrappers (``{"string": x}``, ``{"array": [...]}``, ``{"map": {...}}``)."""
    while isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in ("string", "array", "map", "float", "double", "int", "long", "boolean"):
            value = inner
        else:
            break
    return value


def _doc_from_concept_json(
    obj: dict, *, location_prefix: str | tuple[str, ...], prefix: str, index: int
) -> GoldDoc:
    """One SmartData/MobIE document: ``text`` plus ``conceptMentions`` whose type starts with the
    prefix (or one of the prefixes)."""
    text = str(_unwrap(obj.get("text")) or "")
    lang = str(_unwrap(obj.get("langCode")) or "de")
    doc_id = str(_unwrap(obj.get("id")) or index)
    spans: list[GoldSpan] = []
    for m in _unwrap(obj.get("conceptMentions")) or []:
        kind = str(_unwrap(m.get("type")) or "")
        if not kind.lower().startswith(location_prefix):
            continue
        span = _unwrap(m.get("span")) or {}
        s, e = int(_unwrap(span.get("start"))), int(_unwrap(span.get("end")))
        attrs = _unwrap(m.get("attributes")) or {}
        attrs = {k: _unwrap(v) for k, v in attrs.items()} if isinstance(attrs, dict) else {}
        lat, lon = _float_or_none(attrs.get("latitude")), _float_or_none(attrs.get("longitude"))
        if lat is None or lon is None:
            lat = lon = None
        spans.append(GoldSpan(s, e, text[s:e], lat, lon, kind))
    spans.sort(key=lambda sp: (sp.start, sp.end))
    return GoldDoc(id=f"{prefix}-{index:04d}", text=text, lang=lang, spans=spans, source=doc_id)


def parse_smartdata(
    stream_text: str, *, prefix: str = "smartdata", kinds: tuple[str, ...] = ("location",)
) -> Iterator[GoldDoc]:
    """SmartData documents from a stream of pretty-printed JSON objects (``LOCATION*`` types, or
    the lower-case type prefixes in ``kinds``).

    The file is neither one JSON value nor JSONL, so objects are decoded one after another with
    ``JSONDecoder.raw_decode``.
    """
    decoder = json.JSONDecoder()
    pos, n = 0, 0
    length = len(stream_text)
    while True:
        while pos < length and stream_text[pos].isspace():
            pos += 1
        if pos >= length:
            return
        obj, pos = decoder.raw_decode(stream_text, pos)
        yield _doc_from_concept_json(obj, location_prefix=kinds, prefix=prefix, index=n)
        n += 1


def read_smartdata(
    path: Path, *, prefix: str = "smartdata", kinds: tuple[str, ...] = ("location",)
) -> Iterator[GoldDoc]:
    """SmartData from its gzip file (see :func:`parse_smartdata`)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        stream_text = fh.read()
    yield from parse_smartdata(stream_text, prefix=prefix, kinds=kinds)


def parse_mobie(lines: Iterable[str], *, prefix: str = "mobie") -> Iterator[GoldDoc]:
    """MobIE documents from JSON lines (``location*`` types; coordinates from the mention attributes)."""
    n = 0
    for line in lines:
        if not line.strip():
            continue
        yield _doc_from_concept_json(json.loads(line), location_prefix="location", prefix=prefix, index=n)
        n += 1


def read_mobie(path: Path, *, prefix: str = "mobie") -> Iterator[GoldDoc]:
    """MobIE from its gzip JSONL file (see :func:`parse_mobie`)."""
    yield from parse_mobie(_open_text(Path(path)), prefix=prefix)


# --------------------------------------------------------------------------- devnews (places)


def parse_devnews_places(lines: Iterable[str], *, lang: str | None = None) -> Iterator[GoldDoc]:
    """The toponyms of devnews articles (JSON lines) as place gold, optionally one language only.

    Every toponym counts, those inside an organisation's name (``in_org_name``) included: the
    corpus tags them as place mentions and only keeps them out of links. ``GoldSpan.type`` is the
    corpus' place type (country, admin1, city, other). The actors and links of the same records
    are read by :mod:`geoapp.evaluation.actorcorpora`.
    """
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        if lang is not None and rec.get("lang") != lang:
            continue
        text = rec["text"]
        spans = [
            GoldSpan(
                t["start"],
                t["end"],
                text[t["start"] : t["end"]],
                _float_or_none(t.get("lat")),
                _float_or_none(t.get("lon")),
                str(t.get("type") or "LOC"),
            )
            for t in rec.get("toponyms") or []
        ]
        spans.sort(key=lambda sp: (sp.start, sp.end))
        yield GoldDoc(
            id=rec["id"], text=text, lang=rec.get("lang") or "und", spans=spans, source=rec.get("url")
        )


def read_devnews_places(path: Path, *, lang: str | None = None) -> Iterator[GoldDoc]:
    """devnews place gold from ``articles.jsonl`` (see :func:`parse_devnews_places`)."""
    yield from parse_devnews_places(_open_text(Path(path)), lang=lang)


# --------------------------------------------------------------------------- document splits

#: Values of ``--docs``: every document, or every other one by position in the corpus file.
DOC_SPLITS = ("all", "even", "odd")


def split_docs(docs: Sequence[T], which: str = "all") -> list[T]:
    """Every document (``all``), or those at even or odd 0-based positions in corpus order.

    Alternating positions rather than a hash or a random draw: the split is obvious from the file,
    needs no seed, and spreads sources and languages evenly when the file groups them, so a model
    can be trained on one half and reported on the other (``--docs odd`` after training on even).
    """
    if which == "all":
        return list(docs)
    if which not in DOC_SPLITS:
        raise ValueError(f"unknown split {which!r}; known: {', '.join(DOC_SPLITS)}")
    parity = 0 if which == "even" else 1
    return [d for i, d in enumerate(docs) if i % 2 == parity]


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Dataset:
    """A named corpus split: where it lives under the eval folder and how to read it."""

    name: str
    relpath: str
    reader: Callable[..., Iterator[GoldDoc]]
    role: str  # "dev" (measured by default), "train" or "test"
    description: str
    #: The corpus annotates country adjectives ("Russian troops") as toponyms (GeoWebNews does;
    #: GermEval calls them LOCderiv and SmartData/MobIE leave them out).
    annotates_adjectives: bool = False

    def path(self, root: Path) -> Path:
        return root / self.relpath


#: devnews' file under the eval folder (its actors and links: :mod:`geoapp.evaluation.actorcorpora`).
DEVNEWS_RELPATH = "devnews/articles.jsonl"

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "gwn",
            "GeoWebNews/GWN.xml",
            read_gwn,
            "dev",
            "GeoWebNews, 200 English web news articles",
            annotates_adjectives=True,
        ),
        Dataset(
            "germeval-dev",
            "GermEval2014/NER-de-dev.tsv",
            lambda p, notes=None: read_germeval(p, prefix="germeval-dev"),
            "dev",
            "GermEval 2014 dev, German news/Wikipedia sentences, outer LOC",
        ),
        Dataset(
            "germeval-train",
            "GermEval2014/NER-de-train.2col.bio.tsv",
            lambda p, notes=None: read_germeval(p, prefix="germeval-train"),
            "train",
            "GermEval 2014 train (two-column conversion), outer LOC",
        ),
        Dataset(
            "smartdata-dev",
            "SmartData-de/v3_20200302_dev.json.gz",
            lambda p, notes=None: read_smartdata(p, prefix="smartdata-dev"),
            "dev",
            "SmartData dev, German news/RSS/tweets, LOCATION*",
        ),
        Dataset(
            "smartdata-test",
            "SmartData-de/v3_20200302_test.json.gz",
            lambda p, notes=None: read_smartdata(p, prefix="smartdata-test"),
            "test",
            "SmartData test, LOCATION*",
        ),
        Dataset(
            "mobie-dev",
            "MobIE-de/v1_20210811_dev.jsonl.gz",
            lambda p, notes=None: read_mobie(p, prefix="mobie-dev"),
            "dev",
            "MobIE dev, German tweets and traffic reports, location*",
        ),
        Dataset(
            "mobie-train",
            "MobIE-de/train.conll2003",
            lambda p, notes=None: read_conll(p, prefix="mobie-train"),
            "train",
            "MobIE train (CoNLL-2003 columns), location*",
        ),
        Dataset(
            "devnews",
            DEVNEWS_RELPATH,
            lambda p, notes=None: read_devnews_places(p),
            "dev",
            "devnews, 24 hand-annotated news articles (12 de, 12 en), toponyms with coordinates",
        ),
        Dataset(
            "devnews-de",
            DEVNEWS_RELPATH,
            lambda p, notes=None: read_devnews_places(p, lang="de"),
            "dev",
            "devnews, the 12 German articles",
        ),
        Dataset(
            "devnews-en",
            DEVNEWS_RELPATH,
            lambda p, notes=None: read_devnews_places(p, lang="en"),
            "dev",
            "devnews, the 12 English articles",
        ),
    )
}

#: What ``geoapp eval`` / ``benchmarks/eval.py`` measure when no dataset is named.
DEFAULT_DATASETS = ("gwn", "germeval-dev", "smartdata-dev", "mobie-dev")


def iter_dataset(
    name: str, *, root: str | os.PathLike[str] | None = None, notes: list[str] | None = None
) -> Iterator[GoldDoc]:
    """Gold documents of a named dataset; raises :class:`EvalDataMissing` when its file is absent."""
    try:
        ds = DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None
    path = ds.path(eval_dir(root))
    if not path.exists():
        raise EvalDataMissing(f"skipped: {path} not found")
    yield from ds.reader(path, notes=notes)


def load_dataset(
    name: str,
    *,
    root: str | os.PathLike[str] | None = None,
    limit: int | None = None,
    notes: list[str] | None = None,
    split: str = "all",
) -> list[GoldDoc]:
    """The first ``limit`` (default all) gold documents of a named dataset, as a list.

    ``split`` (see :func:`split_docs`) is applied before ``limit``.
    """
    if split != "all":
        return split_docs(list(iter_dataset(name, root=root, notes=notes)), split)[:limit]
    docs: list[GoldDoc] = []
    for doc in iter_dataset(name, root=root, notes=notes):
        if limit is not None and len(docs) >= limit:
            break
        docs.append(doc)
    return docs
