"""Train the English named-entity CRF (PER, ORG, LOC) and measure it; writes geoapp/data/ner_en.crfsuite.

    python scripts/train_ner.py                 # featurise + train + the table (~2-3 min on 1 core)
    python scripts/train_ner.py --report        # the table of docs/ner.md for the shipped model
    python scripts/train_ner.py --mix re3d=3 --params '{"c1": 0.2}' --out /tmp/x.crfsuite   # experiments

Why this script exists: the shipped model must be rebuildable by anyone from public, openly licensed
corpora, with the same result: inputs are read in file order, the held-out split uses a fixed seed,
and crfsuite's L-BFGS training is deterministic.

Training data (read from ``../shared/eval``, never copied into the repository):
- ``en-ner/wikigold`` (CC BY 4.0): Wikipedia, IO tags; MISC is no entity. One document per article.
- ``en-ner/BTC`` (CC BY 4.0): the Broad Twitter Corpus, BIO PER/ORG/LOC, all sections. One per tweet.
- ``en-ner/WNUT17`` (CC BY 4.0): train, dev and annotated test; person → PER, location → LOC,
  corporation and group → ORG, product and creative-work → no entity. One document per post.
- ``re3d/re3d-dev.jsonl``: documents with an even index (0-based, file order) from the public-domain
  (CENTCOM, US State Department), OGL v3 (UK Government) and CC BY 3.0 AU (Australian DFAT)
  sources; the EU Delegation's page notice is none of these, so its one even document stays out.
  Odd-indexed documents are never trained on: they are reported on.
Of each corpus a fixed 10 % of its documents (seed :data:`SEED`) is held out for the report.
devnews and GeoWebNews are never trained on.

re3d's Person and Organisation spans include descriptions ("the Foreign Secretary", "U.S. service
members"). A span becomes a label only when it holds a proper name and has confidence >= 0.5; it is
cut to its name (leading articles, descriptions and, for persons, titles go; trailing lowercase
words go: "ISIL fighters" → "ISIL"); an "Organisation" that is a country ("the United States") is
labelled LOC like the other corpora do, one that is only a demonym ("Syrians") is no entity. A
sentence holding a low-confidence named span that no confident span covers is left out, so that
the model is not taught that a doubtful name is no name.

Tokens and features are the place extractor's (:meth:`geoapp.places.PlaceExtractor.crf_sentences`
with ``lang="en"``), so the pipeline tags English with the machinery it uses for German.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geoapp.evaluation.corpora import EvalDataMissing, eval_dir  # noqa: E402
from geoapp.placefilter import entity_runs, zipf  # noqa: E402
from geoapp.text import TOKEN_RE, name_key  # noqa: E402

SEED = 17
HELDOUT_SHARE = 0.1
CORPORA = ("wikigold", "btc", "wnut17", "re3d")
#: re3d sources whose licence allows training (see the module docstring).
RE3D_TRAIN_SOURCES = frozenset({"CENTCOM", "US State Department", "UK Government",
                                "Australian Department of Foreign Affairs"})
#: How often each corpus' training sentences are presented (an integer repetition: crfsuite has
#: no instance weights). Chosen on the held-out splits and re3d's odd documents (docs/ner.md).
MIX = {"wikigold": 1, "btc": 1, "wnut17": 1, "re3d": 3}
PARAMS = {"c1": 0.3, "c2": 0.3, "max_iterations": 150, "feature.minfreq": 2,
          "feature.possible_transitions": True}

#: Words that never make a span a name on their own (README of the eval folder: "a capitalised
#: word other than a function word").
FUNCTION_WORDS = frozenset(
    "a an the of and or in on at to for by with from as into about over under this that these those "
    "we our us i me my you your he him his she her it its they them their all some any both each "
    "every other such no not".split()
)
#: Person titles cut off the front of re3d person spans ("Foreign Secretary Boris Johnson").
TITLES = frozenset(
    "mr mrs ms miss dr prof sir dame lord lady president vice prime minister secretary foreign "
    "defence defense state home interior chancellor senator sen rep representative governor gov "
    "mayor ambassador envoy special commander general gen lieutenant lt colonel col major maj "
    "captain capt sergeant sgt admiral adm brigadier brig chief deputy spokesman spokeswoman "
    "spokesperson director chairman chairwoman king queen prince princess sheikh emir pope "
    "ayatollah imam cardinal bishop judge justice army navy air force staff us uk un".split()
)


@dataclass
class NerDoc:
    """One training or test unit: text, gold spans ``(start, end, label)``, spans whose sentences
    are left out (doubtful annotation), and the corpus it came from."""

    id: str
    text: str
    spans: list[tuple[int, int, str]]
    corpus: str
    ignore: list[tuple[int, int]] = field(default_factory=list)


# -- column corpora -------------------------------------------------------------------------------

_NO_SPACE_BEFORE = frozenset(",.;:!?)]}%")
_NO_SPACE_AFTER = frozenset("([{$")


def detokenize(tokens: list[str]) -> tuple[str, list[int]]:
    """Tokens joined as prose ("Obama 's ." → "Obama's."), with each token's start offset.

    Why not single spaces: news has "Ukraine's" and "don't" as one word of the place extractor's
    tokeniser, and the model should see its training names as it will meet them."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    prev = ""
    for tok in tokens:
        glue = (not parts or tok[:1] in _NO_SPACE_BEFORE and len(tok) == 1 or tok[:1] in "'’"
                or tok.lower() == "n't" or prev in _NO_SPACE_AFTER)
        if not glue:
            parts.append(" ")
            pos += 1
        starts.append(pos)
        parts.append(tok)
        pos += len(tok)
        prev = tok
    return "".join(parts), starts


