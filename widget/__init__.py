"""health-widgets: evidence-based health articles as embeddable, JavaScript-free HTML widgets."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import Babel, force_locale, get_translations
from jinja2 import Environment
from whitenoise import WhiteNoise

from . import views
from .assets import ASSETS_DIR, build_assets, is_immutable
from .cli import export_command
from .content import Article, Catalogue
from .embedding import Policy, SecureDefaults
from .fastpath import FastPath, Responder
from .live import LiveContent
from .markup import Cite
from .partners import Partners, load_partners
from .render import HTMX, STYLESHEET, Kind, Links, Theme, render_article_page, render_index, render_part, render_widget
from .settings import PROJECT_ROOT, Settings
from .table import Renderers, Table, build_table

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app. Tests pass ``settings``; production reads the environment."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder=PROJECT_ROOT / "templates", static_folder=None)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    Babel(app)
    app.jinja_env.tests["cite"] = lambda value: isinstance(value, Cite)
    app.jinja_env.globals.update(stylesheet=STYLESHEET, htmx=HTMX, default_disclaimer=settings.default_disclaimer)
    manifest = build_assets(PROJECT_ROOT / "static", ASSETS_DIR)
    links = Links(settings.public_url, manifest)
    partners = load_partners(settings.partners_file) if settings.partners_file else Partners.empty()
    policy = Policy(settings.embed_policy, partners)
    # Fail the deploy, not a partner's page: invalid content raises here with every problem listed.
    live = LiveContent(
        settings.content_dir, lambda catalogue, previous, now: prerender(app, catalogue, links, previous, now)
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


def prerender(app: Flask, catalogue: Catalogue, links: Links, previous: Table | None, now: datetime) -> Table:
    """Render every widget variant, part, article page and the index once, each in its article's language."""
    envs: dict[str, Environment] = {}

    def env_for(lang: str) -> Environment:
        # One overlay per language with its catalogue bound: Flask-Babel's own gettext looks the
        # locale up in the context for every string, which was half of each render's time.
        if lang not in envs:
            with force_locale(lang):
                translations = get_translations()
            overlay = app.jinja_env.overlay()
            overlay.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
            envs[lang] = overlay
        return envs[lang]

    def embed(article: Article, kind: Kind, theme: Theme, open: str | None) -> str:
        with force_locale(article.lang):
            return render_widget(env_for(article.lang), article, kind, "embed", links, theme=theme, open=open)

    def fragment(article: Article, kind: Kind) -> str:
        with force_locale(article.lang):
            return render_widget(env_for(article.lang), article, kind, "fragment", links)

    def part(article: Article, kind: Kind, name: str) -> str:
        with force_locale(article.lang):
            return render_part(env_for(article.lang), article, kind, name, links)

    def article_page(article: Article) -> str:
        with force_locale(article.lang):
            return render_article_page(env_for(article.lang), catalogue, article, links)

    env = app.jinja_env
    renderers = Renderers(embed, fragment, part, article_page, lambda: render_index(env, catalogue, links))
    with app.app_context():
        return build_table(catalogue, renderers, now, previous)
