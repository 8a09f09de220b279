"""The Spanish catalogue: every reader-facing string translated, placeholders kept, the .mo in step.

The msgids are extracted from the code and templates here, as ``pybabel extract`` does, so a string
added to a template without its Spanish fails a test, not a reader. The server reads the compiled
``messages.mo``; it is committed, so a test holds it to what compiling the ``.po`` gives.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from functools import cache

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from tests.support import PUBLIC_URL
from widget import create_app
from widget.settings import PROJECT_ROOT, Settings

TRANSLATIONS = PROJECT_ROOT / "translations"
SPANISH_PO = TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = SPANISH_PO.with_suffix(".mo")
# Babel's defaults, and _(context, message): widget/inline.py's two-argument form (the flags the
# header of translations/messages.pot gives pybabel).
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_", "_:2,2t"])}
# printf-style conversions, named or not, as Python's % operator reads them.
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


@cache
def extracted() -> frozenset[str]:
    """The singular msgid of every message in the code and templates that babel.cfg names."""
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, str(PROJECT_ROOT / "babel.cfg"))  # type: ignore[no-untyped-call]  # Babel leaves it unannotated
    found = extract_from_dir(str(PROJECT_ROOT), method_map, options_map, keywords=KEYWORDS)
    return frozenset(messages if isinstance(messages, str) else messages[0] for _, _, messages, _, _ in found)


def spanish_catalogue() -> Catalog:
    with SPANISH_PO.open("rb") as po:
        return read_po(po, locale="es")


def entries() -> Iterator[Message]:
    yield from (message for message in spanish_catalogue() if message.id)


def singular(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def forms(message: Message) -> list[tuple[str, str]]:
    """Each translation beside the English it stands for: Spanish form 0 is n == 1, as English's."""
    english, spanish = as_tuple(message.id), as_tuple(message.string)
    assert len(spanish) == len(english), f"{singular(message)!r} has {len(spanish)} forms, not {len(english)}"
    return list(zip(english, spanish, strict=True))


def as_tuple(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's id or string as its forms: read_mo gives a plural's as a list, read_po as a tuple."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> Counter[tuple[str | None, str]]:
    return Counter((name, kind) for name, kind in PLACEHOLDER.findall(text) if kind != "%")


def test_catalogue_has_every_extracted_message():
    ids = {singular(m) for m in entries()}

    missing = extracted() - ids

    assert missing == set(), f"run pybabel update (see translations/messages.pot) and translate: {sorted(missing)}"


def test_catalogue_has_no_message_the_code_no_longer_uses():
    ids = {singular(m) for m in entries()}

    stale = ids - extracted()

    assert stale == set()


def test_committed_template_lists_the_extracted_messages():
    with (TRANSLATIONS / "messages.pot").open("rb") as pot:
        ids = {singular(m) for m in read_po(pot) if m.id}

    assert ids == extracted()


def test_every_message_has_a_spanish_string():
    untranslated = [singular(m) for m in entries() if not all(text.strip() for _, text in forms(m))]

    assert untranslated == []


def test_no_message_is_fuzzy():
    catalogue = spanish_catalogue()

    assert not catalogue.fuzzy
    assert [singular(m) for m in entries() if m.fuzzy] == []


def test_spanish_plural_forms():
    catalogue = spanish_catalogue()

    assert catalogue.plural_forms == "nplurals=2; plural=(n != 1);"
    assert [singular(m) for m in entries() if m.pluralizable and len(as_tuple(m.string)) != 2] == []


@pytest.mark.parametrize("message", list(entries()), ids=singular)
def test_translation_keeps_the_placeholders(message):
    pairs = forms(message)

    assert [placeholders(text) for _, text in pairs] == [placeholders(english) for english, _ in pairs]


def test_compiled_catalogue_matches_the_po():
    # Compare what each file says, not its bytes: another Babel may lay out the same .mo differently.
    with SPANISH_MO.open("rb") as mo:
        compiled = read_mo(mo)

    def said(catalogue: Catalog) -> dict[tuple[str, ...], tuple[str, ...]]:
        return {as_tuple(m.id): as_tuple(m.string) for m in catalogue if m.id and not m.fuzzy}

    assert said(compiled) == said(spanish_catalogue()), "run: pybabel compile -d translations"
    assert compiled.plural_forms == spanish_catalogue().plural_forms


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "Citada 0 veces:"), (1, "Citada una vez:"), (2, "Citada 2 veces:"), (21, "Citada 21 veces:")],
)
def test_spanish_plural_is_chosen_by_count(count, expected):
    with SPANISH_MO.open("rb") as mo:
        translations = Translations(mo)

    text = translations.ngettext("Cited once:", "Cited %(num)d times:", count) % {"num": count}

    assert text == expected


# -- what a Spanish reader sees ----------------------------------------------------------------------

SPANISH_ARTICLE = """\
---
slug: entumecimiento
lang: es
title: ¿Qué es el entumecimiento?
byline: Equipo médico
published: 2026-02-16
reviewed: 2026-02-16
takeaway: Es la pérdida de sensibilidad en una parte del cuerpo. [1]
key_takeaways:
  - Puede deberse a un problema de los nervios. [1]
sources:
  - title: Numbness
    site: MedlinePlus
    url: https://medlineplus.gov/ency/article/003206.htm
---

El entumecimiento es la pérdida de sensibilidad. [1]
"""


@pytest.fixture(scope="module")
def spanish_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("articles")
    (folder / "entumecimiento.md").write_text(SPANISH_ARTICLE, encoding="utf-8")
    app = create_app(Settings(content_dir=folder, public_url=PUBLIC_URL))
    with app.test_client() as client:
        yield client


def visible(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_spanish_widget_shows_the_review_date_in_spanish(spanish_client):
    response = spanish_client.get("/fragment/entumecimiento/sections")

    assert response.status_code == 200
    assert "Última revisión: 16 de febrero de 2026 · 1 min de lectura" in visible(response.text)


def test_spanish_article_page_shows_its_dates_in_spanish(spanish_client):
    response = spanish_client.get("/articles/entumecimiento")

    assert response.status_code == 200
    assert "Publicado: 16 de febrero de 2026 · Última revisión: 16 de febrero de 2026" in visible(response.text)


def test_spanish_widget_speaks_spanish_to_screen_readers(spanish_client):
    response = spanish_client.get("/embed/entumecimiento/takeaway")

    text = visible(response.text)
    assert "Lo más importante" in text
    assert "Fuente [ 1 ]" in text  # the citation marker's hidden label
    assert "(se abre en una pestaña nueva)" in text
    assert "Source" not in text


def test_spanish_widget_has_no_english_interface_strings(spanish_client):
    english = {singular(m) for m in entries() if m.id != m.string and len(singular(m)) > 3}

    shown = {text for text in english if text in visible(spanish_client.get("/embed/entumecimiento/takeaway").text)}

    assert shown == set()
