"""Typed settings from WIDGET_* variables: widget/settings.py."""

from __future__ import annotations

import pytest

from widget.settings import (
    DEFAULT_CACHE_MAX_AGE,
    DEFAULT_PUBLIC_URL,
    PROJECT_ROOT,
    Settings,
    SettingsError,
)

DEFAULT_CONTENT_DIR = PROJECT_ROOT / "content" / "articles"
DEFAULT_PARTNERS_FILE = PROJECT_ROOT / "partners.toml"


def test_settings_defaults():
    settings = Settings.from_env({})

    assert settings == Settings(
        content_dir=DEFAULT_CONTENT_DIR,
        public_url="http://localhost:8000",
        cache_max_age=300,
        default_disclaimer=None,
        partners_file=DEFAULT_PARTNERS_FILE,
        embed_policy="open",
        prerender_limit=100,
        render_cache_mb=64,
        cache_dir=PROJECT_ROOT / "build" / "cache",
    )


def test_settings_constructor_defaults_declare_no_partners():
    settings = Settings(content_dir=DEFAULT_CONTENT_DIR)

    assert settings.partners_file is None
    assert settings.embed_policy == "open"


def test_settings_read_every_variable(tmp_path):
    partners = tmp_path / "partners.toml"
    partners.write_text("", encoding="utf-8")
    env = {
        "WIDGET_CONTENT_DIR": str(tmp_path),
        "WIDGET_PUBLIC_URL": "https://widgets.example.org",
        "WIDGET_CACHE_MAX_AGE": "60",
        "WIDGET_DEFAULT_DISCLAIMER": "  Not medical advice.  ",
        "WIDGET_PARTNERS_FILE": str(partners),
        "WIDGET_EMBED_POLICY": "partners",
        "WIDGET_PRERENDER_LIMIT": "0",
        "WIDGET_RENDER_CACHE_MB": "8",
        "WIDGET_CACHE_DIR": str(tmp_path / "cache"),
    }

    settings = Settings.from_env(env)

    assert settings == Settings(
        content_dir=tmp_path,
        public_url="https://widgets.example.org",
        cache_max_age=60,
        default_disclaimer="Not medical advice.",
        partners_file=partners,
        embed_policy="partners",
        prerender_limit=0,
        render_cache_mb=8,
        cache_dir=tmp_path / "cache",
    )


@pytest.mark.parametrize("value", ["open", "partners", " partners "])
def test_settings_embed_policy_accepted(value):
    settings = Settings.from_env({"WIDGET_EMBED_POLICY": value})

    assert settings.embed_policy == value.strip()


@pytest.mark.parametrize("value", ["", "   "])
def test_settings_embed_policy_blank_means_open(value):
    settings = Settings.from_env({"WIDGET_EMBED_POLICY": value})

    assert settings.embed_policy == "open"


@pytest.mark.parametrize("raw", ["x", "Open", "PARTNERS", "none", "open,partners", "*"])
def test_settings_embed_policy_refused(raw):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_EMBED_POLICY": raw})

    assert excinfo.value.args[0] == f"WIDGET_EMBED_POLICY must be one of open, partners, got '{raw}'."


@pytest.mark.parametrize("value", ["", "   "])
def test_settings_partners_file_blank_means_default(value):
    settings = Settings.from_env({"WIDGET_PARTNERS_FILE": value})

    assert settings.partners_file == DEFAULT_PARTNERS_FILE


def test_settings_partners_file_missing(tmp_path):
    missing = tmp_path / "no-such-partners.toml"

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PARTNERS_FILE": str(missing)})

    assert excinfo.value.args[0] == f"WIDGET_PARTNERS_FILE must be a TOML file of partners, got '{missing}'."


def test_settings_partners_file_is_a_folder(tmp_path):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PARTNERS_FILE": str(tmp_path)})

    assert excinfo.value.args[0] == f"WIDGET_PARTNERS_FILE must be a TOML file of partners, got '{tmp_path}'."


@pytest.mark.parametrize("value", ["", "   "])
def test_settings_blank_values_mean_default(value):
    env = {
        "WIDGET_PUBLIC_URL": value,
        "WIDGET_CACHE_MAX_AGE": value,
        "WIDGET_DEFAULT_DISCLAIMER": value,
    }

    settings = Settings.from_env(env)

    assert settings.public_url == DEFAULT_PUBLIC_URL
    assert settings.cache_max_age == DEFAULT_CACHE_MAX_AGE
    assert settings.default_disclaimer is None


def test_settings_content_dir_blank_means_default():
    settings = Settings.from_env({"WIDGET_CONTENT_DIR": ""})

    assert settings.content_dir == DEFAULT_CONTENT_DIR


def test_settings_content_dir_missing(tmp_path):
    missing = tmp_path / "no-such-folder"

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_CONTENT_DIR": str(missing)})

    assert excinfo.value.args[0] == (f"WIDGET_CONTENT_DIR must be a folder of article files, got '{missing}'.")


def test_settings_content_dir_is_a_file(tmp_path):
    file = tmp_path / "article.md"
    file.write_text("---\n", encoding="utf-8")

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_CONTENT_DIR": str(file)})

    assert excinfo.value.args[0] == (f"WIDGET_CONTENT_DIR must be a folder of article files, got '{file}'.")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("5m", "WIDGET_CACHE_MAX_AGE must be an integer, got '5m'."),
        ("1.5", "WIDGET_CACHE_MAX_AGE must be an integer, got '1.5'."),
        ("ten", "WIDGET_CACHE_MAX_AGE must be an integer, got 'ten'."),
        ("-1", "WIDGET_CACHE_MAX_AGE must be zero or more, got '-1'."),
        ("-300", "WIDGET_CACHE_MAX_AGE must be zero or more, got '-300'."),
        ("1_000", "WIDGET_CACHE_MAX_AGE must be an integer, got '1_000'."),
        ("+5", "WIDGET_CACHE_MAX_AGE must be an integer, got '+5'."),
        ("\u0661\u0662", "WIDGET_CACHE_MAX_AGE must be an integer, got '\u0661\u0662'."),
        ("60, public", "WIDGET_CACHE_MAX_AGE must be an integer, got '60, public'."),
        ("60\nX-A: b", "WIDGET_CACHE_MAX_AGE must be an integer, got '60\\nX-A: b'."),
        ("2147483649", "WIDGET_CACHE_MAX_AGE must be at most 2147483648, got '2147483649'."),
        ("9" * 5000, f"WIDGET_CACHE_MAX_AGE must be at most 2147483648, got {'9' * 80!r}... (5000 characters)."),
    ],
)
def test_settings_cache_max_age_refused(raw, message):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_CACHE_MAX_AGE": raw})

    assert excinfo.value.args[0] == message


@pytest.mark.parametrize(("raw", "value"), [("0", 0), (" 600 ", 600), ("31536000", 31536000), ("2147483648", 2**31)])
def test_settings_cache_max_age_accepted(raw, value):
    settings = Settings.from_env({"WIDGET_CACHE_MAX_AGE": raw})

    assert settings.cache_max_age == value


PUBLIC_URL_HELP = (
    "WIDGET_PUBLIC_URL must be an http(s) URL: a scheme, a host (a DNS name, an IPv4 address or a bracketed"
    " IPv6 address) and an optional port, such as 'https://widgets.example.org', optionally followed by a path"
    " prefix of letters, digits and - . _ ~ such as 'https://example.org/widgets'"
)


@pytest.mark.parametrize(
    "raw",
    [
        "ftp://x",
        "not a url",
        "widgets.example.org",
        "https://",
        "javascript:alert(1)",
        "https://widgets.example.org/?a=b",
        "https://widgets.example.org/#top",
        # Each would reach every CSP (a new directive) or the exported nginx.conf (a new directive).
        "http://x;script-src *",
        "http://x;return 200 pwned;",
        "http://x/;script-src *",
        "http://x/a;b",
        "http://x y",
        "http://x/a b",
        "http://x'",
        'http://x"',
        "http://x,y",
        "http://x/a,b",
        "http://x/a'b",
        "http://x\tb",
        "http://x/a\nSet-Cookie: a=b",
        "http://x/%2e%2e",
        "http://x/../admin",
        "http://x/./a",
        "http://x/a//b",
        "http://user@x",
        "http://user:secret@x",
        "http://x:0",
        "http://x:65536",
        "http://x:80a",
        "http://[::1",
        "http://[v1.x]",
        "http://x_y.example",
        "http://-x.example",
        "http://x..example",
        "http://127.1",
        "http://0x7f.0.0.1",
        "http://x.example.",
        "http://b\u00fccher.example",
        "http://x\u202e.example",
    ],
)
def test_settings_public_url_refused(raw):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    assert excinfo.value.args[0] == f"{PUBLIC_URL_HELP}, got {raw!r}."


def test_settings_public_url_error_escapes_control_characters():
    raw = "http://x/\x1b[2J\x1b]0;pwned\x07"

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    message = excinfo.value.args[0]
    assert message == f"{PUBLIC_URL_HELP}, got 'http://x/\\x1b[2J\\x1b]0;pwned\\x07'."
    assert not any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in message)


def test_settings_public_url_error_cuts_a_long_value_short():
    raw = "http://x/" + "a;" * 100

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    assert excinfo.value.args[0] == f"{PUBLIC_URL_HELP}, got {raw[:80]!r}... (209 characters)."


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("https://WIDGETS.Example.ORG", "https://widgets.example.org"),
        ("https://widgets.example.org:443", "https://widgets.example.org"),
        ("http://widgets.example.org:8080", "http://widgets.example.org:8080"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("http://[0:0:0:0:0:0:0:1]", "http://[::1]"),
        ("https://xn--bcher-kva.example", "https://xn--bcher-kva.example"),
        ("https://example.org/widgets/v1.2_~x", "https://example.org/widgets/v1.2_~x"),
        ("https://example.org/.well-known", "https://example.org/.well-known"),
    ],
)
def test_settings_public_url_accepted(raw, value):
    settings = Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    assert settings.public_url == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("https://widgets.example.org/", "https://widgets.example.org"),
        ("https://widgets.example.org//", "https://widgets.example.org"),
        ("  http://localhost:5000/  ", "http://localhost:5000"),
        ("https://example.org/widgets/", "https://example.org/widgets"),
    ],
)
def test_settings_public_url_trailing_slash_stripped(raw, value):
    settings = Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    assert settings.public_url == value


