"""Generate valid article files (docs/content-format.md) for the growth benchmark.

Each is sized like a realistic short article: a takeaway, three key points, an overview, three
sections of cited bullets, a 3x4 comparison table and six sources. The text varies with the
article's number so no two bodies are alike.

    python bench/articles.py 1000 /tmp/articles
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

WORDS = (
    "nerve",
    "pain",
    "numbness",
    "tingling",
    "fatigue",
    "joint",
    "swelling",
    "rash",
    "fever",
    "blood",
    "test",
    "biopsy",
    "scan",
    "doctor",
    "treatment",
    "medicine",
    "dose",
    "symptom",
    "cause",
    "risk",
    "sleep",
    "diet",
    "exercise",
    "stress",
    "infection",
    "vitamin",
    "thyroid",
    "sugar",
    "pressure",
    "heart",
    "lung",
    "kidney",
    "liver",
    "skin",
    "muscle",
    "bone",
    "immune",
    "system",
    "inflammation",
    "weeks",
    "months",
)
TOPICS = (
    "migraine",
    "anemia",
    "eczema",
    "gout",
    "asthma",
    "sciatica",
    "tinnitus",
    "vertigo",
    "psoriasis",
    "shingles",
    "insomnia",
    "bronchitis",
)
SLUG_FORMAT = "bench-article-{:05d}"


def slug_of(number: int) -> str:
    return SLUG_FORMAT.format(number)


def _sentence(rng: random.Random, words: int, cites: str) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return f"{text[0].upper()}{text[1:]}. {cites}"


def article_text(number: int, count: int, today: date) -> str:
    """The file for article ``number`` (1-based) of ``count``."""
    rng = random.Random(number)
    topic = TOPICS[number % len(TOPICS)]
    slug = slug_of(number)
    reviewed = today - timedelta(days=number % 300)
    related = slug_of(number % count + 1)

    def s(words: int, cites: str) -> str:
        return _sentence(rng, words, cites)

    rows = "\n".join(
        f'    - ["{topic.title()} type {r}", "{s(8, "[1]")}", "{s(7, "[2] [3]")}", "{s(6, "[4]")}"]' for r in (1, 2, 3)
    )
    sources = "".join(
        f"  - title: {topic.title()} study {n} of article {number}\n"
        f"    site: {rng.choice(('PubMed', 'MedlinePlus', 'Mayo Clinic', 'CDC'))}\n"
        f"    url: https://example.org/{slug}/source-{n}\n" + (f'    pmid: "{number * 10 + n}"\n' if n % 2 else "")
        for n in range(1, 7)
    )
    sections = "\n".join(
        f"## {heading} of {topic} ({number})\n\n"
        + "\n".join(f"- {s(22, f'[{(b + i) % 6 + 1}] [{(b + i + 2) % 6 + 1}]')}" for b in range(4))
        + "\n"
        for i, heading in enumerate(("Causes", "Tests", "Treatment"))
    )
    return f"""---
slug: {slug}
lang: en
title: What should you know about {topic} ({number})?
byline: Health Widgets Medical Team
published: {reviewed - timedelta(days=30)}
reviewed: {reviewed}
takeaway: >
  {s(45, "[1] [2]")}
key_takeaways:
  - "{s(20, "[1] [3]")}"
  - "{s(18, "[4]")}"
  - "{s(16, "[5] [6]")}"
related:
  - question: A related question about {topic}?
    slug: {related}
  - How is {topic} diagnosed?
comparison:
  caption: How the kinds of {topic} compare
  columns: [Kind, Typical features, Key tests, Treatment focus]
  rows:
{rows}
  note: "{s(12, "[2] [4]")}"
sources:
{sources}---

{s(40, "[1] [2]")} {s(30, "[3]")}

{sections}"""


def write_articles(folder: Path, count: int, today: date | None = None) -> list[str]:
    """Write ``count`` article files into ``folder`` (created if needed); returns their slugs."""
    today = today or date.today()
    folder.mkdir(parents=True, exist_ok=True)
    slugs = []
    for number in range(1, count + 1):
        slug = slug_of(number)
        (folder / f"{slug}.md").write_text(article_text(number, count, today), encoding="utf-8")
        slugs.append(slug)
    return slugs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    write_articles(args.folder, args.count)
    print(f"Wrote {args.count} articles to {args.folder}")


if __name__ == "__main__":
    main()
