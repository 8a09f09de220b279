"""Shared fixtures: the app built on the tests' own articles, a client, and both embedding modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

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
