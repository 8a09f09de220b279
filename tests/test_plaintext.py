"""Operator text (widget/plaintext.py): which characters a reader would not see as written, and how
an error message quotes a value."""

from __future__ import annotations

import pytest

from widget.plaintext import SHOWN_LENGTH, hidden_character, shown


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Acme\x00Health", "U+0000"),
        ("line\nbreak", "U+000A"),
        ("tab\there", "U+0009"),
        ("\x1b[31mred", "U+001B"),
        ("del\x7f", "U+007F"),
        ("c1\x85", "U+0085"),
        ("arabic\u061cmark", "U+061C"),
        ("zero\u200bwidth", "U+200B"),
        ("right\u200fmark", "U+200F"),
        ("evil\u202egnp.exe", "U+202E"),
        ("word\u2060joiner", "U+2060"),
        ("isolate\u2069", "U+2069"),
        ("\ufeffBOM first", "U+FEFF"),
        ("first \u202a then \x00", "U+202A"),
    ],
)
def test_hidden_character_names_the_first_one(text, found):
    assert hidden_character(text) == found


@pytest.mark.parametrize(
    "text",
    ["", "Acme Health", "Información médica — revisada", "日本語の記事", "emoji 🩺 ok", "non\u00a0breaking space"],
)
def test_hidden_character_lets_visible_text_through(text):
    assert hidden_character(text) is None


def test_shown_quotes_a_short_value_whole():
    assert shown("https://a.org") == "'https://a.org'"


def test_shown_escapes_what_a_terminal_would_act_on():
    assert shown("a\r\nSet-Cookie: x\x1b[2J\u202e") == "'a\\r\\nSet-Cookie: x\\x1b[2J\\u202e'"


def test_shown_cuts_a_long_value_and_gives_its_length():
    value = "a" * (SHOWN_LENGTH + 20)

    assert shown(value) == f"'{'a' * SHOWN_LENGTH}'... ({SHOWN_LENGTH + 20} characters)"


def test_shown_keeps_a_value_of_exactly_the_limit():
    value = "b" * SHOWN_LENGTH

    assert shown(value) == repr(value)


def test_shown_with_no_limit_keeps_everything():
    value = "c" * 1000

    assert shown(value, None) == repr(value)
