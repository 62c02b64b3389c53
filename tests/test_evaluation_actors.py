"""Tests of the actor and link evaluation: loaders on tiny hand-made records in the devnews and re3d
formats, each matching rule on fake Results built from geoapp.model, and the CLI on a fake eval folder.
Only the last tests read ../shared/eval, and they skip when it is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geoapp.evaluation import actorcorpora, actorreport, corpora, runner
from geoapp.evaluation.actorcorpora import GoldActorMention, GoldLink, NewsDoc, is_named
from geoapp.evaluation.actors import (
    fold,
    names_agree,
    score_news_actors,
    score_news_links,
    score_re3d,
    surface_agrees,
)
from geoapp.evaluation.corpora import EvalDataMissing, GoldSpan
from geoapp.model import Actor, ActorMention, Article, Link, Mention, Place, PlaceMention, Result

PARIS = (48.86, 2.35)
LYON = (45.76, 4.84)  # about 390 km from Paris
MALI = (17.57, -4.0)

# --------------------------------------------------------------------------- building blocks


def span(text: str, surface: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of ``surface`` in ``text``."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(surface, pos + 1)
    return pos, pos + len(surface)


def sentence(text: str, nth: int) -> tuple[int, int]:
    """Offsets of the nth sentence (split at ". ")."""
    start = 0
    for _ in range(nth):
        start = text.index(". ", start) + 2
    end = text.find(". ", start)
    return start, (len(text) if end == -1 else end + 1)


def am(text: str, surface: str, name: str, kind: str, nth: int = 0, mkind: str = "actor") -> ActorMention:
    s, e = span(text, surface, nth)
    return ActorMention(Mention(s, e, surface, mkind), Actor(name, kind))


def pm(text: str, surface: str, latlon: tuple[float, float], nth: int = 0) -> PlaceMention:
    s, e = span(text, surface, nth)
    return PlaceMention(Mention(s, e, surface), Place(surface, latlon[0], latlon[1], None, "city"))


def link(
    text: str,
    actor: str,
    kind: str,
    place: str,
    latlon: tuple[float, float],
    sent: int,
    relation: str = "visit",
    place_surface: str | None = None,
    actor_surface: str | None = None,
) -> Link:
    s, e = sentence(text, sent)
    pl = Place(place, latlon[0], latlon[1], None, "city", geonameid=abs(hash(place)) % 10**6)
    place_mention = actor_mention = None
    if place_surface:
        ps, pe = span(text[s:e], place_surface)
        place_mention = Mention(s + ps, s + pe, place_surface)
    if actor_surface:
        as_, ae = span(text[s:e], actor_surface)
        actor_mention = Mention(s + as_, s + ae, actor_surface, "actor")
    return Link(
        Actor(actor, kind),
        pl,
        relation,
        Mention(s, e, text[s:e], "sentence"),
        "d",
        place_mention,
        actor_mention,
    )


def result(text: str, actors=(), places=(), links=()) -> Result:  # type: ignore[no-untyped-def]
    return Result(Article("d", "", text), list(places), list(actors), list(links))


# A small article in the devnews shape (own text).
TEXT = (
    "Merkel flew to Paris. Macron met her there. Germany's troops left Mali. "
    "France said Mali is calm. Russian jets flew."
)


def news_doc() -> NewsDoc:
    t = TEXT
    top = [
        GoldSpan(*span(t, "Paris"), "Paris", *PARIS, "city"),
        GoldSpan(*span(t, "Germany"), "Germany", 51.0, 10.0, "country"),
        GoldSpan(*span(t, "Mali"), "Mali", *MALI, "country"),
        GoldSpan(*span(t, "France"), "France", 46.0, 2.0, "country"),
        GoldSpan(*span(t, "Mali", 1), "Mali", *MALI, "country"),
    ]
    actors = [
        GoldActorMention(*span(t, "Merkel"), "Merkel", "Angela Merkel", "person"),
        GoldActorMention(*span(t, "Macron"), "Macron", "Emmanuel Macron", "person"),
        GoldActorMention(*span(t, "France"), "France", "France", "country"),
    ]
    paris = span(t, "Paris")
    links = [
        GoldLink("Angela Merkel", "person", ("Merkel",), "Paris", *paris, *PARIS, "visit", *sentence(t, 0)),
        GoldLink(
            "Emmanuel Macron",
            "person",
            ("Macron",),
            "Paris",
            *paris,
            *PARIS,
            "meeting",
            sentence(t, 0)[0],
            sentence(t, 1)[1],
            cross_sentence=True,
        ),
        GoldLink(
            "France", "country", ("France",), "Mali", *span(t, "Mali", 1), *MALI, "statement", *sentence(t, 3)
        ),
    ]
    extra = [
        GoldLink(
            "Emmanuel Macron",
            "person",
            ("Macron",),
            "Mali",
            *span(t, "Mali"),
            *MALI,
            "troops",
            sentence(t, 1)[0],
            sentence(t, 2)[1],
            cross_sentence=True,
            extra=True,
        )
    ]
    demonyms = [GoldSpan(*span(t, "Russian"), "Russian", type="demonym")]
    return NewsDoc("d", "en", t, top, demonyms, actors, links, extra)


# --------------------------------------------------------------------------- names


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("Mevlüt Çavuşoğlu") == fold("mevlut cavusoglu") == "mevlut cavusoglu"
    assert fold("People’s Liberation Army") == fold("People's Liberation-Army")
    assert fold(None) == "" and fold("  ") == ""


def test_names_agree_by_alias_and_by_surname_for_persons_only() -> None:
    aliases = ["Sergey Lavrov", "Sergej Lawrow", "Lawrow"]
    assert names_agree("lawrow", aliases, person=True)  # alias, case-folded
    assert names_agree("Sergei Lawrow", aliases, person=True)  # surname of an alias
    assert not names_agree("Sergei Lawrow", aliases, person=False)
    assert not names_agree("Sergei Ivanov", aliases, person=True)
    assert names_agree("EU", ["European Union", "EU"], person=False)
    assert not names_agree("Union", ["European Union", "EU"], person=False)
    assert not names_agree("", aliases, person=True)


def test_surface_agreement_for_re3d_sources() -> None:
    assert surface_agrees("Syrian Democratic Forces", "the Syrian Democratic Forces", person=False)
    assert not surface_agrees("Forces", "the Syrian Democratic Forces", person=False)
    assert surface_agrees("Philip Hammond", "Foreign Secretary Philip Hammond", person=True)
    assert not surface_agrees("Philip Hammond", "Foreign Secretary Philip Hammond", person=False)


# --------------------------------------------------------------------------- devnews actors


def test_actor_mentions_overlap_type_and_causes() -> None:
    t = TEXT
    title_mention = ActorMention(Mention(0, 6, "Merkel", "actor", "title"), Actor("Angela Merkel", "person"))
    preds = [
        am(t, "Merkel", "Angela Merkel", "person"),
        am(t, "Macron met", "Macron", "organisation"),  # overlaps gold, wrong type
        am(t, "Germany", "Germany", "country"),  # a possessor: toponym only
        am(t, "France", "France", "country"),
        am(t, "Russian", "Russia", "country", mkind="demonym"),
        title_mention,  # the parser saw no title; such mentions are ignored
    ]
    score = score_news_actors(news_doc(), result(t, actors=preds))
    m = score.mentions
    assert (m.tp, m.n_pred, m.n_gold) == (3, 5, 3)
    assert (
        score.typed.tp == 2 and score.by_type["person"].tp == 1 and score.by_type["organisation"].n_gold == 0
    )
    causes = {(e.kind, e.cause) for e in score.errors}
    assert ("false-actor", "demonym as actor") in causes
    assert ("false-actor", "toponym not acting (location/possessor/patient)") in causes
    assert ("actor-type", "person as organisation") in causes
    # distinct actors: Angela Merkel, Macron (= alias), France agree; Germany and Russia do not
    d = score.actors
    assert (d.tp, d.n_pred, d.n_gold) == (3, 5, 3)
    assert score.actors_by_type["person"].tp == 1  # "Macron" was predicted as an organisation


def test_actor_mentions_match_one_to_one() -> None:
    text = "Kerry and Lavrov met."
    doc = NewsDoc(
        "d",
        "en",
        text,
        actors=[
            GoldActorMention(*span(text, "Kerry"), "Kerry", "John Kerry", "person"),
            GoldActorMention(*span(text, "Lavrov"), "Lavrov", "Sergey Lavrov", "person"),
        ],
    )
    score = score_news_actors(doc, result(text, actors=[am(text, "Kerry and Lavrov", "Kerry", "person")]))
    assert (score.mentions.tp, score.mentions.n_pred, score.mentions.n_gold) == (1, 1, 2)
    assert [e.text for e in score.errors if e.kind == "missed-actor"] == ["Lavrov"]


# --------------------------------------------------------------------------- devnews links


def test_link_by_place_overlap_and_by_161_km_rule() -> None:
    t = TEXT
    preds = [
        link(t, "Angela Merkel", "person", "Paris", PARIS, 0, "visit", place_surface="Paris"),
        # no place mention: Paris by coordinates, the sentence overlaps the gold evidence
        link(t, "Macron", "person", "Paris", PARIS, 1, "mentioned with"),
    ]
    s = score_news_links(news_doc(), result(t, links=preds))
    assert (s.strict.pairs.tp, s.strict.pairs.n_pred, s.strict.pairs.n_gold) == (2, 2, 3)
    assert s.strict.relation_ok == 1  # "mentioned with" is not "meeting"
    assert sorted(s.strict.relations) == [("meeting", "mentioned with"), ("visit", "visit")]
    far = [link(t, "Macron", "person", "Lyon", LYON, 1, "meeting")]
    assert score_news_links(news_doc(), result(t, links=far)).strict.pairs.tp == 0
    elsewhere = [link(t, "Macron", "person", "Paris", PARIS, 3, "meeting")]  # sentences do not overlap
    assert score_news_links(news_doc(), result(t, links=elsewhere)).strict.pairs.tp == 0


def test_link_actor_by_surname_not_by_other_person() -> None:
    t = TEXT
    ok = [link(t, "A. Merkel", "person", "Paris", PARIS, 0, place_surface="Paris")]
    assert score_news_links(news_doc(), result(t, links=ok)).strict.pairs.tp == 1
    wrong = [link(t, "Angela Schmidt", "person", "Paris", PARIS, 0, place_surface="Paris")]
    s = score_news_links(news_doc(), result(t, links=wrong))
    assert s.strict.pairs.tp == 0
    assert {e.cause for e in s.errors if e.kind == "false-link"} == {"actor: no gold actor"}


def test_false_link_cause_names_what_the_actor_mention_is() -> None:
    t = TEXT
    possessor = link(t, "Germany", "country", "Mali", MALI, 2, "troops", "Mali", actor_surface="Germany")
    cooccurrence = link(t, "France", "country", "Paris", PARIS, 0, "mentioned with", "Paris", "Merkel")
    s = score_news_links(news_doc(), result(t, links=[possessor, cooccurrence]))
    causes = sorted(e.cause for e in s.errors if e.kind == "false-link")
    assert causes == [
        "actor mention is no gold actor: toponym not acting (location/possessor/patient)",
        "actor named 'France', gold says 'Angela Merkel'",
    ]


def test_links_are_unique_pairs_matched_one_to_one() -> None:
    t = TEXT
    preds = [
        link(t, "Angela Merkel", "person", "Paris", PARIS, 0, place_surface="Paris"),
        link(t, "Angela Merkel", "person", "Paris", PARIS, 1),  # same pair, second evidence
        link(t, "Merkel", "person", "Paris", PARIS, 0, place_surface="Paris"),  # another pair, same gold
    ]
    s = score_news_links(news_doc(), result(t, links=preds))
    assert (s.strict.pairs.tp, s.strict.pairs.n_pred) == (1, 2)
    (false,) = [e for e in s.errors if e.kind == "false-link"]
    assert false.cause == "gold pair, evidence elsewhere or already matched"


def test_extra_links_count_only_in_the_extended_score() -> None:
    t = TEXT
    preds = [link(t, "Emmanuel Macron", "person", "Mali", MALI, 2, "troops", place_surface="Mali")]
    s = score_news_links(news_doc(), result(t, links=preds))
    assert (s.strict.pairs.tp, s.strict.pairs.n_gold) == (0, 3)
    assert (s.with_extra.pairs.tp, s.with_extra.pairs.n_gold) == (1, 4) and s.with_extra.relation_ok == 1
    (false,) = [e for e in s.errors if e.kind == "false-link"]
    assert false.cause.startswith("matches an extra_link")


def test_missed_link_causes_and_title_links_ignored() -> None:
    t = TEXT
    title_link = Link(
        Actor("France", "country"),
        Place("Mali", *MALI, "ML", "country"),
        "statement",
        Mention(0, 5, "Title", "sentence", "title"),
        "d",
    )
    res = result(
        t,
        actors=[am(t, "Merkel", "Angela Merkel", "person"), am(t, "France", "France", "country")],
        places=[pm(t, "Paris", PARIS)],
        links=[title_link],
    )
    s = score_news_links(news_doc(), res)
    assert s.strict.pairs.n_pred == 0
    causes = {e.text.split(" (")[0]: e.cause for e in s.errors if e.kind == "missed-link"}
    assert causes["Angela Merkel → Paris"] == "actor and place found, not linked"
    assert causes["Emmanuel Macron → Paris"] == "actor not recognised"
    assert causes["France → Mali"] == "place not recognised"


def test_robust_to_missing_optional_parts() -> None:
    t = TEXT
    bare = Link(
        Actor("Angela Merkel", "person"),
        Place("Paris", *PARIS, "FR", "city"),
        "",
        Mention(0, 21, t[:21]),
        "d",
    )
    s = score_news_links(news_doc(), result(t, links=[bare]))
    assert s.strict.pairs.tp == 1 and s.strict.relation_ok == 0


# --------------------------------------------------------------------------- re3d


RE3D_TEXT = (
    "We welcome the deal. The Foreign Secretary met ISIL fighters in Raqqa. Philip Hammond visited Iraq."
)


def _ent(surface: str, kind: str, conf: float = 1.0) -> dict:
    s, e = span(RE3D_TEXT, surface)
    return {"start": s, "end": e, "type": kind, "surface": surface, "confidence": conf}


def _rel(kind: str, src: dict, tgt: dict) -> dict:
    return {
        "type": kind,
        "source_start": src["start"],
        "source_end": src["end"],
        "source_type": src["type"],
        "target_start": tgt["start"],
        "target_end": tgt["end"],
        "target_type": tgt["type"],
        "source": src["surface"],
        "target": tgt["surface"],
        "cue": "",
        "confidence": 1,
    }


def re3d_record(doc_id: str = "r1", source: str = "CENTCOM") -> dict:
    we, sec = _ent("We", "Organisation"), _ent("The Foreign Secretary", "Person")
    isil, raqqa = _ent("ISIL fighters", "Organisation"), _ent("Raqqa", "Location")
    hammond, iraq = _ent("Philip Hammond", "Person", 0.3), _ent("Iraq", "Location")
    return {
        "id": doc_id,
        "source": source,
        "lang": "en",
        "title": "t",
        "url": "u",
        "text": RE3D_TEXT,
        "entities": [we, sec, isil, raqqa, hammond, iraq],
        "relations": [
            _rel("CoLocated", isil, raqqa),  # the one gold link
            _rel("CoLocated", hammond, iraq),  # source below the confidence threshold
            _rel("FightingAgainst", we, raqqa),  # source not named
            _rel("CommWith", sec, isil),  # not a link type, not a Location
        ],
    }


def test_is_named_rule() -> None:
    assert is_named("ISIL fighters") and is_named("The Foreign Secretary") and is_named("US")
    assert is_named("Coalition military forces")  # sentence-initial description: named by the rule
    assert (
        not is_named("We")
        and not is_named("the regime")
        and not is_named("I")
        and not is_named("Our partners")
    )


def test_re3d_named_actors_and_gold_links() -> None:
    doc = actorcorpora.re3d_doc_from_record(re3d_record())
    assert [e.text for e in doc.named_actors] == ["The Foreign Secretary", "ISIL fighters"]
    assert len(doc.actor_entities) == 4
    assert [(r.source.text, r.target.text) for r in doc.gold_links] == [("ISIL fighters", "Raqqa")]


def test_re3d_scores() -> None:
    doc = actorcorpora.re3d_doc_from_record(re3d_record())
    t = RE3D_TEXT
    actors = [
        am(t, "ISIL", "ISIL", "organisation"),
        am(t, "Philip Hammond", "Philip Hammond", "person"),  # unnamed by confidence, still a gold actor
        am(t, "Raqqa", "Raqqa", "organisation"),  # on a Location only
        am(t, "Iraq", "Iraq", "country"),  # countries are counted apart
    ]
    links = [
        link(t, "ISIL", "organisation", "Raqqa", (35.95, 39.0), 1, "troops", "Raqqa", "ISIL"),
        link(
            t, "Secretary", "person", "Raqqa", (35.95, 39.0), 1, "meeting", "Raqqa", "The Foreign Secretary"
        ),
        link(t, "Philip Hammond", "person", "Iraq", (33.0, 44.0), 2, "visit", "Iraq", "Philip Hammond"),
    ]
    s = score_re3d(doc, result(t, actors=actors, links=links))
    assert (s.actor_recall.tp, s.actor_recall.n_gold) == (1, 2)
    assert (s.actor_precision.tp, s.actor_precision.n_pred) == (2, 3)
    assert s.countries == (1, 0, 1)
    assert (s.link_recall.tp, s.link_recall.n_gold) == (1, 1)
    # Hammond's end has confidence 0.3: not checkable; the Secretary→Raqqa link is checkable and wrong
    assert (s.n_links, s.links_checkable, s.links_correct) == (3, 2, 1)


def test_re3d_link_found_by_actor_name() -> None:
    doc = actorcorpora.re3d_doc_from_record(re3d_record())
    t = RE3D_TEXT
    by_name = link(t, "ISIL fighters", "organisation", "Raqqa", (35.95, 39.0), 1, "troops", "Raqqa")
    assert score_re3d(doc, result(t, links=[by_name])).link_recall.tp == 1
    no_place = link(t, "ISIL fighters", "organisation", "Raqqa", (35.95, 39.0), 1, "troops")
    assert score_re3d(doc, result(t, links=[no_place])).link_recall.tp == 0


# --------------------------------------------------------------------------- loaders, split, CLI


def devnews_record(doc_id: str, lang: str) -> dict:
    d = news_doc()
    return {
        "id": doc_id,
        "lang": lang,
        "url": "u",
        "outlet": "o",
        "date": None,
        "title": "t",
        "text": d.text,
        "toponyms": [
            {
                "start": g.start,
                "end": g.end,
                "surface": g.text,
                "name": g.text,
                "country": None,
                "type": g.type,
                "lat": g.lat,
                "lon": g.lon,
            }
            for g in d.toponyms
        ],
        "demonyms": [
            {"start": g.start, "end": g.end, "surface": g.text, "country": "RU"} for g in d.demonyms
        ],
        "actors": [
            {
                "start": a.start,
                "end": a.end,
                "surface": a.text,
                "name": a.name,
                "type": a.type,
                "country": None,
            }
            for a in d.actors
        ],
        "links": [_link_record(lk) for lk in d.links],
        "extra_links": [_link_record(lk) for lk in d.extra_links],
    }


def _link_record(lk: GoldLink) -> dict:
    return {
        "actor": lk.actor,
        "actor_type": lk.actor_type,
        "actor_aliases": list(lk.aliases),
        "place": lk.place,
        "place_start": lk.place_start,
        "place_end": lk.place_end,
        "lat": lk.lat,
        "lon": lk.lon,
        "relation": lk.relation,
        "sentence_start": lk.sentence_start,
        "sentence_end": lk.sentence_end,
        "cross_sentence": lk.cross_sentence,
        **({"cross_via": "np"} if lk.extra else {}),
    }


def test_devnews_loaders_read_actors_links_and_places() -> None:
    lines = [json.dumps(devnews_record("a", "de")), "", json.dumps(devnews_record("b", "en"))]
    docs = list(actorcorpora.parse_devnews(lines))
    assert [d.id for d in docs] == ["a", "b"]
    a = docs[0]
    assert a.actors == news_doc().actors and a.links == news_doc().links
    assert a.extra_links[0].extra and not a.links[0].extra and a.links[1].cross_sentence
    assert [d.id for d in actorcorpora.parse_devnews(lines, lang="en")] == ["b"]
    places = list(corpora.parse_devnews_places(lines, lang="de"))
    assert [p.id for p in places] == ["a"] and len(places[0].spans) == 5
    assert places[0].spans[0].text == "Paris" and places[0].spans[0].lat == PARIS[0]
    assert {"devnews", "devnews-de", "devnews-en"} <= set(
        corpora.DATASETS
    ) and "re3d" in actorcorpora.ACTOR_DATASETS


def test_split_docs_by_position() -> None:
    docs = list("abcde")
    assert corpora.split_docs(docs, "even") == ["a", "c", "e"]
    assert corpora.split_docs(docs, "odd") == ["b", "d"]
    assert corpora.split_docs(docs) == docs
    with pytest.raises(ValueError):
        corpora.split_docs(docs, "thirds")


def _fake_eval_dir(tmp_path: Path) -> Path:
    root = tmp_path / "eval"
    (root / "devnews").mkdir(parents=True)
    (root / "re3d").mkdir()
    recs = [devnews_record("de01", "de"), devnews_record("en01", "en")]
    (root / "devnews" / "articles.jsonl").write_text("\n".join(json.dumps(r) for r in recs) + "\n", "utf-8")
    docs = [re3d_record("r1", "CENTCOM"), re3d_record("r2", "UK Government"), re3d_record("r3", "CENTCOM")]
    (root / "re3d" / "re3d-dev.jsonl").write_text("\n".join(json.dumps(r) for r in docs) + "\n", "utf-8")
    return root


def perfect_parse(article: Article) -> Result:
    """Predicts exactly the devnews gold of the sample article (and nothing for re3d)."""
    if article.text != TEXT:
        return Result(article)
    d = news_doc()
    actors = [ActorMention(Mention(a.start, a.end, a.text, "actor"), Actor(a.name, a.type)) for a in d.actors]
    places = [
        PlaceMention(Mention(g.start, g.end, g.text), Place(g.text, g.lat, g.lon, None, "city"))
        for g in d.toponyms
    ]
    links = [
        Link(
            Actor(g.actor, g.actor_type),
            Place(g.place, g.lat, g.lon, None, "city"),
            g.relation,
            Mention(g.sentence_start, g.sentence_end, TEXT[g.sentence_start : g.sentence_end]),
            article.id,
            Mention(g.place_start, g.place_end, TEXT[g.place_start : g.place_end]),
        )
        for g in d.links
    ]
    return Result(article, places, actors, links)


def test_evaluate_actors_perfect_parser_scores_one(tmp_path: Path) -> None:
    root = _fake_eval_dir(tmp_path)
    report = actorreport.evaluate_actors("devnews", perfect_parse, root=root)
    assert list(report.groups) == ["de", "en", "all"] and report.n_docs == 2
    total = report.total
    assert total.mentions.f1 == 1.0 and total.actors.f1 == 1.0 and total.links.f1 == 1.0
    assert total.relation_accuracy() == 1.0 and total.links_extra.recall == 6 / 8
    assert report.docs_per_second is not None and report.causes == {}  # extra links missed: no strict error


def test_cli_reports_places_actors_and_re3d(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(corpora.EVAL_DIR_ENV, str(_fake_eval_dir(tmp_path)))
    out_json = tmp_path / "r.json"
    make = lambda: runner.ParserUnderTest(perfect_parse, 0.0)  # noqa: E731
    code = runner.main(
        ["devnews-de", "re3d", "--docs", "even", "--errors", "2", "--json", str(out_json)], make
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "e2e@161" in out and "link F1" in out and "named actors" in out and "missed-link by cause" in out
    payload = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["dataset"] for r in payload["reports"]] == ["devnews-de"]
    assert payload["reports"][0]["end_to_end"]["acc161"] == 1.0
    devnews, re3d = payload["actor_reports"]
    assert devnews["groups"]["all"]["links"]["f1"] == 1.0
    assert re3d["docs"] == 2 and set(re3d["groups"]) == {"CENTCOM", "all"}  # even positions: r1, r3
    assert re3d["groups"]["all"]["links"]["gold"] == 2 and re3d["groups"]["all"]["links"]["recall"] == 0.0
    assert len(re3d["errors"]["missed-actor"]) == 2  # grouped and cut at --errors


def test_missing_actor_corpus_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "eval").mkdir()
    with pytest.raises(EvalDataMissing):
        actorreport.evaluate_actors("re3d", perfect_parse, root=tmp_path / "eval")


# --------------------------------------------------------------------------- real corpora (skipped if absent)


def _real_root() -> Path:
    try:
        return corpora.eval_dir()
    except EvalDataMissing as exc:
        pytest.skip(str(exc))


def test_real_devnews_and_re3d_load_with_readme_counts() -> None:
    root = _real_root()
    if not (root / corpora.DEVNEWS_RELPATH).exists() or not (root / actorcorpora.RE3D_RELPATH).exists():
        pytest.skip("devnews or re3d not in the eval folder")
    news = actorreport.load_actor_dataset("devnews", root=root)
    assert len(news) == 24 and sum(len(d.actors) for d in news) == 268
    assert sum(len(d.links) for d in news) == 109 and sum(len(d.extra_links) for d in news) == 9
    for d in news:
        assert all(d.text[a.start : a.end] == a.text for a in d.actors)
        assert all(lk.sentence_start <= lk.place_start < lk.place_end <= lk.sentence_end for lk in d.links)
    re3d = actorreport.load_actor_dataset("re3d", root=root)
    assert len(re3d) == 77 and all(d.named_actors for d in re3d[:5])
    assert len(corpora.load_dataset("devnews-de", root=root)) == 12


def test_real_pipeline_runs_through_the_actor_harness() -> None:
    """The shipped pipeline's Result on two devnews articles goes through every scoring step."""
    root = _real_root()
    if not (root / corpora.DEVNEWS_RELPATH).exists():
        pytest.skip("devnews not in the eval folder")
    parse = runner.real_parser().parse
    report = actorreport.evaluate_actors("devnews", parse, root=root, limit=2)
    assert report.n_failed == 0 and report.total.mentions.n_pred > 0
    assert json.dumps(report.to_dict()) and report.to_table().startswith("== devnews")
