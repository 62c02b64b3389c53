"""Tests of the evaluation harness: loaders on small inline samples, metrics on hand-computed cases,
and the runner with a fake parser (the real corpora in ../shared/eval are never read here)."""

from __future__ import annotations

import argparse
import gzip
import json
import math
from pathlib import Path

import pytest

from geoapp.evaluation import corpora, metrics, runner
from geoapp.evaluation.corpora import EvalDataMissing, GoldDoc, GoldSpan
from geoapp.evaluation.metrics import MAX_ERROR_KM, PredSpan
from geoapp.model import Article, Mention, Place, PlaceMention, Result

# --------------------------------------------------------------------------- inline samples

GWN_SAMPLE = """<?xml version="1.0" ?>
<articles>
  <article file="7">
    <title>Floods in Paris</title>
    <link>http://example.org/7</link>
    <text>Floods hit Paris and the city of Lyon. French officials said Lyon was calm.</text>
    <toponyms>
      <toponym><extractedName>Paris</extractedName><type>Literal</type>
        <start>11</start><end>16</end><geonamesID>2988507</geonamesID>
        <latitude>48.85341</latitude><longitude>2.3488</longitude></toponym>
      <toponym><extractedName>the city</extractedName><type>Literal_Expression</type>
        <start>21</start><end>29</end><geonamesID/><latitude/><longitude/></toponym>
      <toponym><extractedName>Lyon</extractedName><type>Literal</type>
        <start>33</start><end>37</end><geonamesID>2996944</geonamesID>
        <latitude>45.74846</latitude><longitude>4.84671</longitude></toponym>
      <toponym><extractedName>French</extractedName><type>Demonym</type>
        <start>39</start><end>45</end><geonamesID/><latitude/><longitude/></toponym>
      <toponym><extractedName>Lyon</extractedName><type>Metonymic</type>
        <start>61</start><end>65</end><geonamesID>2996944</geonamesID>
        <latitude>45.74846</latitude><longitude>4.84671</longitude></toponym>
      <toponym><extractedName>Paris</extractedName><type>Coercion</type>
        <start>-40</start><end>-35</end><geonamesID/><latitude/><longitude/></toponym>
    </toponyms>
  </article>
  <article file="8">
    <title>t</title>
    <text>Nothing here.</text>
    <toponyms/>
  </article>
</articles>
"""

GERMEVAL_4COL = (
    "#\thttp://example.org/a\t[2010-01-01]\t\n"
    "1\tDie\tO\tO\n"
    "2\tStadt\tO\tO\n"
    "3\tBad\tB-LOC\tO\n"
    "4\tHomburg\tI-LOC\tB-LOC\n"
    "5\tliegt\tO\tO\n"
    "6\tin\tO\tO\n"
    "7\tHessen\tB-LOC\tO\n"
    "8\t.\tO\tO\n"
    "\n"
    "#\thttp://example.org/b\t[2010-01-02]\t\n"
    "1\tdeutsche\tB-LOCderiv\tO\n"
    "2\tBerliner\tB-LOCpart\tO\n"
    "3\tMerkel\tB-PER\tO\n"
    "4\tNew\tB-LOC\tO\n"
    "5\tYork\tI-LOC\tO\n"
    "6\tParis\tI-LOC\tO\n"
    "\n"
)

GERMEVAL_2COL = "Schartau\tB-PER\nsagte\tO\nin\tO\nBerlin\tB-LOC\n.\tO\n\nKöln\tB-LOC\nauch\tO\n"

CONLL_SAMPLE = (
    "-DOCSTART- -123- O O\n"
    "\n"
    "#S4\tCARD\tI-CA\tB-location-route\n"
    "bei\tAPPR\tI-AP\tO\n"
    "Hannover\tNE\tI-NE\tB-location-stop\n"
    "Hbf\tNN\tI-NN\tI-location-stop\n"
    "\n"
    "#DB\tNE\tI-NE\tB-organization-company\n"
    "\n"
    "-DOCSTART- -456- O O\n"
    "\n"
    "A7\tNE\tI-NE\tB-location-street\n"
)

SMARTDATA_OBJECTS = [
    {
        "id": "doc-a",
        "text": {"string": "Stau in Berlin\nbei Zossen, meldet Anna."},
        "langCode": {"string": "de"},
        "conceptMentions": {
            "array": [
                {
                    "span": {"start": 8, "end": 14, "attributes": None},
                    "type": "LOCATION_CITY",
                    "attributes": {"map": {"annotatorId": "x"}},
                },
                {
                    "span": {"start": 19, "end": 25, "attributes": None},
                    "type": "LOCATION",
                    "attributes": None,
                },
                {"span": {"start": 34, "end": 38, "attributes": None}, "type": "PERSON", "attributes": None},
            ]
        },
    },
    {"id": "doc-b", "text": {"string": "Nichts."}, "langCode": {"string": "de"}, "conceptMentions": None},
]

MOBIE_RECORDS = [
    {
        "id": "t1",
        "text": "Ausfall #S3 in Hamburg, sagt die #DB",
        "langCode": "de",
        "conceptMentions": [
            {
                "span": {"start": 8, "end": 11},
                "type": "location-route",
                "attributes": {"latitude": "53.54799", "longitude": "9.94363"},
            },
            {"span": {"start": 15, "end": 22}, "type": "location-city", "attributes": {"annotatorId": "a"}},
            {"span": {"start": 33, "end": 36}, "type": "organization-company", "attributes": None},
        ],
    }
]


def _write_gzip(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(text)
    return path


# --------------------------------------------------------------------------- loaders


def test_gwn_keeps_place_types_and_drops_unalignable_spans() -> None:
    notes: list[str] = []
    docs = list(corpora.parse_gwn(GWN_SAMPLE, notes))
    assert [d.id for d in docs] == ["gwn-7", "gwn-8"]
    doc = docs[0]
    assert doc.lang == "en" and doc.source == "http://example.org/7"
    assert [(s.start, s.end, s.text, s.type) for s in doc.spans] == [
        (11, 16, "Paris", "Literal"),
        (33, 37, "Lyon", "Literal"),
        (61, 65, "Lyon", "Metonymic"),
    ]
    assert doc.spans[0].lat == pytest.approx(48.85341) and doc.spans[0].lon == pytest.approx(2.3488)
    assert docs[1].spans == []
    assert len(notes) == 1 and "dropped 'Paris'" in notes[0]


def test_gwn_realigns_span_off_by_a_few_characters() -> None:
    shifted = GWN_SAMPLE.replace("<start>33</start><end>37</end>", "<start>35</start><end>39</end>")
    notes: list[str] = []
    doc = next(corpora.parse_gwn(shifted, notes))
    assert [(s.start, s.end) for s in doc.spans] == [(11, 16), (33, 37), (61, 65)]
    assert any("realigned 'Lyon' 35:39 -> 33:37" in n for n in notes)


def test_germeval_four_columns_outer_loc_only() -> None:
    docs = list(corpora.parse_germeval(GERMEVAL_4COL.splitlines(keepends=True), prefix="ge"))
    assert len(docs) == 2
    first, second = docs
    assert first.text == "Die Stadt Bad Homburg liegt in Hessen ."
    assert first.id == "ge-00001" and first.source == "http://example.org/a" and first.lang == "de"
    assert [(s.start, s.end, s.text) for s in first.spans] == [(10, 21, "Bad Homburg"), (31, 37, "Hessen")]
    # LOCderiv/LOCpart/PER are not places; an I-LOC continues the open LOC span.
    assert [s.text for s in second.spans] == ["New York Paris"]
    for doc in docs:
        for s in doc.spans:
            assert doc.text[s.start : s.end] == s.text


def test_germeval_two_columns_and_other_types(tmp_path: Path) -> None:
    path = tmp_path / "train.tsv"
    path.write_text(GERMEVAL_2COL, encoding="utf-8")
    docs = list(corpora.read_germeval(path))
    assert [d.text for d in docs] == ["Schartau sagte in Berlin .", "Köln auch"]
    assert [[s.text for s in d.spans] for d in docs] == [["Berlin"], ["Köln"]]
    people = list(corpora.read_germeval(path, types=("PER",)))
    assert [(s.text, s.type) for s in people[0].spans] == [("Schartau", "PER")]


def test_bio_i_without_b_opens_a_span() -> None:
    text, spans = corpora.spans_from_bio(["a", "Ulm", "Neu"], ["O", "I-LOC", "B-LOC"], lambda k: k == "LOC")
    assert text == "a Ulm Neu"
    assert [(s.start, s.end) for s in spans] == [(2, 5), (6, 9)]


def test_conll_sentences_with_location_types() -> None:
    docs = list(corpora.parse_conll(CONLL_SAMPLE.splitlines(keepends=True)))
    assert [d.text for d in docs] == ["#S4 bei Hannover Hbf", "#DB", "A7"]
    assert [d.source for d in docs] == ["123", "123", "456"]
    assert [(s.text, s.type) for s in docs[0].spans] == [
        ("#S4", "location-route"),
        ("Hannover Hbf", "location-stop"),
    ]
    assert docs[1].spans == [] and [s.text for s in docs[2].spans] == ["A7"]


def test_smartdata_stream_of_pretty_printed_objects(tmp_path: Path) -> None:
    stream = "\n".join(json.dumps(o, indent=2) for o in SMARTDATA_OBJECTS) + "\n"
    path = _write_gzip(tmp_path / "sd.json.gz", stream)
    docs = list(corpora.read_smartdata(path, prefix="sd"))
    assert [d.id for d in docs] == ["sd-0000", "sd-0001"]
    assert docs[0].source == "doc-a" and docs[0].lang == "de"
    assert [(s.text, s.type, s.lat) for s in docs[0].spans] == [
        ("Berlin", "LOCATION_CITY", None),
        ("Zossen", "LOCATION", None),
    ]
    assert docs[1].spans == []


def test_mobie_jsonl_with_coordinates(tmp_path: Path) -> None:
    path = _write_gzip(tmp_path / "m.jsonl.gz", "".join(json.dumps(r) + "\n" for r in MOBIE_RECORDS))
    (doc,) = list(corpora.read_mobie(path))
    assert [(s.text, s.type) for s in doc.spans] == [("#S3", "location-route"), ("Hamburg", "location-city")]
    assert doc.spans[0].lat == pytest.approx(53.54799) and doc.spans[0].lon == pytest.approx(9.94363)
    assert not doc.spans[1].has_coords


def test_eval_dir_missing_says_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(corpora.EVAL_DIR_ENV, str(tmp_path / "nope"))
    with pytest.raises(EvalDataMissing, match="skipped: ../shared/eval not found"):
        corpora.eval_dir()
    with pytest.raises(EvalDataMissing):
        corpora.load_dataset("gwn")


def test_registry_names() -> None:
    for name in ("gwn", "germeval-dev", "smartdata-dev", "mobie-dev", "germeval-train", "mobie-train"):
        assert name in corpora.DATASETS
    assert "smartdata-test" in corpora.DATASETS
    assert corpora.DEFAULT_DATASETS == ("gwn", "germeval-dev", "smartdata-dev", "mobie-dev")


# --------------------------------------------------------------------------- metrics


def _p(start: int, end: int, lat: float | None = None, lon: float | None = None) -> PredSpan:
    return PredSpan(start, end, "x", lat, lon)


def _g(start: int, end: int, lat: float | None = None, lon: float | None = None) -> GoldSpan:
    return GoldSpan(start, end, "x", lat, lon)


def test_exact_and_overlap_prf() -> None:
    gold = [_g(0, 5), _g(10, 15), _g(20, 30)]
    pred = [_p(0, 5), _p(11, 15), _p(40, 45)]
    score = metrics.score_document(gold, pred)
    totals = metrics.Totals()
    totals.add(score)
    assert (totals.exact.precision, totals.exact.recall, totals.exact.f1) == pytest.approx((1 / 3,) * 3)
    assert (totals.overlap.precision, totals.overlap.recall, totals.overlap.f1) == pytest.approx((2 / 3,) * 3)
    assert score.missed == [2] and score.spurious == [2] and score.boundary == [(1, 1)]


def test_prf_edge_cases() -> None:
    assert metrics.PRF(0, 0, 0).f1 == 0.0
    prf = metrics.PRF(3, 4, 6)
    assert prf.precision == 0.75 and prf.recall == 0.5 and prf.f1 == pytest.approx(0.6)


def test_overlap_matching_is_one_to_one() -> None:
    # one long prediction over two gold spans counts once
    assert metrics.match_overlap([_g(0, 5), _g(6, 10)], [_p(0, 10)]) == [(0, 0)]
    # two predictions inside one gold span: one matches, the other is spurious
    score = metrics.score_document([_g(0, 10)], [_p(0, 4), _p(5, 10)])
    assert len(score.overlap_pairs) == 1 and len(score.spurious) == 1


def test_overlap_matching_is_maximal_not_greedy() -> None:
    # Greedy by largest overlap would give A the prediction X (8 chars) and leave B unmatched;
    # the maximum matching pairs A with Y and B with X.
    gold = [_g(0, 10), _g(9, 20)]
    pred = [_p(2, 10), _p(0, 3)]
    assert metrics.match_overlap(gold, pred) == [(0, 1), (1, 0)]


def test_exact_pairs_win_over_overlaps() -> None:
    gold = [_g(0, 10)]
    pred = [_p(0, 12), _p(0, 10)]
    assert metrics.match_overlap(gold, pred) == [(0, 1)]


def test_haversine() -> None:
    assert metrics.haversine_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)
    assert metrics.haversine_km(52.52, 13.405, 48.137, 11.575) == pytest.approx(504, abs=2)
    antipode = metrics.haversine_km(0, 0, 0, 180)  # half the mean circumference, below the cap
    assert antipode == pytest.approx(20015, abs=1) and antipode <= MAX_ERROR_KM


def test_resolution_scores_hand_computed() -> None:
    scores = metrics.resolution_scores([0.0, 100.0, 200.0, 20039.0])
    assert scores.n == 4
    assert scores.acc161 == 0.5
    assert scores.median_km == 150.0
    # (0 + ln 101/ln 20040 + ln 201/ln 20040 + 1) / 4 = (0 + 0.46592 + 0.53539 + 1) / 4
    assert scores.auc == pytest.approx(0.50033, abs=1e-4)
    empty = metrics.resolution_scores([])
    assert empty.n == 0 and empty.acc161 is None and empty.auc is None


def test_end_to_end_counts_missed_as_max_error() -> None:
    gold = [
        _g(0, 5, 0.0, 0.0),  # found exactly, resolved right: 0 km
        _g(10, 15, 0.0, 0.0),  # found by overlap, resolved 10 degrees off: ~1112 km
        _g(20, 25, 0.0, 0.0),  # missed: 20,039 km end to end, absent from "recognised"
        _g(30, 35),  # no gold coordinates: recognition only
        _g(40, 45, 10.0, 10.0),  # found but unresolved: 20,039 km in both
    ]
    pred = [_p(0, 5, 0.0, 0.0), _p(10, 14, 0.0, 10.0), _p(30, 35, 1.0, 1.0), _p(40, 45)]
    totals = metrics.Totals()
    totals.add(metrics.score_document(gold, pred))
    off = metrics.haversine_km(0, 0, 0, 10)
    assert off == pytest.approx(1111.95, abs=0.1)
    e2e = totals.end_to_end
    assert e2e.n == 4
    assert e2e.acc161 == 0.25
    assert e2e.median_km == pytest.approx((off + MAX_ERROR_KM) / 2)
    denom = math.log(1 + 20039)
    assert e2e.auc == pytest.approx((0 + math.log(1 + off) / denom + 1 + 1) / 4)
    rec = totals.recognised
    assert rec.n == 3 and rec.acc161 == pytest.approx(1 / 3) and rec.median_km == pytest.approx(off)
    assert totals.exact.tp == 3 and totals.overlap.tp == 4


