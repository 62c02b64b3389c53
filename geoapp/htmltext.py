"""The text a browser shows of an HTML page, read in one linear pass.

Why not :class:`html.parser.HTMLParser`: on Python 3.11 it rescans to the end of the input at every
``<`` it cannot finish (``<a<a<a…``, ``<!--<!--…``), so 400 kB of such input took minutes, and at the
end of the input it hands an unclosed ``<!--`` comment, ``<![CDATA[`` section or tag back as visible
text. Here every construct is found with one forward search; a construct that is not closed before
the end of the input takes the rest of the input with it, as it does in a browser (an unclosed
comment, script, quoted attribute value or tag hides everything after it).

Simplified from the HTML5 tokenizer, which is enough for news pages: raw-text elements (``script``,
``style``, …) end at their own end tag; ``<![CDATA[`` ends at ``]]>``; other ``<!…>``, ``<?…>`` and
``</ …>`` are bogus comments ending at the next ``>``; a ``<`` not followed by a letter, ``!``,
``/`` or ``?`` is text.
"""

from __future__ import annotations

import html
import re
from collections import Counter

#: Elements whose content is never shown as page text.
_HIDDEN = frozenset(
    {"script", "style", "head", "noscript", "template", "svg", "iframe", "noembed", "noframes"}
)
#: Elements whose content is raw text up to their own end tag (no tags or comments inside).
_RAWTEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript"})
#: Like raw text, but character references are decoded (``&amp;`` in a title).
_RCDATA = frozenset({"title", "textarea"})
#: What may stand in ``<head>``; any other start tag means the page's body has begun.
_HEAD_CONTENT = frozenset(
    {"title", "meta", "link", "script", "style", "base", "noscript", "template", "head", "html"}
)
_BLOCK = frozenset(
    "p div br li h1 h2 h3 h4 h5 h6 tr section article blockquote header footer ul ol table figcaption "
    "pre".split()
)

_MARKUP_RE = re.compile(r"<[A-Za-z!/?]")
_COMMENT_END_RE = re.compile(r"--!?>")
_TAG_NAME_RE = re.compile(r"[A-Za-z][^\t\n\f\r />]*")
# The rest of a tag after its name: quoted attribute values may hold ">"; a quote that opens a value
# and is never closed runs to the end of the input (no match). Possessive, so a failed match costs
# one pass and never backtracks.
_TAG_REST_RE = re.compile(
    r"""(?:[^>=]++|=[\t\n\f\r ]*+"[^"]*+"|=[\t\n\f\r ]*+'[^']*+'|=(?![\t\n\f\r ]*+["']))*+>"""
)
_CHARREF_RE = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_END_TAG_RES: dict[str, re.Pattern[str]] = {}


def _end_tag_re(name: str) -> re.Pattern[str]:
    pattern = _END_TAG_RES.get(name)
    if pattern is None:
        pattern = _END_TAG_RES[name] = re.compile(rf"</{re.escape(name)}[\t\n\f\r />]", re.IGNORECASE)
    return pattern


def _unescape_one(match: re.Match[str]) -> str:
    ref = match.group()
    if not ref.startswith("&#"):
        return html.unescape(ref)
    # html.unescape turns a reference of thousands of digits into an int and fails (Python's
    # 4300-digit limit): any number that long is out of Unicode's range, which shows as U+FFFD.
    hexadecimal = ref[2:3] in ("x", "X")
    digits = ref[3 if hexadecimal else 2 :].rstrip(";").lstrip("0") or "0"
    if len(digits) > 8:
        return "\ufffd"
    return html.unescape(f"&#{'x' if hexadecimal else ''}{digits};")


def unescape(text: str) -> str:
    """Decode character references as a browser does; U+FFFD for numbers out of range."""
    return _CHARREF_RE.sub(_unescape_one, text) if "&" in text else text


