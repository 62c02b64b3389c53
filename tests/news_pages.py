"""News pages written for the tests: an article body among the clutter of a real news site.

Every page here is made up (no real page is copied). Each has what a news site wraps around its
article: a cookie banner, a header menu naming cities ("Paris, Rom, Madrid"), breadcrumbs, a share
bar, a "most read" sidebar, a newsletter box, a related-links list, reader comments and a footer
listing the outlet's offices. The places of the clutter (:data:`CLUTTER_PLACES_DE` and
:data:`CLUTTER_PLACES_EN`) must never reach the extracted text; the body's
(:data:`BODY_PLACES_DE` and :data:`BODY_PLACES_EN`) must.
"""

from __future__ import annotations

import html

BODY_PLACES_DE = ("Marrakesch", "Atlasgebirge", "Al Haouz", "Rabat", "Casablanca")
CLUTTER_PLACES_DE = ("Paris", "Rom", "Madrid", "Lissabon", "Oslo", "Kairo", "Hamburg", "München", "Tokio")

BODY_PLACES_EN = ("Kherson", "Dnipro", "Mykolaiv", "Odesa")
CLUTTER_PLACES_EN = ("London", "Manchester", "Glasgow", "Dublin", "Sydney", "Toronto", "Lagos")

_DE_PARAGRAPHS = (
    "Marrakesch – Zwei Tage nach dem schweren Erdbeben im Atlasgebirge suchen Rettungskräfte in der "
    "Provinz Al Haouz weiter nach Verschütteten. Viele Bergdörfer sind nur über schmale Pisten zu "
    "erreichen, die von Felsstürzen blockiert wurden.",
    "Die Regierung in Rabat rief eine dreitägige Staatstrauer aus. Nach Angaben des Innenministeriums "
    "wurden mehr als zweitausend Menschen verletzt; in den Krankenhäusern von Marrakesch fehlen Betten "
    "und Blutkonserven.",
    "Aus Casablanca brachen am Sonntagmorgen Konvois mit Zelten, Decken und Trinkwasser auf. Helfer "
    "berichteten, dass in einigen Tälern seit dem Beben kein Strom mehr fließt.",
    "Seismologen zufolge lag das Zentrum des Bebens in rund achtzehn Kilometern Tiefe. Nachbeben "
    "seien in den kommenden Wochen wahrscheinlich, warnte das nationale Institut für Geophysik.",
)

_EN_PARAGRAPHS = (
    "Kherson – Shelling overnight cut power to large parts of Kherson, regional officials said on "
    "Tuesday, as repair crews worked under the threat of further strikes.",
    "The regional governor said two people were wounded when a shell hit a bus stop near the river "
    "port. Emergency services in Mykolaiv sent generators and a field kitchen.",
    "Further east, air defence units shot down drones approaching Dnipro, the air force reported. "
    "Debris damaged a warehouse but caused no casualties.",
    "Grain shipments from Odesa continued despite the attacks, according to the port authority, "
    "which said three vessels left the harbour on Monday.",
)


def _menu(items: tuple[str, ...]) -> str:
    return "".join(f'<li class="nav-item"><a href="/{i.lower()}">{html.escape(i)}</a></li>' for i in items)


def _links(items: tuple[str, ...], prefix: str) -> str:
    return "".join(f'<li><a href="/{prefix}/{n}">{html.escape(t)}</a></li>' for n, t in enumerate(items))


