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
    ],
)
def test_settings_cache_max_age_refused(raw, message):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_CACHE_MAX_AGE": raw})

    assert excinfo.value.args[0] == message


@pytest.mark.parametrize(("raw", "value"), [("0", 0), (" 600 ", 600), ("31536000", 31536000)])
def test_settings_cache_max_age_accepted(raw, value):
    settings = Settings.from_env({"WIDGET_CACHE_MAX_AGE": raw})

    assert settings.cache_max_age == value


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
    ],
)
def test_settings_public_url_refused(raw):
    with pytest.raises(SettingsError) as excinfo:
        Settings.from_env({"WIDGET_PUBLIC_URL": raw})

    assert excinfo.value.args[0] == (
        f"WIDGET_PUBLIC_URL must be an http(s) URL such as 'https://widgets.example.org', got '{raw}'."
    )


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
