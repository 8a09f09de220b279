"""health-widgets: evidence-based health articles as embeddable, JavaScript-free HTML widgets."""

from __future__ import annotations

from wsgiref.headers import Headers

from flask import Flask
from flask_babel import Babel, force_locale
from whitenoise import WhiteNoise

from . import views
from .content import Article, Catalogue, load_articles
from .embedding import Policy
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
    links = Links(settings.public_url)
    # Fail the deploy, not a partner's page: invalid content raises here with every problem listed.
    catalogue = load_articles(settings.content_dir)
    app.extensions["widget.settings"] = settings
    app.extensions["widget.links"] = links
    app.extensions["widget.catalogue"] = catalogue
    app.extensions["widget.table"] = prerender(app, catalogue, links)
    partners = load_partners(settings.partners_file) if settings.partners_file else Partners.empty()
    app.extensions["widget.policy"] = Policy(settings.embed_policy, partners)
    app.register_blueprint(views.bp)
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=PROJECT_ROOT / "static",
        prefix="static/",
        max_age=settings.cache_max_age,
    )
    return app


def _static_headers(headers: Headers, path: str, url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def prerender(app: Flask, catalogue: Catalogue, links: Links) -> Table:
    """Render every widget variant, part, article page and the index once, each in its article's language."""
    env = app.jinja_env

    def embed(article: Article, kind: Kind, theme: Theme, open: str | None) -> str:
        with force_locale(article.lang):
            return render_widget(env, article, kind, "embed", links, theme=theme, open=open)

    def fragment(article: Article, kind: Kind) -> str:
        with force_locale(article.lang):
            return render_widget(env, article, kind, "fragment", links)

    def part(article: Article, kind: Kind, name: str) -> str:
        with force_locale(article.lang):
            return render_part(env, article, kind, name, links)

    def article_page(article: Article) -> str:
        with force_locale(article.lang):
            return render_article_page(env, catalogue, article, links)

    with app.app_context():
        return build_table(
            catalogue, Renderers(embed, fragment, part, article_page, lambda: render_index(env, catalogue, links))
        )