def read_columns(path: Path) -> Iterator[list[list[tuple[str, str]]]]:
    """Documents of sentences of ``(token, tag)`` from a token-per-line file; ``-DOCSTART-`` lines
    separate documents (wikigold), otherwise every sentence is a document (tweets, posts)."""
    doc: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.rstrip("\r\n")
            if line.startswith("-DOCSTART-"):
                if sent:
                    doc.append(sent)
                if doc:
                    yield doc
                doc, sent = [], []
                continue
            if not line.strip():
                if sent:
                    doc.append(sent)
                sent = []
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            if len(parts) >= 2:
                sent.append((parts[0], parts[-1].strip() or "O"))
    if sent:
        doc.append(sent)
    if doc:
        yield doc


def _wikigold_label(tag: str) -> str | None:
    kind = tag[2:]
    return kind if kind in ("PER", "ORG", "LOC") else None


def _btc_label(tag: str) -> str | None:
    return _wikigold_label(tag)


_WNUT = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG"}


def _wnut_label(tag: str) -> str | None:
    return _WNUT.get(tag[2:])


def column_doc(doc_id: str, corpus: str, sentences: list[list[tuple[str, str]]], label) -> NerDoc:
    """One :class:`NerDoc` from tagged sentences (one line each): an entity is a run of tokens
    with the same label, begun by a B- tag or by a change of label (IO files have no B-)."""
    lines, spans = [], []
    offset = 0
    for sent in sentences:
        text, starts = detokenize([t for t, _ in sent])
        cur: list | None = None
        for (tok, tag), s in zip(sent, starts):
            lab = label(tag) if tag != "O" else None
            if cur is not None and lab == cur[2] and not tag.startswith("B-"):
                cur[1] = offset + s + len(tok)
                continue
            if cur is not None:
                spans.append(tuple(cur))
            cur = [offset + s, offset + s + len(tok), lab] if lab else None
        if cur is not None:
            spans.append(tuple(cur))
        lines.append(text)
        offset += len(text) + 1
    return NerDoc(doc_id, "\n".join(lines), spans, corpus)


