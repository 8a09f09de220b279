"""Article in, schema.org JSON-LD out, for the ``<script type="application/ld+json">`` of its page.

Only schema.org vocabulary (https://schema.org/MedicalWebPage): search engines ignore, or flag,
properties the type does not define, so the article's next review date stays out.
No Flask here: the template wraps :func:`json_ld` in ``Markup``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from .content import Article, Source
from .urls import Links

CONTEXT: Final = "https://schema.org"
PUBMED_URL: Final = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
# Inside <script>, the HTML parser ends the element at "</script" and changes state at "<!--"
# (HTML Living Standard, "script data escaped state"), so no "<" may reach the page. "&" and ">"
# are escaped too, as Django's json_script does, so the text is also safe in XHTML. U+2028 and
# U+2029 ended a JavaScript string literal before ES2019; escaping them costs nothing.
_SCRIPT_ESCAPES: Final = str.maketrans(
    {
        "<": "\\u003c",
        ">": "\\u003e",
        "&": "\\u0026",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)


def medical_web_page(article: Article, links: Links, *, publisher: str = "Health Widgets") -> dict[str, object]:
    """The schema.org ``MedicalWebPage`` for the article's canonical page, ready for :func:`json_ld`."""
    url = links.article(article.slug)
    return {
        "@context": CONTEXT,
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": article.title,
        "headline": article.title,
        "inLanguage": article.lang,
        "datePublished": article.published.isoformat(),
        "dateModified": article.reviewed.isoformat(),
        "lastReviewed": article.reviewed.isoformat(),
        "author": _organization(article.byline),
        "publisher": _organization(publisher, links.home()),
        "description": " ".join(article.takeaway.plain.split()),
        "timeRequired": f"PT{article.reading_minutes}M",  # ISO 8601 duration, as schema.org/Duration asks
        "citation": [_citation(source) for source in article.sources],
    }


def json_ld(data: Mapping[str, object]) -> str:
    """``data`` as compact JSON that cannot end or confuse the ``<script>`` element it sits in."""
    text = json.dumps(
        data,
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=False,
        default=_plain,
    )
    # The escaped characters can only occur inside JSON strings, where "\u003c" means "<" again.
    return text.translate(_SCRIPT_ESCAPES)


def _citation(source: Source) -> dict[str, object]:
    identifiers: list[dict[str, object]] = []
    same_as: list[str] = []
    if source.pmid:
        identifiers.append(_property_value("PMID", source.pmid))
        same_as.append(PUBMED_URL.format(pmid=source.pmid))
    if source.doi and source.doi_url:
        identifiers.append(_property_value("DOI", source.doi))
        same_as.append(source.doi_url)
    work: dict[str, object] = {
        # A PubMed id or DOI marks a paper; anything else is a web page, which CreativeWork covers.
        "@type": "ScholarlyArticle" if identifiers else "CreativeWork",
        # JSON-LD arrays are unordered sets, so each source carries its number with it.
        "position": source.number,
        "name": source.title,
        "url": source.url,
        "publisher": _organization(source.site),
    }
    if identifiers:
        work["identifier"] = identifiers
        work["sameAs"] = same_as
    return work


def _property_value(property_id: str, value: str) -> dict[str, object]:
    return {"@type": "PropertyValue", "propertyID": property_id, "value": value}


def _organization(name: str, url: str | None = None) -> dict[str, object]:
    organization: dict[str, object] = {"@type": "Organization", "name": name}
    if url:
        organization["url"] = url
    return organization


def _plain(value: object) -> object:
    # json.dumps knows dict but not other mappings, such as a MappingProxyType.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


__all__ = ["json_ld", "medical_web_page"]
