"""Typed settings, read once from ``WIDGET_*`` environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from .origins import normalize_origin
from .plaintext import hidden_character, shown

EmbedPolicy = Literal["open", "partners"]
EMBED_POLICIES: tuple[EmbedPolicy, ...] = ("open", "partners")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PUBLIC_URL = "http://localhost:8000"
DEFAULT_CACHE_MAX_AGE = 300
DEFAULT_PRERENDER_LIMIT = 100
DEFAULT_RENDER_CACHE_MB = 64
DEFAULT_CACHE_DIR = PROJECT_ROOT / "build" / "cache"
# RFC 9111 section 1.2.2: caches treat a larger delta-seconds as 2147483648; the same cap keeps
# every number readable by anything we hand it to (nginx, a 32-bit parser).
MAX_INT = 2**31
MAX_DISCLAIMER_LENGTH = 500
# A path prefix (the widgets behind a proxy at https://example.org/widgets): segments of RFC 3986
# unreserved characters only, so the URL can go into a CSP source, an nginx directive or an
# attribute unquoted, and no "." or ".." segment a client would resolve away.
_PATH_PREFIX = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._~-]+)*", re.ASCII)
PUBLIC_URL_HELP = (
    "an http(s) URL: a scheme, a host (a DNS name, an IPv4 address or a bracketed IPv6 address) and an"
    " optional port, such as 'https://widgets.example.org', optionally followed by a path prefix of"
    " letters, digits and - . _ ~ such as 'https://example.org/widgets'"
)


class SettingsError(ValueError):
    """A ``WIDGET_*`` variable has a value we cannot use; the message names both."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    content_dir: Path
    # Absolute origin that embed codes and fragments point at: a fragment lands on a partner's
    # page, where a relative URL would resolve against the partner's site.
    public_url: str = DEFAULT_PUBLIC_URL
    cache_max_age: int = DEFAULT_CACHE_MAX_AGE
    # For shared caches (CDNs, proxies): how long they keep a body, and how long they may serve a
    # stale one while revalidating or while we are down (RFC 5861).
    cache_s_maxage: int = 600
    cache_stale_while_revalidate: int = 60
    cache_stale_if_error: int = 86400
    # Seconds between checks of the content folder for changes; 0 turns watching off (SIGHUP still reloads).
    watch_interval: float = 0
    # None means the translated default disclaimer; an operator may set their own wording.
    default_disclaimer: str | None = None
    # The partners file (TOML); None means no partners are declared.
    partners_file: Path | None = None
    # "open": anyone may frame widgets and read fragments; "partners": only declared origins.
    embed_policy: EmbedPolicy = "open"
    # Catalogues of up to this many articles are rendered whole when content loads; larger ones
    # render each body on its first request, into a cache of at most render_cache_mb per process.
    prerender_limit: int = DEFAULT_PRERENDER_LIMIT
    render_cache_mb: int = DEFAULT_RENDER_CACHE_MB
    # Where what each article file gave is kept between runs, so a restart parses only changed
    # files (widget.content.ArticleCache); None keeps it in memory only.
    cache_dir: Path | None = None

    @property
    def asset_origin(self) -> str:
        """Where our stylesheet and scripts are, as a CSP source: the public URL's origin. (A source with
        a path and no trailing slash matches that one path, so a path prefix would block them.)"""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def __post_init__(self) -> None:
        # from_env checks what the environment gives; this holds code and tests that build Settings
        # directly to the same rule, since public_url reaches every CSP and the exported nginx.conf.
        if normalize_public_url(self.public_url) is None:
            raise SettingsError(f"public_url must be {PUBLIC_URL_HELP}, got {shown(self.public_url)}.")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        content_dir = Path(env.get("WIDGET_CONTENT_DIR", "").strip() or PROJECT_ROOT / "content" / "articles")
        if not content_dir.is_dir():
            raise SettingsError(
                f"WIDGET_CONTENT_DIR must be a folder of article files, got {shown(str(content_dir), None)}."
            )
        partners_file = Path(env.get("WIDGET_PARTNERS_FILE", "").strip() or PROJECT_ROOT / "partners.toml")
        if not partners_file.is_file():
            raise SettingsError(
                f"WIDGET_PARTNERS_FILE must be a TOML file of partners, got {shown(str(partners_file), None)}."
            )
        return cls(
            content_dir=content_dir,
            public_url=_public_url(env, "WIDGET_PUBLIC_URL", DEFAULT_PUBLIC_URL),
            cache_max_age=_int(env, "WIDGET_CACHE_MAX_AGE", DEFAULT_CACHE_MAX_AGE),
            cache_s_maxage=_int(env, "WIDGET_CACHE_S_MAXAGE", 600),
            cache_stale_while_revalidate=_int(env, "WIDGET_CACHE_STALE_WHILE_REVALIDATE", 60),
            cache_stale_if_error=_int(env, "WIDGET_CACHE_STALE_IF_ERROR", 86400),
            watch_interval=_int(env, "WIDGET_WATCH_INTERVAL", 0),
            default_disclaimer=_disclaimer(env, "WIDGET_DEFAULT_DISCLAIMER"),
            partners_file=partners_file,
            embed_policy=_choice(env, "WIDGET_EMBED_POLICY", EMBED_POLICIES, "open"),
            prerender_limit=_int(env, "WIDGET_PRERENDER_LIMIT", DEFAULT_PRERENDER_LIMIT),
            render_cache_mb=_int(env, "WIDGET_RENDER_CACHE_MB", DEFAULT_RENDER_CACHE_MB),
            cache_dir=_cache_dir(env.get("WIDGET_CACHE_DIR", "").strip()),
        )


