"""Partners and their origins, read from a TOML file: widget/partners.py."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from widget.partners import (
    MAX_FILE_BYTES,
    THEMES,
    Partner,
    Partners,
    PartnersError,
    load_partners,
)
from widget.settings import PROJECT_ROOT

ACME = '[partners.acme]\nname = "Acme Health"\norigins = ["https://acme.org"]\n'
ORIGIN_HELP = "an origin like 'https://health.example.org' (scheme, host and optional port; no path)"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "partners.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(PartnersError) as excinfo:
        load_partners(path)
    return str(excinfo.value.args[0])


def two_partners() -> Partners:
    return Partners(
        {
            "acme": Partner("acme", "Acme Health", ("https://acme.org", "https://www.acme.org")),
            "demo": Partner("demo", "Demo", ("http://localhost:8001",), theme="dark"),
        }
    )


# -- load_partners: the repository's file ------------------------------------------------------


def test_load_partners_repo_file_has_the_demo_partner():
    partners = load_partners(PROJECT_ROOT / "partners.toml")

    assert partners.get("demo") == Partner(
        id="demo",
        name="Demo partner (this repo's demo/partner page)",
        origins=("http://localhost:8001", "http://127.0.0.1:8001"),
        theme="auto",
    )
    assert partners.origins == ("http://127.0.0.1:8001", "http://localhost:8001")


def test_load_partners_valid_file(tmp_path):
    path = write(
        tmp_path,
        "# comment\n"
        "[partners.acme-health]\n"
        'name = "  Acme Health  "\n'
        'origins = ["HTTPS://Acme.org:443", "https://www.acme.org"]\n'
        'theme = "dark"\n'
        "[partners.b2]\n"
        'name = "B2"\n'
        'origins = ["http://[::1]:8080"]\n',
    )

    partners = load_partners(path)

    assert partners == Partners(
        {
            "acme-health": Partner("acme-health", "Acme Health", ("https://acme.org", "https://www.acme.org"), "dark"),
            "b2": Partner("b2", "B2", ("http://[::1]:8080",)),
        }
    )
    assert isinstance(partners.partners, MappingProxyType)


@pytest.mark.parametrize("text", ["", "# nobody yet\n", "[partners]\n"])
def test_load_partners_no_partners(tmp_path, text):
    path = write(tmp_path, text)

    partners = load_partners(path)

    assert partners == Partners.empty()


@pytest.mark.parametrize("theme", THEMES)
def test_load_partners_every_theme(tmp_path, theme):
    path = write(tmp_path, ACME + f'theme = "{theme}"\n')

    partners = load_partners(path)

    assert partners.partners["acme"].theme == theme


# -- load_partners: the file itself ------------------------------------------------------------


def test_load_partners_missing_file(tmp_path):
    path = tmp_path / "nope.toml"

    message = error_of(path)

    assert message == f"{path}: there is no such file."


def test_load_partners_folder(tmp_path):
    message = error_of(tmp_path)

    assert message == f"{tmp_path}: must be a TOML file, got a folder or a special file."


def test_load_partners_too_large(tmp_path):
    path = write(tmp_path, ACME + "#" * MAX_FILE_BYTES + "\n")

    message = error_of(path)

    size = path.stat().st_size
    assert message == f"{path}: must be at most 65536 bytes (64 KiB), got {size} bytes."


def test_load_partners_exactly_at_the_size_cap(tmp_path):
    path = write(tmp_path, ACME + "#" * (MAX_FILE_BYTES - len(ACME) - 1) + "\n")

    partners = load_partners(path)

    assert path.stat().st_size == MAX_FILE_BYTES
    assert partners.get("acme") is not None


def test_load_partners_not_utf8(tmp_path):
    path = tmp_path / "partners.toml"
    path.write_bytes(b'[partners.acme]\nname = "Caf\xe9"\n')

    message = error_of(path)

    assert message == f"{path}: must be UTF-8 text, got byte 0xe9 at offset 27."


def test_load_partners_invalid_toml_names_the_line(tmp_path):
    path = write(tmp_path, '[partners.acme]\nname = "Acme"\norigins = [https://acme.org]\ntheme = "auto"\n')

    message = error_of(path)

    assert message == f"{path}: is not valid TOML: Invalid value (at line 3, column 12)."


# -- load_partners: each validation error, with its exact message ------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            ACME + "[settings]\npolicy = 'open'\n",
            "unknown top-level key 'settings'; the file holds only [partners.<id>] tables.",
            id="top-level-key",
        ),
        pytest.param(
            "partners = ['acme']\n",
            "partners must be a table of [partners.<id>] tables, got a list.",
            id="partners-not-a-table",
        ),
        pytest.param(
            ACME.replace("acme", "Acme_Health", 1),
            "partner ids must be at most 50 lowercase letters and digits, in words joined by single hyphens,"
            " like 'acme-health', got 'Acme_Health'.",
            id="id-pattern",
        ),
        pytest.param(
            ACME.replace("acme", "a" * 51, 1),
            "partner ids must be at most 50 lowercase letters and digits, in words joined by single hyphens,"
            f" like 'acme-health', got '{'a' * 51}'.",
            id="id-too-long",
        ),
        pytest.param(
            "[partners]\nacme = 'Acme Health'\n",
            "partner 'acme' must be a table with name and origins, got 'Acme Health'.",
            id="partner-not-a-table",
        ),
        pytest.param(
            ACME + "colour = 'red'\n",
            "partner 'acme': unknown key 'colour'; a partner has only name, origins and theme.",
            id="unknown-key",
        ),
        pytest.param(
            '[partners.acme]\norigins = ["https://acme.org"]\n',
            "partner 'acme': name is required.",
            id="name-missing",
        ),
        pytest.param(
            ACME.replace('"Acme Health"', "42"),
            "partner 'acme': name must be a non-empty string, got 42.",
            id="name-not-a-string",
        ),
        pytest.param(
            ACME.replace('"Acme Health"', '"   "'),
            "partner 'acme': name must be a non-empty string, got '   '.",
            id="name-blank",
        ),
        pytest.param(
            ACME.replace("Acme Health", "x" * 201),
            "partner 'acme': name must be at most 200 characters, got 201 characters.",
            id="name-too-long",
        ),
        pytest.param(
            ACME.replace("Acme Health", "Acme \\u202eHealth"),
            "partner 'acme': name must be plain text without control or invisible formatting characters,"
            " got U+202E in 'Acme \\u202eHealth'.",
            id="name-bidi-override",
        ),
        pytest.param(
            ACME.replace("Acme Health", "Acme\\u200fHealth"),
            "partner 'acme': name must be plain text without control or invisible formatting characters,"
            " got U+200F in 'Acme\\u200fHealth'.",
            id="name-rlm",
        ),
        pytest.param(
            ACME.replace("Acme Health", "Acme\\u001b[2JHealth"),
            "partner 'acme': name must be plain text without control or invisible formatting characters,"
            " got U+001B in 'Acme\\x1b[2JHealth'.",
            id="name-escape-code",
        ),
        pytest.param(
            ACME.replace("Acme Health", "Acme\\nHealth"),
            "partner 'acme': name must be plain text without control or invisible formatting characters,"
            " got U+000A in 'Acme\\nHealth'.",
            id="name-newline",
        ),
        pytest.param(
            ACME.replace("[partners.acme]", '[partners."acme;x"]'),
            "partner ids must be at most 50 lowercase letters and digits, in words joined by single hyphens,"
            " like 'acme-health', got 'acme;x'.",
            id="id-semicolon",
        ),
        pytest.param(
            ACME.replace("[partners.acme]", '[partners."acme\\u001b[8m"]'),
            "partner ids must be at most 50 lowercase letters and digits, in words joined by single hyphens,"
            " like 'acme-health', got 'acme\\x1b[8m'.",
            id="id-escape-code",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org;script-src https:"'),
            f"partner 'acme': origins[0] must be {ORIGIN_HELP}, got 'https://acme.org;script-src https:'.",
            id="origin-csp-directive",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org,https://evil.example"'),
            f"partner 'acme': origins[0] must be {ORIGIN_HELP}, got 'https://acme.org,https://evil.example'.",
            id="origin-comma",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org\\r\\nSet-Cookie: a=b"'),
            f"partner 'acme': origins[0] must be {ORIGIN_HELP}, got 'https://acme.org\\r\\nSet-Cookie: a=b'.",
            id="origin-header-injection",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org\'"'),
            f"partner 'acme': origins[0] must be {ORIGIN_HELP}, got \"https://acme.org'\".",
            id="origin-quote",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org/' + "a;" * 60 + '"'),
            f"partner 'acme': origins[0] must be {ORIGIN_HELP}, got {('https://acme.org/' + 'a;' * 60)[:80]!r}..."
            " (137 characters).",
            id="origin-long-value-cut-short",
        ),
        pytest.param(
            ACME + "theme = 'dark;x'\n",
            "partner 'acme': theme must be one of light, dark, auto, got 'dark;x'.",
            id="theme-semicolon",
        ),
        pytest.param(
            ACME + 'theme = "dark\\u001b"\n',
            "partner 'acme': theme must be one of light, dark, auto, got 'dark\\x1b'.",
            id="theme-escape-code",
        ),
        pytest.param(
            '[partners.acme]\nname = "Acme Health"\n',
            "partner 'acme': origins is required.",
            id="origins-missing",
        ),
        pytest.param(
            ACME.replace('["https://acme.org"]', '"https://acme.org"'),
            "partner 'acme': origins must be a non-empty list of origins, got 'https://acme.org'.",
            id="origins-not-a-list",
        ),
        pytest.param(
            ACME.replace('["https://acme.org"]', "[]"),
            "partner 'acme': origins must be a non-empty list of origins, got an empty list.",
            id="origins-empty",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', "8001"),
            "partner 'acme': origins[0] must be a string, got 8001.",
            id="origin-not-a-string",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org", "https://b.org", "https://acme.org/widgets"'),
            f"partner 'acme': origins[2] must be {ORIGIN_HELP}, got 'https://acme.org/widgets'.",
            id="origin-with-path",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"*"'),
            "partner 'acme': origins[0] must not be a wildcard: list each origin, or use the open embed policy"
            " to let every site embed the widgets, got '*'.",
            id="origin-wildcard",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://*.acme.org"'),
            "partner 'acme': origins[0] must not be a wildcard: list each origin, or use the open embed policy"
            " to let every site embed the widgets, got 'https://*.acme.org'.",
            id="origin-subdomain-wildcard",
        ),
        pytest.param(
            ACME.replace('"https://acme.org"', '"https://acme.org", "HTTPS://ACME.org:443"'),
            "partner 'acme': origins[1] repeats 'https://acme.org', already listed as origins[0].",
            id="origin-repeated",
        ),
        pytest.param(
            ACME + "theme = 'blue'\n",
            "partner 'acme': theme must be one of light, dark, auto, got 'blue'.",
            id="theme-unknown",
        ),
        pytest.param(
            ACME + "theme = true\n",
            "partner 'acme': theme must be one of light, dark, auto, got true.",
            id="theme-not-a-string",
        ),
    ],
)
def test_load_partners_refuses(tmp_path, text, expected):
    path = write(tmp_path, text)

    message = error_of(path)

    assert message == f"{path}: {expected}"


def test_load_partners_origin_declared_by_two_partners(tmp_path):
    path = write(
        tmp_path,
        ACME + '[partners.other]\nname = "Other"\norigins = ["https://other.org", "https://ACME.org:443"]\n',
    )

    message = error_of(path)

    assert message == (
        f"{path}: partner 'other': origins[1] 'https://acme.org' is already declared by partner 'acme';"
        " an origin has one partner."
    )


def test_load_partners_lists_every_problem_one_per_line(tmp_path):
    path = write(
        tmp_path,
        "version = 2\n"
        "[partners.acme]\n"
        'origins = ["https://acme.org/", "null"]\n'
        "theme = 'sepia'\n"
        "[partners.Bad]\n"
        'name = ""\n'
        'origins = ["https://bad.org"]\n',
    )

    with pytest.raises(PartnersError) as excinfo:
        load_partners(path)

    assert excinfo.value.problems == (
        f"{path}: unknown top-level key 'version'; the file holds only [partners.<id>] tables.",
        f"{path}: partner 'acme': name is required.",
        f"{path}: partner 'acme': origins[0] must be {ORIGIN_HELP}, got 'https://acme.org/'.",
        f"{path}: partner 'acme': origins[1] must be {ORIGIN_HELP}, got 'null'.",
        f"{path}: partner 'acme': theme must be one of light, dark, auto, got 'sepia'.",
        f"{path}: partner ids must be at most 50 lowercase letters and digits, in words joined by single hyphens,"
        " like 'acme-health', got 'Bad'.",
        f"{path}: partner 'Bad': name must be a non-empty string, got ''.",
    )
    assert excinfo.value.args[0] == "\n".join(excinfo.value.problems)


def test_partners_error_is_a_value_error():
    error = PartnersError("partners.toml: there is no such file.")

    assert isinstance(error, ValueError)
    assert error.args[0] == "partners.toml: there is no such file."


# -- Partners ----------------------------------------------------------------------------------


def test_partners_get_known_and_unknown():
    partners = two_partners()

    assert partners.get("acme") == partners.partners["acme"]
    assert partners.get("nobody") is None


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://acme.org", "acme"),
        ("https://www.acme.org", "acme"),
        ("HTTPS://ACME.ORG:443", "acme"),
        ("http://localhost:8001", "demo"),
        ("http://LOCALHOST:8001", "demo"),
    ],
)
def test_partners_by_origin_known(origin, expected):
    partners = two_partners()

    partner = partners.by_origin(origin)

    assert partner is not None
    assert partner.id == expected


@pytest.mark.parametrize(
    "origin",
    [
        "http://acme.org",
        "https://acme.org:8443",
        "https://evil.acme.org",
        "https://acme.org.evil.example",
        "http://localhost:8000",
        "https://acme.org/",
        "null",
        "*",
        "",
    ],
)
def test_partners_by_origin_unknown_or_malformed(origin):
    partners = two_partners()

    partner = partners.by_origin(origin)

    assert partner is None


def test_partners_origins_normalized_deduplicated_sorted():
    partners = Partners(
        {
            "b": Partner("b", "B", ("https://b.org", "HTTP://LocalHost:8001")),
            "a": Partner("a", "A", ("https://a.org:443",)),
        }
    )

    origins = partners.origins

    assert origins == ("http://localhost:8001", "https://a.org", "https://b.org")


def test_partners_mapping_is_read_only():
    partners = two_partners()

    with pytest.raises(TypeError):
        partners.partners["x"] = Partner("x", "X", ("https://x.org",))  # type: ignore[index]


def test_partners_refuses_one_origin_for_two_partners():
    clash = {
        "a": Partner("a", "A", ("https://a.org",)),
        "b": Partner("b", "B", ("https://A.org:443",)),
    }

    with pytest.raises(ValueError) as excinfo:
        Partners(clash)

    assert excinfo.value.args[0] == "partner 'b': 'https://a.org' is already declared by 'a'."


def test_partners_refuses_a_malformed_origin():
    with pytest.raises(ValueError) as excinfo:
        Partners({"a": Partner("a", "A", ("https://a.org/",))})

    assert excinfo.value.args[0] == f"partner 'a': 'https://a.org/' is not {ORIGIN_HELP}."


def test_partners_empty():
    partners = Partners.empty()

    assert dict(partners.partners) == {}
    assert partners.origins == ()
    assert partners.get("demo") is None
    assert partners.by_origin("http://localhost:8001") is None
