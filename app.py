"""geoapp's Streamlit app: pick sample articles or paste text, see the map and the table of places.

Run with ``streamlit run app.py``. A thin layer: every computation is in the ``geoapp`` library.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from geoapp.articles import ArticleError, article_from_text, read_articles
from geoapp.frames import filter_frames, links_frame, places_frame
from geoapp.maps import build_map, map_html
from geoapp.pipeline import Geoparser

SEEDS = Path(__file__).resolve().parent / "seeds"


@st.cache_resource(show_spinner="Loading the gazetteer …")
def parser() -> Geoparser:
    return Geoparser()


@st.cache_data(show_spinner=False)
def seed_articles() -> tuple[list, list[str]]:
    errors: list[ArticleError] = []
    articles = list(read_articles([SEEDS], errors))
    return articles, [str(e) for e in errors]


@st.cache_data(show_spinner="Finding places …")
def parse(articles: tuple) -> list:
    gp = parser()
    return [gp.parse(a) for a in articles]


def main() -> None:
    st.set_page_config(page_title="geoapp", layout="wide")
    st.title("geoapp — places in the news")
    source = st.sidebar.radio("Articles", ["Sample articles", "Paste text"], key="source")
    if source == "Sample articles":
        articles, errors = seed_articles()
        for message in errors:
            st.warning(message)
        labels = {a.id: f"{a.title[:70]} ({a.lang})" for a in articles}
        chosen = st.sidebar.multiselect(
            "Show articles", list(labels), default=list(labels), format_func=labels.get, key="articles"
        )
        selected = tuple(a for a in articles if a.id in chosen)
    else:
        text = st.sidebar.text_area("Article text (first line is the title)", height=250, key="pasted")
        selected = (article_from_text(text),) if text.strip() else ()
    if not selected:
        st.info("Choose at least one article, or paste some text.")
        return
    results = parse(selected)
    places, links = filter_frames(places_frame(results), links_frame(results))
    st.caption(f"{len(results)} articles · {len(places)} places · {int(places['mentions'].sum())} mentions")
    if places.empty:
        st.info("No places found in the chosen articles.")
        return
    m = build_map(places, links, title=None, tiles="openstreetmap")
    components.html(map_html(m, self_contained=True), height=560)
    table = places[
        ["article_id", "name", "feature", "country_code", "lat", "lon", "mentions", "source", "why"]
    ]
    st.dataframe(table, hide_index=True, use_container_width=True)


main()
