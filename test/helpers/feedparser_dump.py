"""Parse one feed file with the Universal Feed Parser and print what it read as JSON.

Run with Debian's /usr/bin/python3 (package python3-feedparser).
"""
import json
import sys

import feedparser


def detail_type(entry, key):
    detail = entry.get(key + "_detail")
    return detail.get("type") if detail else None


def main(path):
    d = feedparser.parse(path)
    feed = d.get("feed", {})
    out = {
        "bozo": bool(d.get("bozo")),
        "bozo_exception": str(d.get("bozo_exception")) if d.get("bozo") else None,
        "version": d.get("version"),
        "feed": {
            "title": feed.get("title"),
            "link": feed.get("link"),
            "language": feed.get("language"),
            "id": feed.get("id"),
            "updated": feed.get("updated"),
            "subtitle": feed.get("subtitle"),
            "authors": [dict(a) for a in feed.get("authors", [])],
        },
        "entries": [],
    }
    for e in d.get("entries", []):
        content = e.get("content") or []
        out["entries"].append({
            "id": e.get("id"),
            "title": e.get("title"),
            "title_type": detail_type(e, "title"),
            "link": e.get("link"),
            "links": [dict(link) for link in e.get("links", [])],
            "published": e.get("published"),
            "updated": e.get("updated"),
            "summary": e.get("summary"),
            "summary_type": detail_type(e, "summary"),
            "content": content[0].get("value") if content else None,
            "authors": [dict(a) for a in e.get("authors", [])],
            "tags": [t.get("term") for t in e.get("tags", [])],
            "media_thumbnail": [dict(m) for m in e.get("media_thumbnail", [])],
            "enclosures": [dict(x) for x in e.get("enclosures", [])],
        })
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