def _cache_dir(raw: str) -> Path | None:
    if raw == "off":
        return None
    folder = Path(raw) if raw else DEFAULT_CACHE_DIR
    if folder.exists() and not folder.is_dir():
        raise SettingsError(f"WIDGET_CACHE_DIR must be a folder (or 'off'), got {shown(raw, None)}.")
    return folder


def _choice(env: Mapping[str, str], name: str, choices: tuple[EmbedPolicy, ...], default: EmbedPolicy) -> EmbedPolicy:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw == choice:
            return choice
    raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {shown(raw)}.")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip()
    # ASCII digits only: int() would also take "1_000", "+5" and other scripts' digits.
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise SettingsError(f"{name} must be zero or more, got {shown(raw)}.")
    if not (text.isascii() and text.isdigit()):
        raise SettingsError(f"{name} must be an integer, got {shown(raw)}.")
    digits = text.lstrip("0") or "0"
    # Length first: int() refuses strings of more than 4,300 digits with a ValueError of its own.
    if len(digits) > len(str(MAX_INT)) or int(digits) > MAX_INT:
        raise SettingsError(f"{name} must be at most {MAX_INT}, got {shown(raw)}.")
    return int(digits)


def _public_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = normalize_public_url(raw.strip())
    if value is None:
        raise SettingsError(f"{name} must be {PUBLIC_URL_HELP}, got {shown(raw)}.")
    return value


def normalize_public_url(value: str) -> str | None:
    """``value`` as an origin and an optional path prefix, normalized; None if it holds anything else."""
    start = value.find("://") + 3
    slash = value.find("/", start) if start > 2 else -1
    origin = normalize_origin(value if slash < 0 else value[:slash])
    path = "" if slash < 0 else value[slash:].rstrip("/")
    if origin is None or not _PATH_PREFIX.fullmatch(path):
        return None
    return origin + path


def _disclaimer(env: Mapping[str, str], name: str) -> str | None:
    """None for the translated default; else the operator's sentence, as a reader will see it."""
    text = env.get(name, "").strip()
    if not text:
        return None
    if (hidden := hidden_character(text)) is not None:
        raise SettingsError(
            f"{name} must be plain text without control or invisible formatting characters, got {hidden}"
            f" in {shown(text)}."
        )
    if len(text) > MAX_DISCLAIMER_LENGTH:
        raise SettingsError(f"{name} must be at most {MAX_DISCLAIMER_LENGTH} characters, got {len(text)}.")
    return text