# --------------------------------------------------------------------------- runner


PLACES = {
    "Paris": (48.85, 2.35),
    "Lyon": (45.75, 4.85),
    "Nothing": (40.0, -100.0),  # a false place
}


def fake_parse(article: Article) -> Result:
    """Find the names in PLACES by plain search; "Lyon" is resolved to Lyons, Kansas on purpose."""
    places = []
    for name, (lat, lon) in PLACES.items():
        start = article.text.find(name)
        while start != -1:
            if name == "Lyon":
                lat, lon = 38.35, -98.20
            mention = Mention(start, start + len(name), name)
            place = Place(name, lat, lon, None, "city")
            places.append(PlaceMention(mention, place))
            start = article.text.find(name, start + 1)
    places.append(PlaceMention(Mention(0, 5, "Title", field="title"), None))  # must be ignored
    return Result(article=article, places=places)


def _gwn_docs() -> list[GoldDoc]:
    return list(corpora.parse_gwn(GWN_SAMPLE))


def test_evaluate_docs_with_fake_parser() -> None:
    seen: list[Article] = []

    def parse(article: Article) -> Result:
        seen.append(article)
        return fake_parse(article)

    report = runner.evaluate_docs("gwn", _gwn_docs(), parse, errors=5)
    assert seen[0].title == "" and seen[0].lang == "en"  # warm-up call
    assert len(seen) == 3  # warm-up + 2 documents
    t = report.totals
    assert (t.n_gold, t.n_pred, t.tp_exact) == (3, 4, 3)
    assert t.exact.recall == 1.0 and t.exact.precision == 0.75
    e2e = t.end_to_end
    assert e2e.n == 3 and e2e.acc161 == pytest.approx(1 / 3)
    assert [c.text for c in report.spurious] == ["Nothing"]
    assert report.missed == []
    (far,) = report.far_off
    assert far.text == "Lyon" and far.count == 2 and far.km > 7000
    assert report.n_docs == 2 and report.n_tokens == 16 and report.docs_per_second
    table = report.to_table()
    assert "gwn" in table and "spurious" in table and "Lyon" in table
    data = json.loads(json.dumps(report.to_dict()))
    assert data["exact"]["tp"] == 3 and data["errors"]["far_off"][0]["pred_name"] == "Lyon"
    assert "gwn" in runner.summary_table([report])


def test_evaluate_reports_missed_and_parser_failures() -> None:
    docs = [GoldDoc("d1", "In Ulm und um Ulm herum.", "de", [GoldSpan(3, 6, "Ulm"), GoldSpan(14, 17, "Ulm")])]

    def broken(article: Article) -> Result:
        raise ValueError("boom")

    report = runner.evaluate_docs("x", docs, broken, warmup=False)
    assert report.n_failed == 1 and "boom" in report.notes[0]
    (missed,) = report.missed
    assert missed.text == "Ulm" and missed.count == 2 and "[Ulm]" in missed.context


def _fake_eval_dir(tmp_path: Path) -> Path:
    root = tmp_path / "eval"
    (root / "GeoWebNews").mkdir(parents=True)
    (root / "GeoWebNews" / "GWN.xml").write_text(GWN_SAMPLE, encoding="utf-8")
    return root


def test_evaluate_by_name_from_eval_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(corpora.EVAL_DIR_ENV, str(_fake_eval_dir(tmp_path)))
    report = runner.evaluate("gwn", fake_parse, limit=1)
    assert report.n_docs == 1 and report.totals.n_gold == 3
    assert any("dropped" in n for n in report.notes)
    with pytest.raises(EvalDataMissing):
        runner.evaluate("mobie-dev", fake_parse)


def test_cli_skips_without_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(corpora.EVAL_DIR_ENV, str(tmp_path / "absent"))
    assert runner.main([]) == 0
    assert "skipped: ../shared/eval not found" in capsys.readouterr().out


