"""health-widgets: evidence-based health articles as embeddable, JavaScript-free HTML widgets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from flask import Flask
from flask_babel import Babel, force_locale, get_translations
from jinja2 import Environment
from jinja2.ext import InternationalizationExtension
from whitenoise import WhiteNoise

from . import inline, views
from .assets import ASSETS_DIR, build_assets, is_immutable
from .cli import export_command
from .content import Article, ArticleCache, Catalogue
from .embedding import Policy, SecureDefaults
from .fastpath import FastPath, Responder
from .live import LiveContent, fingerprint
from .partners import Partners, load_partners
from .render import HTMX, STYLESHEET, Kind, Links, Theme, render_article_page, render_index, render_part, render_widget
from .settings import PROJECT_ROOT, Settings
from .table import Renderers, Table

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. Tests pass ``settings``; production reads the environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=PROJECT_ROOT / "templates", static_folder=None)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    Babel(app)
    inline.install(app.jinja_env)
    app.jinja_env.globals.update(stylesheet=STYLESHEET, htmx=HTMX, default_disclaimer=settings.default_disclaimer)
    manifest = build_assets(PROJECT_ROOT / "static", ASSETS_DIR)
    links = Links(settings.public_url, manifest)
    partners = load_partners(settings.partners_file) if settings.partners_file else Partners.empty()
    policy = Policy(settings.embed_policy, partners)
    # Fail the deploy, not a partner's page: invalid content raises here with every problem listed.
    code = fingerprint(
        (
            path
            for folder in ("widget", "templates", "translations")
            for path in (PROJECT_ROOT / folder).rglob("*")
            if path.is_file() and path.suffix in (".py", ".html", ".mo")
        ),
        # Settings that change the bytes: the URLs in every body, the default disclaimer, asset names.
        settings.public_url,
        settings.default_disclaimer or "",
        *sorted(f"{name}={hashed}" for name, hashed in links.manifest.items()),
    )
    cache = None
    if settings.cache_dir is not None:
        # One file per content folder: two deployments may share a cache folder.
        folder = hashlib.sha256(str(settings.content_dir.resolve()).encode()).hexdigest()[:12]
        cache = ArticleCache(settings.cache_dir / f"articles-{folder}.pickle")
    live = LiveContent(
        settings.content_dir,
        lambda catalogue, previous, modified: build(app, settings, catalogue, links, previous, modified),
        code,
        cache,
    )
    responder = Responder(settings, policy, settings.public_url)
    app.extensions.update(
        {
            "widget.settings": settings,
            "widget.links": links,
            "widget.live": live,
            "widget.responder": responder,
        }
    )
    # A doubled slash must be a plain 404: Werkzeug's merge redirect builds its target from the
    # Host header, which makes it an open redirect a shared cache may keep.
    app.url_map.merge_slashes = False
    app.register_blueprint(views.bp)
    app.cli.add_command(export_command)
    # Outermost first: the fast path answers pre-rendered bodies; SecureDefaults adds the base
    # headers to whatever lacks them; WhiteNoise answers /static/; Flask everything else.
    static = WhiteNoise(
        app.wsgi_app,
        root=ASSETS_DIR,
        prefix="static/",
        max_age=settings.cache_max_age,
        immutable_file_test=is_immutable,
    )
    # The plain names too, for pages that pin a file by name (the demo partner loads htmx with SRI).
    static.add_files(PROJECT_ROOT / "static", prefix="static/")
    app.wsgi_app = FastPath(SecureDefaults(static), live, responder)  # type: ignore[method-assign]
    return app


def build(
    app: Flask,
    settings: Settings,
    catalogue: Catalogue,
    links: Links,
    previous: Table | None,
    modified: Mapping[str, datetime],
) -> Table:
    """The table of every widget variant, part, article page and the index, each in its article's language."""
    envs: dict[str, Environment] = {}

    def env_for(lang: str) -> Environment:
        # One overlay per language with its catalogue bound: Flask-Babel's own gettext looks the
        # locale up in the context for every string, which was half of each render's time.
        if lang not in envs:
            with force_locale(lang):
                translations = get_translations()
            # Its own globals and template cache: an overlay shares its parent's globals dict, and
            # templates the parent compiled would render with the parent's globals. Installed through
            # the overlay's own i18n extension: env.install_gettext_translations is bound to the
            # parent's, so it would replace the parent's gettext (every language's, then).
            overlay = app.jinja_env.overlay(cache_size=100)
            overlay.globals = dict(app.jinja_env.globals)
            i18n = cast(InternationalizationExtension, overlay.extensions[InternationalizationExtension.identifier])
            i18n._install(translations, newstyle=True)  # noqa: SLF001 - the one way to reach this overlay's
            envs[lang] = overlay
        return envs[lang]

    @contextmanager
    def speaking(lang: str) -> Iterator[Environment]:
        # Bodies may be rendered on a request's first visit, in any thread, outside Flask's
        # dispatch: each render brings its own app context and locale.
        with app.app_context(), force_locale(lang):
            yield env_for(lang)

    def embed(article: Article, kind: Kind, theme: Theme, open: str | None) -> str:
        with speaking(article.lang) as env:
            return render_widget(env, article, kind, "embed", links, theme=theme, open=open)

    def fragment(article: Article, kind: Kind) -> str:
        with speaking(article.lang) as env:
            return render_widget(env, article, kind, "fragment", links)

    def part(article: Article, kind: Kind, name: str) -> str:
        with speaking(article.lang) as env:
            return render_part(env, article, kind, name, links)

    def article_page(article: Article) -> str:
        with speaking(article.lang) as env:
            return render_article_page(env, catalogue, article, links)

    def index() -> str:
        with app.app_context():
            return render_index(app.jinja_env, catalogue, links)

    return Table(
        catalogue,
        Renderers(embed, fragment, part, article_page, index),
        modified,
        prerender=len(catalogue.articles) <= settings.prerender_limit,
        cache_bytes=settings.render_cache_mb * 1024 * 1024,
        previous=previous,
    )
