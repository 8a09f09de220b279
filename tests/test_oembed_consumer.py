"""/oembed as a real consumer meets it: micawber asks a running server over HTTP on 127.0.0.1.

The app runs in a thread on a free loopback port (werkzeug's own server); its public URL is that
server's address, so the URLs micawber sends and the iframe it gets back point at the same server.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from micawber import Provider, ProviderRegistry
from micawber.exceptions import (
    ProviderException,
    ProviderHTTPException,
    ProviderNotFoundException,
)
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tests.support import ARTICLES
from widget import create_app
from widget.oembed import HEIGHTS
from widget.settings import Settings

LUPUS = "lupus-numbness"
LUPUS_TITLE = "Is numbness a symptom of lupus, and how can lupus cause numbness in the hands and feet?"
SFN = "small-fiber-neuropathy-testing"
TIMEOUT = 10.0  # seconds, for every request and for the server thread to stop


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def not_started(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Stands in until the app exists: the app needs the port, which the server picks."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    """A threaded server on 127.0.0.1 with an OS-chosen port, serving the app built for that address."""
    with pytest.MonkeyPatch.context() as patch:
        # urllib would send loopback requests through a proxy named in the environment.
        for name in ("no_proxy", "NO_PROXY"):
            patch.setenv(name, "127.0.0.1,localhost")
        server: BaseWSGIServer = make_server("127.0.0.1", 0, not_started, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        try:
            url = f"http://127.0.0.1:{server.port}"
            server.app = create_app(Settings(content_dir=ARTICLES, public_url=url))
            thread.start()
            yield url
        finally:
            if thread.is_alive():
                server.shutdown()  # serve_forever() closes the socket on its way out
                thread.join(TIMEOUT)
                assert not thread.is_alive()
            else:
                server.server_close()


@pytest.fixture(scope="module")
def provider(server_url: str) -> Any:
    return Provider(f"{server_url}/oembed", timeout=TIMEOUT)


@pytest.fixture(scope="module")
def registry(server_url: str, provider: Any) -> Any:
    """A consumer that knows us as the provider of our article and widget URLs."""
    registry = ProviderRegistry()
    registry.register(re.escape(server_url) + r"/(articles|embed|fragment)/\S+", provider)
    return registry


def only_iframe(html: str) -> Tag:
    """The iframe, after the blockquote holding the link to the article (the shape WordPress keeps)."""
    tags = BeautifulSoup(html, "html.parser").find_all(True)
    assert [tag.name for tag in tags] == ["blockquote", "a", "iframe"]
    iframe: Tag = tags[2]
    return iframe


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.status, dict(response.headers.items()), response.read().decode("utf-8")


def test_server_answers_on_loopback(server_url):
    status, headers, body = fetch(f"{server_url}/articles/{LUPUS}")

    assert status == 200
    assert LUPUS_TITLE in body
    assert f'href="{server_url}/static/' in body


def test_article_url_gives_a_rich_iframe_within_maxwidth(server_url, registry):
    url = f"{server_url}/articles/{LUPUS}"

    # micawber sends maxheight = maxwidth * 16 / 9 when only maxwidth is given: 400 -> 711.
    data = registry.request(url, maxwidth=400)

    assert data["type"] == "rich"
    assert data["version"] == "1.0"
    assert data["title"] == LUPUS_TITLE
    assert data["provider_url"] == f"{server_url}/"
    assert data["url"] == url
    # The takeaway measured at 400 px, unless the implied maxheight is shorter.
    height = min(HEIGHTS.at("takeaway", 400), 711)
    assert (data["width"], data["height"]) == (400, height)
    iframe = only_iframe(data["html"])
    assert iframe["src"] == f"{server_url}/embed/{LUPUS}/takeaway"
    assert (iframe["width"], iframe["height"]) == ("400", str(height))
    assert iframe["title"] == f"Key takeaway: {LUPUS_TITLE}"


@pytest.mark.parametrize("maxwidth", [400, 800])
def test_sections_height_is_the_measured_height(server_url, registry, maxwidth):
    data = registry.request(f"{server_url}/embed/{LUPUS}/sections", maxwidth=maxwidth)

    width = min(maxwidth, HEIGHTS.max_width)
    assert (data["width"], data["height"]) == (width, min(HEIGHTS.at("sections", width), maxwidth * 16 // 9))


@pytest.mark.parametrize(
    ("path", "params", "src", "size"),
    [
        (f"/embed/{LUPUS}/sections?theme=dark", {"maxwidth": 300}, f"/embed/{LUPUS}/sections?theme=dark", (300, 533)),
        (
            f"/embed/{SFN}/sources",
            {"maxwidth": 1200},
            f"/embed/{SFN}/sources",
            (HEIGHTS.max_width, HEIGHTS.at("sources", HEIGHTS.max_width)),
        ),
        (f"/fragment/{SFN}/comparison", {"maxwidth": 600, "maxheight": 500}, f"/embed/{SFN}/comparison", (600, 500)),
        (f"/embed/{LUPUS}/takeaway", {}, f"/embed/{LUPUS}/takeaway", (600, HEIGHTS.at("takeaway", 600))),
    ],
)
def test_widget_url_gives_an_iframe_to_that_widget(server_url, registry, path, params, src, size):
    data = registry.request(server_url + path, **params)

    assert data["type"] == "rich"
    assert (data["width"], data["height"]) == size
    if "maxwidth" in params:
        assert data["width"] <= params["maxwidth"]
    iframe = only_iframe(data["html"])
    assert iframe["src"] == server_url + src
    assert (iframe["width"], iframe["height"]) == (str(size[0]), str(size[1]))


def test_iframe_src_serves_a_frameable_widget(server_url, registry):
    data = registry.request(f"{server_url}/embed/{LUPUS}/sections?theme=dark", maxwidth=500)

    status, headers, body = fetch(str(only_iframe(data["html"])["src"]))

    assert status == 200
    assert body.lower().startswith("<!doctype html>")
    assert "hw-theme-dark" in body
    assert "frame-ancestors *" in headers["Content-Security-Policy"]


def test_provider_can_be_asked_directly(server_url, provider):
    data = provider.request(f"{server_url}/articles/{SFN}", maxwidth=600)

    assert data["type"] == "rich"
    assert only_iframe(data["html"])["src"] == f"{server_url}/embed/{SFN}/takeaway"


def test_parse_text_embeds_a_url_on_its_own_line(server_url, registry):
    url = f"{server_url}/articles/{LUPUS}"

    html = registry.parse_text(f"Read this:\n{url}\n", maxwidth=600)

    iframes = BeautifulSoup(html, "html.parser").find_all("iframe")
    assert [frame["src"] for frame in iframes] == [f"{server_url}/embed/{LUPUS}/takeaway"]


def test_url_of_another_site_has_no_provider(registry):
    with pytest.raises(ProviderException) as excinfo:
        registry.request("https://elsewhere.example/articles/lupus-numbness")

    assert isinstance(excinfo.value, ProviderNotFoundException)


@pytest.mark.parametrize(
    "path",
    ["/articles/no-such-article", f"/embed/{LUPUS}/bogus", "/embed/no-such-article/takeaway"],
)
def test_unknown_url_of_ours_raises_provider_exception(server_url, registry, path):
    with pytest.raises(ProviderException) as excinfo:
        registry.request(server_url + path, maxwidth=400)

    error = excinfo.value
    # Close the HTTP error's response: under filterwarnings=error a leaked socket fails the test.
    if error.__cause__ is not None:
        error.__cause__.close()
    assert isinstance(error, ProviderHTTPException)
    assert error.status == 404


def test_url_not_ours_asked_directly_is_404(server_url, provider):
    with pytest.raises(ProviderHTTPException) as excinfo:
        provider.request("https://elsewhere.example/articles/lupus-numbness")

    if excinfo.value.__cause__ is not None:
        excinfo.value.__cause__.close()
    assert excinfo.value.status == 404


@pytest.mark.parametrize(
    ("path", "src"),
    [
        (f"/embed/{LUPUS}/sections", f"/embed/{LUPUS}/sections"),
        (f"/embed/{LUPUS}/takeaway?theme=dark", f"/embed/{LUPUS}/takeaway?theme=dark"),
    ],
)
def test_widget_document_offers_discovery_of_itself(server_url, path, src):
    # What WordPress does with a pasted URL it has no provider for: read the page's oEmbed link.
    status, _, body = fetch(server_url + path)
    link = BeautifulSoup(body, "html.parser").find("link", type="application/json+oembed")
    assert isinstance(link, Tag)

    status, headers, answer = fetch(str(link["href"]))

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert only_iframe(json.loads(answer)["html"])["src"] == server_url + src