def column_docs(corpus: str, root: Path) -> list[NerDoc]:
    """The documents of one column corpus, in file order."""
    base = root / "en-ner"
    if corpus == "wikigold":
        files, label = [base / "wikigold" / "wikigold.conll.txt"], _wikigold_label
    elif corpus == "btc":
        files, label = sorted((base / "BTC").glob("*.conll")), _btc_label
    elif corpus == "wnut17":
        names = ("wnut17train.conll", "emerging.dev.conll", "emerging.test.annotated")
        files, label = [base / "WNUT17" / n for n in names], _wnut_label
    else:
        raise KeyError(corpus)
    out: list[NerDoc] = []
    for path in files:
        for doc in read_columns(path):
            if corpus == "wikigold":
                out.append(column_doc(f"{corpus}-{len(out):05d}", corpus, doc, label))
            else:  # a tweet or post per sentence block
                for sent in doc:
                    out.append(column_doc(f"{corpus}-{len(out):05d}", corpus, [sent], label))
    return out


# -- re3d -----------------------------------------------------------------------------------------


def re3d_records(root: Path) -> list[dict]:
    with open(root / "re3d" / "re3d-dev.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def has_proper_name(surface: str) -> bool:
    """The eval README's test for a named actor: a capitalised word other than a function word."""
    return any(w[:1].isupper() and w.lower() not in FUNCTION_WORDS for w in TOKEN_RE.findall(surface))


#: Lowercase parts of names ("Ibrahim al-Jaafari", "Staffan de Mistura"), kept inside a person.
_PARTICLES = ("al-", "el-", "bin", "ibn", "de", "van", "von", "da", "di", "du", "la", "le")
_POSSESSIVE = re.compile(r"['’]s?$")


class Re3dLabeller:
    """Turns re3d entities into name spans (see the module docstring); needs the gazetteer and the
    demonym lexicon to tell countries and demonyms from organisations."""

    def __init__(self, gazetteer) -> None:
        from geoapp.actors import load_demonyms

        self.gaz = gazetteer
        self.demonyms = load_demonyms()

    def _country(self, surface: str) -> bool:
        key = name_key(surface.removeprefix("the ").removeprefix("The "))
        cands = self.gaz.candidates(key) or self.gaz.abbreviation(surface.replace(".", ""))
        return bool(cands) and cands[0].feature in ("country", "continent")

    def _demonym(self, words: list[str]) -> bool:
        ex = self.demonyms.exact
        return all(w in ex or (w.endswith("s") and w[:-1] in ex) or w in self.demonyms.regions
                   for w in words)

    def core(self, text: str, start: int, end: int, kind: str) -> tuple[int, int] | None | str:
        """The name inside an entity span: ``(start, end)``, None when it holds no name, or
        "doubt" when the name is a possessor of the thing annotated ("Assad's brutal regime")."""
        toks = [(start + m.start(), start + m.end(), m.group()) for m in TOKEN_RE.finditer(text[start:end])]

        def named(w: str) -> bool:
            return w[:1].isupper() and w.lower() not in FUNCTION_WORDS

        while toks and not named(toks[0][2]):
            toks.pop(0)
        cut_tail = False
        while toks and not named(toks[-1][2]):
            toks.pop()
            cut_tail = True
        if kind == "Person":
            # the name is the last run of name words: "Pentagon Press Secretary Peter Cook"
            k = len(toks)
            while k > 0 and ((named(toks[k - 1][2]) and toks[k - 1][2].lower() not in TITLES)
                             or toks[k - 1][2].lower().startswith(_PARTICLES)):
                k -= 1
            toks = toks[k:]
            while toks and not named(toks[0][2]):
                toks.pop(0)
        if not toks:
            return None
        if cut_tail and _POSSESSIVE.search(toks[-1][2]):
            return "doubt"
        s, e = toks[0][0], toks[-1][1]
        # a dotted abbreviation keeps its last full stop ("U.S.")
        if e < end and text[e] == "." and re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", text[s:e]):
            e += 1
        return s, e

    def doc(self, rec: dict, doc_id: str) -> NerDoc:
        text = rec["text"]
        kinds = {"Person": "PER", "Organisation": "ORG", "Location": "LOC"}
        sure = [e for e in rec["entities"] if e["confidence"] >= 0.5
                and e["type"] in ("Person", "Organisation", "Location", "Nationality")]
        spans: list[tuple[int, int, str]] = []
        ignore: list[tuple[int, int]] = []
        for e in rec["entities"]:
            if e["type"] not in kinds or not has_proper_name(text[e["start"]:e["end"]]):
                continue
            doubtful = e["confidence"] < 0.5
            if doubtful and any(o["start"] < e["end"] and e["start"] < o["end"] for o in sure):
                continue  # a variant of a confident span ("ISIL" inside "ISIL fighters")
            got = self.core(text, e["start"], e["end"], e["type"])
            if got is None:
                continue
            if got == "doubt":
                ignore.append((e["start"], e["end"]))
                continue
            s, e_ = got
            words = TOKEN_RE.findall(text[s:e_])
            if self._demonym(words):
                continue
            label = kinds[e["type"]]
            if self._country(text[s:e_]):
                if label == "PER":  # "Iraq" as a person: an annotation slip, nothing to learn from
                    ignore.append((e["start"], e["end"]))
                    continue
                label = "LOC"
            elif doubtful:
                # a month or a common word is no name; any other doubtful name keeps its sentence out
                if not (len(words) == 1 and zipf(words[0].lower(), "en") >= 4.5):
                    ignore.append((e["start"], e["end"]))
                continue
            spans.append((s, e_, label))
        # overlapping cores: the longer name wins ("Iraqi Security Forces" over "Iraqi")
        kept: list[tuple[int, int, str]] = []
        for sp in sorted(set(spans), key=lambda x: (x[0] - x[1], x[0], x[2])):
            if not any(k[0] < sp[1] and sp[0] < k[1] for k in kept):
                kept.append(sp)
        return NerDoc(doc_id, text, sorted(kept), "re3d", ignore)


def re3d_train_docs(records: list[dict], gazetteer) -> list[NerDoc]:
    """re3d's even-indexed documents from the licensed sources, labelled."""
    lab = Re3dLabeller(gazetteer)
    return [lab.doc(r, f"re3d-{k:02d}") for k, r in enumerate(records)
            if k % 2 == 0 and r["source"] in RE3D_TRAIN_SOURCES]


# -- featurising, splitting, training ---------------------------------------------------------------


@dataclass
class Sentence:
    """One CRF sequence: features and gold labels, with the token offsets for span scoring."""

    doc: str
    feats: list[list[str]]
    labels: list[str]
    offsets: list[tuple[int, int]]


def featurise(ex, doc: NerDoc) -> list[Sentence]:
    """The doc's sentences as the pipeline sees them, labelled from its gold spans (a token is in a
    span when it starts inside it: "Obama's" is the person "Obama"). Sentences touching an
    ``ignore`` span are left out."""
    from geoapp.places import _Field

    fld = _Field(doc.text, "en", "text", ())
    rows = ex._windows(fld, ex._context(fld))
    spans = sorted(doc.spans)
    out = []
    for idx, feats in ex.crf_sentences(fld, rows):
        toks = [fld.tokens[k] for k in idx]
        lo, hi = toks[0].start, toks[-1].end
        if any(s < hi and lo < e for s, e in doc.ignore):
            continue
        labels = []
        prev = None
        for t in toks:
            hit = next((k for k, (s, e, _) in enumerate(spans) if s <= t.start < e), None)
            labels.append("O" if hit is None else ("I-" if hit == prev else "B-") + spans[hit][2])
            prev = hit
        out.append(Sentence(doc.id, feats, labels, [(t.start, t.end) for t in toks]))
    return out


def split(docs: list[NerDoc]) -> tuple[list[NerDoc], list[NerDoc]]:
    """``(train, held out)``: a fixed 10 % of the documents, drawn with :data:`SEED`."""
    order = list(range(len(docs)))
    random.Random(SEED).shuffle(order)
    held = set(order[: math.ceil(HELDOUT_SHARE * len(docs))])
    return [d for k, d in enumerate(docs) if k not in held], [d for k, d in enumerate(docs) if k in held]


def load_corpora(root: Path, ex) -> dict[str, tuple[list[Sentence], list[Sentence]]]:
    """Every training corpus featurised: ``{corpus: (train sentences, held-out sentences)}``."""
    out = {}
    for corpus in CORPORA:
        t0 = time.perf_counter()
        docs = (re3d_train_docs(re3d_records(root), ex.gazetteer) if corpus == "re3d"
                else column_docs(corpus, root))
        train, held = split(docs)
        out[corpus] = ([s for d in train for s in featurise(ex, d)],
                       [s for d in held for s in featurise(ex, d)])
        n_tok = sum(len(s.labels) for s in out[corpus][0])
        print(f"{corpus}: {len(train)} train docs ({len(out[corpus][0])} sentences, {n_tok} tokens), "
              f"{len(held)} held out ({time.perf_counter() - t0:.1f} s)", flush=True)
    return out


def train(data: dict, mix: dict[str, int], params: dict, path: Path) -> dict:
    """One python-crfsuite model on the training sentences, each corpus repeated ``mix`` times."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for corpus in CORPORA:
        for _ in range(mix.get(corpus, 1)):
            for s in data[corpus][0]:
                trainer.append(s.feats, s.labels)
                n += 1
    trainer.set_params(params)
    trainer.train(str(path))
    return {"sentences": n, "mix": mix, "params": params}


# -- measuring ------------------------------------------------------------------------------------


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score_sentences(tagger, sentences: list[Sentence]) -> dict[str, Counts]:
    """Exact token-span P/R per label (tokens of the place extractor's tokeniser)."""
    out = {k: Counts() for k in ("PER", "ORG", "LOC")}
    for s in sentences:
        gold = set(entity_runs(s.labels))
        pred = set(entity_runs(tagger.tag(s.feats)))
        for _, _, k in gold & pred:
            out[k].tp += 1
        for _, _, k in pred - gold:
            out[k].fp += 1
        for _, _, k in gold - pred:
            out[k].fn += 1
    return out


def _overlaps(a: tuple[int, int], spans) -> bool:
    return any(s < a[1] and a[0] < e for s, e, *_ in spans)


def actor_check(pred_by_doc, gold_by_doc) -> dict[str, tuple[int, int]]:
    """Recall by overlap (same label) and precision of predicted PER/ORG spans; see
    :func:`devnews_check` for what counts. Returns ``{row: (hits, total)}``."""
    rows: dict[str, list[int]] = {k: [0, 0] for k in (
        "PER recall", "ORG recall", "PER+ORG recall (either)",
        "PER precision", "ORG precision", "PER+ORG precision (either)", "predicted on a place")}
    for doc_id, pred in pred_by_doc.items():
        actors, places = gold_by_doc[doc_id]
        for s, e, kind in actors:
            rows[f"{kind} recall"][1] += 1
            rows[f"{kind} recall"][0] += any(p[2] == kind and p[0] < e and s < p[1] for p in pred)
            rows["PER+ORG recall (either)"][1] += 1
            rows["PER+ORG recall (either)"][0] += any(p[2] in ("PER", "ORG") and p[0] < e and s < p[1]
                                                         for p in pred)
        for s, e, kind in pred:
            if kind not in ("PER", "ORG"):
                continue
            same = any(a[2] == kind and a[0] < e and s < a[1] for a in actors)
            anyk = _overlaps((s, e), actors)
            rows[f"{kind} precision"][1] += 1
            rows[f"{kind} precision"][0] += same
            rows["PER+ORG precision (either)"][1] += 1
            rows["PER+ORG precision (either)"][0] += anyk
            rows["predicted on a place"][1] += 1
            rows["predicted on a place"][0] += (not anyk) and _overlaps((s, e), places)
    return {k: (v[0], v[1]) for k, v in rows.items()}


def devnews_gold(root: Path, lang: str) -> tuple[dict[str, str], dict]:
    """devnews texts of one language and their gold: person/organisation actor mentions, and the
    toponyms that are not inside an organisation's name (a PER/ORG span on one is wrong)."""
    texts, gold = {}, {}
    with open(root / "devnews" / "articles.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["lang"] != lang:
                continue
            texts[r["id"]] = r["text"]
            kinds = {"person": "PER", "organisation": "ORG"}
            actors = [(a["start"], a["end"], kinds[a["type"]]) for a in r["actors"] if a["type"] in kinds]
            places = [(t["start"], t["end"]) for t in r["toponyms"] if not t.get("in_org_name")]
            gold[r["id"]] = (actors, places)
    return texts, gold


def re3d_gold(records: list[dict]) -> tuple[dict[str, str], dict]:
    """re3d's odd documents and their named Person/Organisation entities (confidence >= 0.5, a
    proper name), as the eval README defines actor mentions. Its Location annotation is not
    exhaustive, so places count in no precision here."""
    texts, gold = {}, {}
    kinds = {"Person": "PER", "Organisation": "ORG"}
    for k, r in enumerate(records):
        if k % 2 == 0:
            continue
        doc_id = f"re3d-{k:02d}"
        texts[doc_id] = r["text"]
        gold[doc_id] = ([(e["start"], e["end"], kinds[e["type"]]) for e in r["entities"]
                         if e["type"] in kinds and e["confidence"] >= 0.5
                         and has_proper_name(r["text"][e["start"]:e["end"]])], [])
    return texts, gold


def report(root: Path, ex, model: Path, data: dict | None) -> None:
    """The tables of docs/ner.md: held-out splits, re3d odd, devnews (en and de), speed, size."""
    from geoapp.ner import EntityTagger

    tagger = EntityTagger({"en": model, "de": EntityTagger().paths["de"]})
    if data is None:
        data = load_corpora(root, ex)
    en = _LangTagger(tagger, "en")
    print("\nheld-out 10 % splits: exact spans (tokens of the place extractor)")
    print(f"{'corpus':<10} {'label':<5} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}")
    for corpus in CORPORA:
        counts = score_sentences(en, data[corpus][1])
        total = Counts()
        for k, c in counts.items():
            p, r, f = c.prf()
            print(f"{corpus:<10} {k:<5} {p:6.3f} {r:6.3f} {f:6.3f} {c.tp + c.fn:6d}")
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        p, r, f = total.prf()
        print(f"{corpus:<10} {'all':<5} {p:6.3f} {r:6.3f} {f:6.3f} {total.tp + total.fn:6d}")
    print("\nactor mentions by overlap (recall: gold PER/ORG found with that label; precision: predicted "
          "PER/ORG on a gold PER/ORG mention)")
    records = re3d_records(root)
    for name, lang, (texts, gold) in (
        ("re3d odd", "en", re3d_gold(records)),
        ("re3d names", "en", re3d_name_gold(records, ex.gazetteer)),
        ("devnews en", "en", devnews_gold(root, "en")),
        ("devnews de", "de", devnews_gold(root, "de")),
    ):
        pred = {doc_id: tagger.text_entities(ex, text, lang) for doc_id, text in texts.items()}
        for row, (hit, tot) in actor_check(pred, gold).items():
            if name == "re3d odd" and row == "predicted on a place":
                continue
            print(f"{name:<11} {row:<32} {hit / tot if tot else 0.0:6.3f}  ({hit}/{tot})")
    speed(ex, tagger, [t for src in (re3d_gold(records), devnews_gold(root, "en")) for t in src[0].values()])
    print(f"model: {model} {model.stat().st_size / 1e6:.2f} MB")


def re3d_name_gold(records: list[dict], gazetteer) -> tuple[dict[str, str], dict]:
    """re3d's odd documents with the names the model is trained to find: the training labeller's
    spans (descriptions and titles cut, countries as places), PER/ORG as actors, LOC as places."""
    lab = Re3dLabeller(gazetteer)
    texts, gold = {}, {}
    for k, r in enumerate(records):
        if k % 2 == 1:
            doc = lab.doc(r, f"re3d-{k:02d}")
            texts[doc.id] = doc.text
            gold[doc.id] = ([sp for sp in doc.spans if sp[2] != "LOC"],
                            [sp for sp in doc.spans if sp[2] == "LOC"])
    return texts, gold


def speed(ex, tagger, texts: list[str]) -> None:
    """Tokens per second on one core: the gazetteer windows (which the pipeline's place stage
    computes anyway) apart from the CRF features and tagging that entities add. The first pass starts
    from empty word caches (the model is loaded before); the second is the steady state of a long run."""
    from geoapp.placefilter import _word_static
    from geoapp.places import _Field
    from geoapp.text import clear_memos

    tagger.text_entities(ex, "Load the model.", "en")
    n_tokens = sum(len(TOKEN_RE.findall(t)) for t in texts)
    _word_static.cache_clear()
    zipf.cache_clear()
    clear_memos()
    for run in ("cold", "warm"):
        windows = tagging = 0.0
        for text in texts:
            t0 = time.perf_counter()
            fld = _Field(text, "en", "text", ())
            rows = ex._windows(fld, ex._context(fld))
            t1 = time.perf_counter()
            tagger.input_entities("en", fld.tokens, ex.crf_inputs(fld, rows))
            windows, tagging = windows + t1 - t0, tagging + time.perf_counter() - t1
        print(f"speed ({run} caches, {n_tokens} tokens of re3d odd and devnews en): "
              f"features + tagging {n_tokens / tagging:,.0f} tokens/s; with the gazetteer windows "
              f"{n_tokens / (windows + tagging):,.0f} tokens/s")


class _LangTagger:
    """An :class:`~geoapp.ner.EntityTagger` bound to one language (``tag(feats)``)."""

    def __init__(self, tagger, lang: str) -> None:
        self.tagger, self.lang = tagger, lang

    def tag(self, feats: list[list[str]]) -> list[str]:
        return self.tagger.tag(self.lang, feats)


def main(argv: list[str] | None = None) -> int:
    from geoapp.gazetteer import Gazetteer
    from geoapp.ner import NER_EN_PATH
    from geoapp.places import PlaceExtractor

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", default=None)
    ap.add_argument("--out", default=str(NER_EN_PATH))
    ap.add_argument("--report", action="store_true", help="only print the tables for --out")
    ap.add_argument("--mix", default="", help="corpus=repetitions,... over the defaults")
    ap.add_argument("--params", default="", help='crfsuite overrides as JSON, e.g. {"c1": 0.2}')
    args = ap.parse_args(argv)
    try:
        root = eval_dir(args.eval_dir)
    except EvalDataMissing as exc:
        print(exc)
        return 0
    ex = PlaceExtractor(Gazetteer.default(), place_filter=None, tagger=None)
    out = Path(args.out)
    if args.report:
        report(root, ex, out, None)
        return 0
    mix = dict(MIX)
    for part in filter(None, args.mix.split(",")):
        k, v = part.split("=")
        mix[k] = int(v)
    params = {**PARAMS, **(json.loads(args.params) if args.params else {})}
    data = load_corpora(root, ex)
    labels = Counter(lab[2:] for c in CORPORA for s in data[c][0] for lab in s.labels if lab.startswith("B-"))
    print(f"training entities: {dict(sorted(labels.items()))}")
    t0 = time.perf_counter()
    info = train(data, mix, params, out)
    print(f"trained {info} in {time.perf_counter() - t0:.1f} s -> {out}", flush=True)
    report(root, ex, out, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
