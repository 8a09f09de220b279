"""Every document and fragment the server answers passes the Nu Html Checker (vnu.jar) with zero errors.

Collected from the Flask test client: every iframe document (each theme, each ``?open=`` variant),
every fragment and lazy part, every article page, the index, and the error documents and fragments.
Each body is written to a file and the checker runs once over all of them (the JVM takes seconds to
start); each URL is then its own test, which prints every error with its file, line and message.

A fragment is not a document, so it is checked inside the smallest valid document that can hold it
(doctype, ``<html lang>``, ``<head>`` with charset and title, then the fragment as the ``<body>``):
only markup the wrapper adds is added, and the fragment is checked as the body a partner's page
would give it. Warnings and info messages are not errors and do not fail a test.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from flask import Flask

from tests.browser.chromium import MissingTool, require_vnu
from tests.support import ARTICLES
from widget.content import load_articles
from widget.urls import THEMES, WIDGETS, parts_of

_WRAPPER = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fragment {url}</title>
</head>
<body>
{body}
</body>
</html>
"""
ERROR_TYPES = ("error", "non-document-error")


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    fragment: bool
    status: int = 200


def _targets() -> list[Target]:
    catalogue = load_articles(ARTICLES)
    targets = [Target("/", fragment=False)]
    for slug, article in catalogue.articles.items():
        targets.append(Target(f"/articles/{slug}", fragment=False))
        for kind in WIDGETS:
            parts = parts_of(article, kind)
            targets.append(Target(f"/fragment/{slug}/{kind}", fragment=True))
            targets += [Target(f"/fragment/{slug}/{kind}/{part}", fragment=True) for part in parts]
            targets.append(Target(f"/embed/{slug}/{kind}", fragment=False))
            for theme in THEMES:
                for part in (None, *parts):
                    query = f"?theme={theme}" + (f"&open={part}" if part else "")
                    targets.append(Target(f"/embed/{slug}/{kind}{query}", fragment=False))
    targets += [
        Target("/embed/no-such-article/takeaway", fragment=False, status=404),
        Target("/embed/lupus-numbness/no-such-widget", fragment=False, status=404),
        Target("/embed/Not_A_Slug/takeaway", fragment=False, status=400),
        Target("/embed/lupus-numbness/sections?open=no-such-part", fragment=False, status=400),
        Target("/fragment/no-such-article/takeaway", fragment=True, status=404),
        Target("/fragment/lupus-numbness/sections/no-such-part", fragment=True, status=404),
    ]
    return targets


TARGETS = _targets()


@pytest.fixture(scope="module")
def checked(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """Every target's body in a file, and the checker's messages for each: url -> messages."""
    try:
        java, vnu = require_vnu()
    except MissingTool as exc:
        pytest.fail(str(exc), pytrace=False)
    folder = tmp_path_factory.mktemp("markup").resolve()
    files: dict[Path, str] = {}
    with app.test_client() as client:
        for index, target in enumerate(TARGETS):
            body = client.get(target.url).get_data(as_text=True)
            if target.fragment:
                body = _WRAPPER.format(url=target.url, body=body)
            path = folder / f"{index:03d}-{re.sub(r'[^a-z0-9]+', '-', target.url.lower()).strip('-')}.html"
            path.write_text(body, encoding="utf-8")
            files[path] = target.url
    result = subprocess.run(
        [java, "-jar", str(vnu), "--format", "json", "--stdout", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"vnu.jar failed ({result.returncode}):\n{result.stderr}"
    messages: dict[str, list[dict[str, Any]]] = {url: [] for url in files.values()}
    for message in json.loads(result.stdout)["messages"]:
        # vnu names a file "file:/tmp/...": back to the path, and from it to the URL.
        url = files.get(Path(unquote(re.sub(r"^file:/*", "/", message.get("url", "")))))
        assert url is not None, f"a message about no file the test wrote: {message}"
        messages[url].append(message | {"file": message["url"]})
    yield messages


def _describe(message: dict[str, Any]) -> str:
    where = f"{message['file']}:{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}"
    extract = " ".join(str(message.get("extract", "")).split())
    return f"{message['type']}: {where}: {message['message']}\n      {extract}"


@pytest.mark.parametrize("target", TARGETS, ids=[target.url for target in TARGETS])
def test_markup_passes_the_nu_html_checker(checked, target):
    messages = checked[target.url]
    errors = [message for message in messages if message["type"] in ERROR_TYPES]

    assert not errors, f"{target.url} ({len(errors)} errors):\n    " + "\n    ".join(_describe(e) for e in errors)


def test_error_pages_answer_their_status(app):
    with app.test_client() as client:
        statuses = {target.url: client.get(target.url).status_code for target in TARGETS}

    assert statuses == {target.url: target.status for target in TARGETS}
