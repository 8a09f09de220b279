"""Shared fixtures: the app built on the sample content, a client, and both embedding modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from widget import create_app
from widget.settings import PROJECT_ROOT, Settings

SAMPLE_CONTENT = PROJECT_ROOT / "content" / "articles"
PUBLIC_URL = "https://widgets.example.org"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(content_dir=SAMPLE_CONTENT, public_url=PUBLIC_URL)


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
