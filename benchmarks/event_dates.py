"""Where the links' event dates come from on devnews, and what each stated date resolved to.

    python benchmarks/event_dates.py

Reads ``devnews/articles.jsonl`` from ``$GEOAPP_EVAL_DIR`` or ``../shared/eval`` (exits with a
note when absent), runs the pipeline offline, and prints how many links take their date from their
sentence, from the publication date, or stay undated; then one row per sentence-dated link: the
article, its publication date, the date words and the day they resolved to, for a reader to check
by hand (devnews has no gold event dates).
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from geoapp.evaluation.corpora import EvalDataMissing, eval_dir
from geoapp.frames import links_frame
from geoapp.model import Article
from geoapp.pipeline import Geoparser


def main() -> int:
    try:
        path = eval_dir() / "devnews" / "articles.jsonl"
    except EvalDataMissing as exc:
        print(exc)
        return 0
    if not path.is_file():
        print(f"{path} not found")
        return 0
    articles = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            articles.append(
                Article(
                    id=r["id"],
                    title=r.get("title") or "",
                    text=r["text"],
                    lang=r["lang"],
                    published=r.get("date"),
                )
            )
    gp = Geoparser(corrections=None)
    links = links_frame([gp.parse(a) for a in articles])
    sources = Counter("undated" if not isinstance(s, str) else s for s in links["event_source"])
    dated = sum(1 for a in articles if a.published)
    print(f"devnews: {len(articles)} articles ({dated} dated), {len(links)} links\n")
    print("| event date from | links |\n|---|---|")
    for source in ("text", "published", "undated"):
        print(f"| {source} | {sources.get(source, 0)} |")
    print("\n| article | published | words | event date |\n|---|---|---|---|")
    rows = links[links["event_source"] == "text"]
    for aid, pub, phrase, day in zip(
        rows["article_id"], rows["published"], rows["event_phrase"], rows["event_date"]
    ):
        print(f"| {aid} | {pub} | {phrase} | {day} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
