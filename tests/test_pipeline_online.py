"""The online path through the whole pipeline: a mention the gazetteer cannot place is asked of a
Nominatim server on 127.0.0.1 once, cached, and credited on the map."""

from __future__ import annotations

from nominatim_server import FakeNominatim, _place

from geoapp.frames import links_frame, places_frame
from geoapp.maps import build_map, map_html
from geoapp.model import Article
from geoapp.pipeline import Geoparser
from geoapp.settings import load_settings

TEXT = (
    "PARIS, Texas — A tornado hit Paris, Texas, on Tuesday. A ranch in Loving County, far to the west, "
    "was hit shortly after 9 p.m., the National Weather Service said."
)


def test_unresolved_mention_goes_online_once_then_cache(tmp_path):
    places = {
        # the gazetteer keeps counties named with their noun from 2,000 people; Loving County has 64
        "loving county": [
            _place(
                9,
                "Loving County",
                31.849,
                -103.580,
                "us",
                "boundary",
                "administrative",
                "county",
                0.5,
                state="Texas",
            )
        ]
    }
    article = Article(id="tx", title="", text=TEXT, lang="en")
    with FakeNominatim(places) as server:
        settings = load_settings(
            geocoder="online",
            nominatim_url=server.url,
            user_agent="geoapp-tests (tests@example.org)",
            cache_dir=tmp_path,
            min_delay_seconds=0.0,
        )
        first = Geoparser(settings).parse(article)
        (county,) = [pm for pm in first.places if pm.mention.text == "Loving County"]
        assert county.place is not None and county.place.source == "nominatim"
        assert abs(county.place.lat - 31.849) < 0.01
        asked = len(server.search_requests)
        assert asked == 1
        # A second run (a new parser, as a colleague's run would be) asks nothing again.
        second = Geoparser(settings).parse(article)
        (again,) = [pm for pm in second.places if pm.mention.text == "Loving County"]
        assert again.place.source == "cache" and len(server.search_requests) == asked
    html = map_html(build_map(places_frame([second]), links_frame([second]), tiles=None))
    assert "OpenStreetMap contributors" in html


def test_offline_leaves_it_unresolved(tmp_path):
    article = Article(id="tx", title="", text=TEXT, lang="en")
    result = Geoparser(load_settings(geocoder="offline", cache_dir=tmp_path)).parse(article)
    (county,) = [pm for pm in result.places if pm.mention.text == "Loving County"]
    assert county.place is None
    record = result.to_record()["places"]
    assert record[[p["text"] for p in record].index("Loving County")]["lat"] is None