class _Page:
    """What the tokenizer found: visible text parts, the title, the first ``<h1>``.

    The open hidden elements are a stack with a count per name, so that no tag costs more than
    constant time however deep the nesting (``<svg>`` a hundred thousand times, then ``</p>``).
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1: str | None = None
        self._h1_parts: list[str] | None = None
        self._hidden: list[str] = []
        self._open: Counter[str] = Counter()

    def _close(self, tag: str) -> None:
        """Close the innermost open ``tag`` and whatever was left open inside it."""
        while self._open[tag]:
            self._open[self._hidden.pop()] -= 1

    def start(self, tag: str) -> None:
        if tag not in _HEAD_CONTENT and self._open["head"]:
            # A missing </head> (or a body element written in the head): the body still shows.
            self._close("head")
        if tag in _HIDDEN:
            self._hidden.append(tag)
            self._open[tag] += 1
        elif tag == "h1" and self.h1 is None:
            self._h1_parts = []
        if tag in _BLOCK:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        if self._open[tag]:
            self._close(tag)
        elif tag == "h1" and self._h1_parts is not None:
            self.h1 = " ".join("".join(self._h1_parts).split())
            self._h1_parts = None
        if tag in _BLOCK:
            self.parts.append("\n")

    def title(self, data: str) -> None:
        # An SVG's <title> is a tooltip, not the page's title.
        if len(self._hidden) == self._open["head"]:
            self.title_parts.append(data)

    def text(self, data: str) -> None:
        if data and not self._hidden:
            self.parts.append(data)
            if self._h1_parts is not None:
                self._h1_parts.append(data)


def _tokenize(source: str, page: _Page) -> None:
    """Feed ``page`` with the tags and text of ``source``; linear in ``len(source)``."""
    pos, n = 0, len(source)
    while pos < n:
        found = _MARKUP_RE.search(source, pos)
        if found is None:
            page.text(unescape(source[pos:]))
            return
        start = found.start()
        page.text(unescape(source[pos:start]))
        if source.startswith("<!--", start):
            if source.startswith(("<!-->", "<!--->"), start):
                pos = source.index(">", start + 4) + 1
                continue
            end = _COMMENT_END_RE.search(source, start + 4)
            if end is None:
                return  # an unclosed comment hides the rest
            pos = end.end()
            continue
        if source.startswith("<![CDATA[", start):
            end_at = source.find("]]>", start + 9)
            if end_at < 0:
                return
            pos = end_at + 3
            continue
        closing = source.startswith("</", start)
        name_at = start + 2 if closing else start + 1
        name = _TAG_NAME_RE.match(source, name_at)
        if name is None:
            # "<!x", "<?x", "</ x": a bogus comment up to the next ">"; "</>" is dropped.
            end_at = source.find(">", start + 2)
            if end_at < 0:
                return
            pos = end_at + 1
            continue
        rest = _TAG_REST_RE.match(source, name.end())
        if rest is None:
            return  # a tag (or a quoted value in it) not closed before the end: nothing more shows
        tag = name.group().lower()
        pos = rest.end()
        if closing:
            page.end(tag)
            continue
        page.start(tag)
        if tag == "plaintext":
            page.text(source[pos:])
            return
        if tag in _RAWTEXT or tag in _RCDATA:
            end = _end_tag_re(tag).search(source, pos)
            content_end = end.start() if end else n
            content = source[pos:content_end]
            if tag == "title":
                page.title(unescape(content))
            elif tag == "textarea":
                page.text(unescape(content))
            # The end tag itself is read on the next round; without one the element runs to the end.
            pos = content_end
            if end is None:
                return


def html_to_text(source: str) -> tuple[str, str]:
    """``(title, visible_text)`` of an HTML page; paragraphs separated by blank lines."""
    page = _Page()
    _tokenize(source, page)
    raw = "".join(page.parts)
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    text = "\n\n".join(line for line in lines if line)
    title = " ".join("".join(page.title_parts).split()) or page.h1 or ""
    return title, text