def test_cli_runs_with_fake_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(corpora.EVAL_DIR_ENV, str(_fake_eval_dir(tmp_path)))
    out_json = tmp_path / "r.json"
    code = runner.main(
        ["gwn", "mobie-dev", "--errors", "2", "--json", str(out_json)],
        make_parse=lambda: runner.ParserUnderTest(fake_parse, 0.01),
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "mobie-dev: skipped" in out and "e2e@161" in out and "worst far off" in out
    payload = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["dataset"] for r in payload["reports"]] == ["gwn"]
    assert runner.main(["nope"], make_parse=lambda: runner.ParserUnderTest(fake_parse, 0.0)) == 2


def test_register_adds_eval_subcommand() -> None:
    parser = argparse.ArgumentParser(prog="geoapp")
    sub = parser.add_subparsers(dest="command")
    runner.register(sub)
    args = parser.parse_args(["eval", "gwn", "germeval-dev", "--limit", "5", "--errors", "3"])
    assert args.command == "eval" and args.datasets == ["gwn", "germeval-dev"]
    assert args.limit == 5 and args.errors == 3 and args.func is runner.run


def test_adjective_references_count_where_the_corpus_annotates_them() -> None:
    """GeoWebNews counts "Russian" in "Russian troops" as a toponym: result.adjectives are scored
    with the places there (and the places-only score is kept beside them), nowhere else."""
    text = "Russian troops left Kyiv."
    doc = GoldDoc(
        "d1",
        text,
        "en",
        [
            GoldSpan(0, 7, "Russian", 61.5, 105.3, "Non_Literal_Modifier"),
            GoldSpan(20, 24, "Kyiv", 50.45, 30.52),
        ],
    )

    def parse(article: Article) -> Result:
        kyiv = PlaceMention(Mention(20, 24, "Kyiv"), Place("Kyiv", 50.45, 30.52, "UA", "city"))
        russian = PlaceMention(
            Mention(0, 7, "Russian", "demonym"), Place("Russia", 61.5, 105.3, "RU", "country"), ("adjective",)
        )
        return Result(article=article, places=[kyiv], adjectives=[russian])

    with_adj = runner.evaluate_docs("gwn", [doc], parse, adjectives=True)
    assert with_adj.totals.exact.f1 == 1.0 and with_adj.totals.end_to_end.acc161 == 1.0
    assert with_adj.places_only is not None and with_adj.places_only.exact.recall == 0.5
    assert "gwn:places" in runner.summary_table([with_adj])
    plain = runner.evaluate_docs("germeval-dev", [doc], parse)
    assert plain.totals.exact.recall == 0.5 and plain.places_only is None
    assert corpora.DATASETS["gwn"].annotates_adjectives
    assert not corpora.DATASETS["germeval-dev"].annotates_adjectives


def test_metonymy_flag_is_scored_against_the_gold_type() -> None:
    text = "Moscow said it. Rain fell in Paris."
    doc = GoldDoc(
        "m1",
        text,
        "en",
        [
            GoldSpan(0, 6, "Moscow", 55.75, 37.62, "Metonymic"),
            GoldSpan(29, 34, "Paris", 48.85, 2.35, "Literal"),
        ],
    )

    def parse(article: Article) -> Result:
        flag = ("metonymy",)
        moscow = PlaceMention(Mention(0, 6, "Moscow"), Place("Moscow", 55.75, 37.62, "RU", "city"), flag)
        paris = PlaceMention(Mention(29, 34, "Paris"), Place("Paris", 48.85, 2.35, "FR", "city"), flag)
        return Result(article=article, places=[moscow, paris])

    report = runner.evaluate_docs("gwn", [doc], parse)
    assert report.metonymy is not None
    assert (report.metonymy.tp, report.metonymy.n_pred, report.metonymy.n_gold) == (1, 2, 1)
    assert "metonymy" in report.to_table() and report.to_dict()["metonymy"]["precision"] == 0.5
    assert runner.evaluate_docs("gwn", _gwn_docs(), fake_parse).metonymy is not None  # typed gold
    plain = [GoldDoc("x", text, "de", [GoldSpan(29, 34, "Paris")])]
    assert runner.evaluate_docs("germeval-dev", plain, parse).metonymy is None  # no typed gold
