"""Typed settings, read once from ``WIDGET_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

EmbedPolicy = Literal["open", "partners"]
EMBED_POLICIES: tuple[EmbedPolicy, ...] = ("open", "partners")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PUBLIC_URL = "http://localhost:8000"
DEFAULT_CACHE_MAX_AGE = 300
DEFAULT_PRERENDER_LIMIT = 100
DEFAULT_RENDER_CACHE_MB = 64
DEFAULT_CACHE_DIR = PROJECT_ROOT / "build" / "cache"


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

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        content_dir = Path(env.get("WIDGET_CONTENT_DIR", "").strip() or PROJECT_ROOT / "content" / "articles")
        if not content_dir.is_dir():
            raise SettingsError(f"WIDGET_CONTENT_DIR must be a folder of article files, got '{content_dir}'.")
        disclaimer = env.get("WIDGET_DEFAULT_DISCLAIMER", "").strip() or None
        partners_file = Path(env.get("WIDGET_PARTNERS_FILE", "").strip() or PROJECT_ROOT / "partners.toml")
        if not partners_file.is_file():
            raise SettingsError(f"WIDGET_PARTNERS_FILE must be a TOML file of partners, got '{partners_file}'.")
        return cls(
            content_dir=content_dir,
            public_url=_origin(env, "WIDGET_PUBLIC_URL", DEFAULT_PUBLIC_URL),
            cache_max_age=_int(env, "WIDGET_CACHE_MAX_AGE", DEFAULT_CACHE_MAX_AGE),
            cache_s_maxage=_int(env, "WIDGET_CACHE_S_MAXAGE", 600),
            cache_stale_while_revalidate=_int(env, "WIDGET_CACHE_STALE_WHILE_REVALIDATE", 60),
            cache_stale_if_error=_int(env, "WIDGET_CACHE_STALE_IF_ERROR", 86400),
            watch_interval=_int(env, "WIDGET_WATCH_INTERVAL", 0),
            default_disclaimer=disclaimer,
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
        raise SettingsError(f"WIDGET_CACHE_DIR must be a folder (or 'off'), got '{raw}'.")
    return folder


def _choice(env: Mapping[str, str], name: str, choices: tuple[EmbedPolicy, ...], default: EmbedPolicy) -> EmbedPolicy:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    for choice in choices:
        if raw == choice:
            return choice
    raise SettingsError(f"{name} must be one of {', '.join(choices)}, got '{raw}'.")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got '{raw}'.") from None
    if value < 0:
        raise SettingsError(f"{name} must be zero or more, got '{raw}'.")
    return value


def _origin(env: Mapping[str, str], name: str, default: str) -> str:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(f"{name} must be an http(s) URL such as 'https://widgets.example.org', got '{raw}'.")
    return value