def news_page_de(*, title: str = "Erdbeben in Marokko: Helfer erreichen abgelegene Dörfer") -> str:
    """A German news article inside a full site layout, with metadata in ``<head>``."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in _DE_PARAGRAPHS)
    esc = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>{esc} | Morgenblatt Beispielstadt</title>
<meta property="og:site_name" content="Morgenblatt Beispielstadt">
<meta property="og:title" content="{esc}">
<meta property="article:published_time" content="2023-09-10T08:15:00+02:00">
<meta name="author" content="Lena Beispiel">
<link rel="canonical" href="https://morgenblatt.example/welt/erdbeben-marokko-123">
<script>window.dataLayer = [{{"ressort": "Paris Rom Madrid"}}];</script>
<style>.cookie {{ position: fixed }}</style>
</head>
<body>
<div id="cookie-banner" class="cookie consent-banner">
  <p>Wir verwenden Cookies, um Inhalte zu personalisieren. Mit Klick auf Akzeptieren stimmen Sie zu.</p>
  <button>Akzeptieren</button> <button>Einstellungen</button>
</div>
<header class="site-header">
  <a class="logo" href="/">Morgenblatt</a>
  <nav class="main-nav" aria-label="Hauptmenü"><ul>
    {_menu(("Politik", "Wirtschaft", "Sport", "Paris", "Rom", "Madrid", "Wetter"))}
  </ul></nav>
</header>
<nav class="breadcrumb"><a href="/">Start</a> ›
  <a href="/welt">Welt</a> › <a href="/welt/afrika">Afrika</a></nav>
<main>
<article class="article">
  <h1 class="headline">{esc}</h1>
  <div class="byline">Von Lena Beispiel · <time datetime="2023-09-10T08:15">10.09.2023, 08:15 Uhr</time></div>
  <div class="share-bar"><a href="#">Teilen</a> <a href="#">Drucken</a>
  <a href="#">Lissabon-Newsletter</a></div>
  {body}
  <figure><img src="/img/1.jpg" alt=""><figcaption>Zerstörte Häuser in einem Bergdorf.</figcaption></figure>
</article>
<section class="related"><h2>Mehr zum Thema</h2><ul>
  {_links(("Streik legt Flughafen Lissabon lahm", "Hitzewelle in Kairo", "Neue Brücke für Oslo"), "thema")}
</ul></section>
<section id="comments" class="comments"><h2>Kommentare (2)</h2>
  <div class="comment"><p class="comment-author">leser_42</p>
  <p>Ich war letztes Jahr in Tokio, da gab es auch ein Beben. Schlimm!</p></div>
  <div class="comment"><p class="comment-author">nordlicht</p>
  <p>Spenden kann man auch über die Stadtwerke Hamburg, die haben ein Konto eingerichtet.</p></div>
</section>
</main>
<aside class="sidebar"><h3>Meistgelesen</h3><ol>
  {_links(("Mieten in München steigen weiter", "Tokio: Olympia-Bilanz", "Oslo baut neue Oper"), "top")}
</ol>
<div class="newsletter"><h3>Newsletter</h3><p>Das Wichtigste aus Hamburg und der Welt, jeden Morgen.</p>
<form><input type="email" placeholder="E-Mail"><button>Abonnieren</button></form></div>
</aside>
<footer class="site-footer">
  <ul>{_menu(("Impressum", "Datenschutz", "Kontakt", "Abo"))}</ul>
  <p>Redaktionen in Hamburg, München und Kairo · © 2023 Morgenblatt Beispielstadt</p>
</footer>
</body>
</html>
"""


def news_page_en(*, title: str = "Kherson without power after overnight shelling") -> str:
    """An English news article inside a site layout; metadata in JSON-LD rather than meta tags."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in _EN_PARAGRAPHS)
    esc = html.escape(title)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc} - The Example Courier</title>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{esc}", "datePublished": "2024-02-06T07:30:00Z",
 "publisher": {{"@type": "Organization", "name": "The Example Courier"}}}}</script>
</head><body>
<div class="cookie-notice">We use cookies to improve your experience.
<a href="/privacy">Manage preferences</a></div>
<header><nav class="menu"><ul>
{_menu(("News", "World", "London", "Manchester", "Glasgow", "Sport"))}</ul></nav></header>
<div class="layout"><div class="content">
<article><h1>{esc}</h1><p class="dateline">6 February 2024</p>{body}</article>
<div class="related-links"><h3>Related</h3><ul>
{_links(("Dublin rents hit record", "Floods in Sydney", "Toronto mayor resigns"), "related")}</ul></div>
<div class="comments-area"><h3>Comments</h3>
<ul><li class="comment">Greetings from Lagos, stay safe.</li></ul></div>
</div>
<aside class="sidebar"><h3>Most read</h3>
<ul>{_links(("Glasgow council strike", "London marathon"), "most")}</ul></aside>
</div>
<footer><p>The Example Courier, offices in London and Dublin.</p><a href="/terms">Terms</a></footer>
</body></html>
"""