def test_settings_error_is_value_error():
    with pytest.raises(ValueError, match="WIDGET_CACHE_MAX_AGE"):
        Settings.from_env({"WIDGET_CACHE_MAX_AGE": "5m"})


def test_settings_cache_dir_off_keeps_the_article_cache_in_memory():
    assert Settings.from_env({"WIDGET_CACHE_DIR": "off"}).cache_dir is None
    assert Settings(content_dir=DEFAULT_CONTENT_DIR).cache_dir is None


def test_settings_cache_dir_is_a_file(tmp_path):
    file = tmp_path / "cache"
    file.write_text("", encoding="utf-8")

    with pytest.raises(SettingsError, match="WIDGET_CACHE_DIR must be a folder"):
        Settings.from_env({"WIDGET_CACHE_DIR": str(file)})


@pytest.mark.parametrize("name", ["WIDGET_PRERENDER_LIMIT", "WIDGET_RENDER_CACHE_MB"])
@pytest.mark.parametrize("raw", ["-1", "lots", "1.5"])
def test_settings_render_budgets_refused(name, raw):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw})


@pytest.mark.parametrize(
    "name",
    [
        "WIDGET_CACHE_MAX_AGE",
        "WIDGET_CACHE_S_MAXAGE",
        "WIDGET_CACHE_STALE_WHILE_REVALIDATE",
        "WIDGET_CACHE_STALE_IF_ERROR",
        "WIDGET_WATCH_INTERVAL",
        "WIDGET_PRERENDER_LIMIT",
        "WIDGET_RENDER_CACHE_MB",
    ],
)
@pytest.mark.parametrize("raw", ["60;x", "60, no-store", "1_0", "\u0661"])
def test_settings_numbers_refused_with_anything_but_digits(name, raw):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({name: raw})

    assert excinfo.value.args[0] == f"{name} must be an integer, got {raw!r}."


def test_settings_embed_policy_error_escapes_control_characters():
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_EMBED_POLICY": "open\x1b[8m"})

    assert excinfo.value.args[0] == "WIDGET_EMBED_POLICY must be one of open, partners, got 'open\\x1b[8m'."


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [
        ("\u202egnp.exe", "U+202E"),
        ("Not medical advice.\u200f", "U+200F"),
        ("Not\u200emedical", "U+200E"),
        ("Not\u061cmedical", "U+061C"),
        ("Not\u2066medical\u2069", "U+2066"),
        ("Not\u200bmedical", "U+200B"),
        ("Not medical\x1b[8m advice", "U+001B"),
        ("Not medical\x85advice", "U+0085"),
        ("Not medical\nadvice", "U+000A"),
    ],
)
def test_settings_default_disclaimer_refuses_hidden_characters(raw, hidden):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_DEFAULT_DISCLAIMER": raw})

    assert excinfo.value.args[0] == (
        "WIDGET_DEFAULT_DISCLAIMER must be plain text without control or invisible formatting characters,"
        f" got {hidden} in {raw!r}."
    )


def test_settings_default_disclaimer_too_long():
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_DEFAULT_DISCLAIMER": "a" * 501})

    assert excinfo.value.args[0] == "WIDGET_DEFAULT_DISCLAIMER must be at most 500 characters, got 501."


def test_settings_default_disclaimer_keeps_accents_and_other_scripts():
    text = (
        "Ce n'est pas un avis m\u00e9dical. \u0644\u064a\u0633 \u0646\u0635\u064a\u062d\u0629 \u0637\u0628\u064a\u0629."
    )

    settings = Settings.from_env({"WIDGET_DEFAULT_DISCLAIMER": text})

    assert settings.default_disclaimer == text


def test_settings_path_errors_escape_control_characters(tmp_path):
    missing = tmp_path / "no\x1b[2Jsuch"

    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_CONTENT_DIR": str(missing)})

    assert excinfo.value.args[0] == f"WIDGET_CONTENT_DIR must be a folder of article files, got {str(missing)!r}."
    assert "\x1b" not in excinfo.value.args[0]


@pytest.mark.parametrize("value", ["http://x;script-src *", "http://x;return 200 pwned;", "http://x y"])
def test_settings_built_directly_refuse_a_hostile_public_url(value):
    with pytest.raises(SettingsError) as excinfo:
        Settings(content_dir=DEFAULT_CONTENT_DIR, public_url=value)

    assert (
        excinfo.value.args[0]
        == f"public_url must be {PUBLIC_URL_HELP.removeprefix('WIDGET_PUBLIC_URL must be ')}, got {value!r}."
    )
