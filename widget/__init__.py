"""health-widgets: evidence-based health articles as embeddable, JavaScript-free HTML widgets."""

from __future__ import annotations

import hashlib

from flask import Flask
from flask_babel import Babel
from whitenoise import WhiteNoise

from . import views
from .assets import ASSETS_DIR, build_assets, is_immutable
from .cli import export_command
from .content import ArticleCache
from .embedding import Policy, SecureDefaults
from .fastpath import FastPath, Responder
from .live import LiveContent, fingerprint
from .partners import Partners, load_partners
from .render import HTMX, STYLESHEET, Renderer
from .settings import PROJECT_ROOT, Settings
from .table import Tables
from .urls import WIDGET_LABELS, Links

__all__ = ["create_app"]

TEMPLATES = PROJECT_ROOT / "templates"
TRANSLATIONS = PROJECT_ROOT / "translations"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. Tests pass ``settings``; production reads the environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=TEMPLATES, static_folder=None)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app)  # the error pages' gettext; bodies are rendered by the Renderer
    template_globals = {
        "stylesheet": STYLESHEET,
        "htmx": HTMX,
        "default_disclaimer": settings.default_disclaimer,
        "widget_labels": WIDGET_LABELS,
    }
    app.jinja_env.globals.update(template_globals)
    links = Links(settings.public_url, build_assets(PROJECT_ROOT / "static", ASSETS_DIR))
    partners = load_partners(settings.partners_file) if settings.partners_file else Partners.empty()
    renderer = Renderer(links, TEMPLATES, TRANSLATIONS, template_globals)
    tables = Tables(renderer.render, settings.prerender_limit, settings.render_cache_mb * 1024 * 1024)
    # Fail the deploy, not a partner's page: invalid content raises here with every problem listed.
    live = LiveContent(settings.content_dir, tables, code_version(settings, links), article_cache(settings))
    responder = Responder(settings, Policy(settings.embed_policy, partners), settings.asset_origin)
    app.extensions.update(
        {
            "widget.settings": settings,
            "widget.links": links,
            "widget.renderer": renderer,
            "widget.live": live,
            "widget.responder": responder,
        }
    )
    # A doubled slash must be a plain 404: Werkzeug's merge redirect builds its target from the
    # Host header, which makes it an open redirect a shared cache may keep.
    app.url_map.merge_slashes = False
    app.register_blueprint(views.bp)
    app.cli.add_command(export_command)
    app.wsgi_app = FastPath(SecureDefaults(static_files(app, settings)), live, responder)  # type: ignore[method-assign]
    return app


def static_files(app: Flask, settings: Settings) -> WhiteNoise:
    """WhiteNoise in front of Flask for /static/: hashed names immutable, plain names too.

    Outermost first, the stack is: the fast path answers pre-rendered bodies; SecureDefaults adds
    the base headers to whatever lacks them; WhiteNoise answers /static/; Flask everything else.
    """
    static = WhiteNoise(
        app.wsgi_app,
        root=ASSETS_DIR,
        prefix="static/",
        max_age=settings.cache_max_age,
        immutable_file_test=is_immutable,
    )
    # The plain names too, for pages that pin a file by name (the demo partner loads htmx with SRI).
    static.add_files(PROJECT_ROOT / "static", prefix="static/")
    return static


def code_version(settings: Settings, links: Links) -> str:
    """A digest of what turns articles into bodies: part of every version, and of the bodies' dates."""
    return fingerprint(
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


def article_cache(settings: Settings) -> ArticleCache | None:
    """What each article file gave, kept between runs; one file per content folder (deployments may
    share a cache folder)."""
    if settings.cache_dir is None:
        return None
    folder = hashlib.sha256(str(settings.content_dir.resolve()).encode()).hexdigest()[:12]
    return ArticleCache(settings.cache_dir / f"articles-{folder}.pickle")
