"""Shared fixtures: the apps built on the tests' own articles, a client, and both embedding modes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.stack import POLICIES, open_settings, partners_settings
from tests.support import ARTICLES, PUBLIC_URL
from widget import create_app
from widget.settings import Settings


@pytest.fixture(scope="session", params=["prerendered", "on-request"])
def settings(request: pytest.FixtureRequest) -> Settings:
    """Both ways of holding bodies: rendered whole at load (small catalogues) and rendered on each
    body's first request (large ones, widget.table). Every test of the app runs against both."""
    limit = 100 if request.param == "prerendered" else 0
    return Settings(content_dir=ARTICLES, public_url=PUBLIC_URL, prerender_limit=limit)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    return create_app(settings)


# Read-only apps shared by the whole session: no test changes an app's state, and building one
# loads and renders every article, so once per session keeps the suite fast. Session scope also
# lets hypothesis tests take them (it refuses function-scoped fixtures, which it would not reset
# between examples).
@pytest.fixture(scope="session")
def open_app() -> Flask:
    """The tests' articles under the default "open" embed policy."""
    return create_app(open_settings())


@pytest.fixture(scope="session")
def partners_app() -> Flask:
    """The tests' articles under the "partners" policy, with the repo's partners file."""
    return create_app(partners_settings())


@pytest.fixture(scope="session")
def apps(open_app: Flask, partners_app: Flask) -> Mapping[str, Flask]:
    """Both apps by policy name, for tests that draw the policy from a strategy or a parameter."""
    found = {"open": open_app, "partners": partners_app}
    assert tuple(found) == POLICIES
    return found


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as client:
        yield client


@pytest.fixture(params=["embed", "fragment"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """An empty folder for tests that write their own article files."""
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder
