"""`flask --app widget export`: widget/export.py, served by a real nginx and compared with the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.nginx import Fetched, Nginx, free_port, require_brotli_module, running_nginx
from widget.assets import ASSETS_DIR
from widget.embedding import widget_cache_control
from widget.export import CONFIG_NAME, ExportError, ExportReport, export_site
from widget.live import LiveContent
from widget.settings import PROJECT_ROOT
from widget.urls import DEFAULT_THEME, BodyKey, Embed, Links

# Headers partners and caches depend on; nginx must send what the app sends.
SAME_HEADERS = (
    "Content-Type",
    "Content-Encoding",
    "Content-Security-Policy",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Last-Modified",
)
UNKNOWN_PATHS = (
    "/nope",
    "/index.html",
    f"/{CONFIG_NAME}",
    "/articles/no-such-article",
    "/articles/lupus-numbness/index.html",
    "/fragment/no-such-article/takeaway",
    "/fragment/lupus-numbness/nope",
    "/fragment/lupus-numbness/takeaway/index.html",
    "/embed/lupus-numbness/nope",
    "/embed/lupus-numbness/takeaway/auto/_.html",
    "/static/nope.css",
    "/static/",
)


def urls_of(key: BodyKey) -> list[str]:
    """Every URL the app answers with this table key's body (an embed names its theme, or not)."""
    urls = [key.url("")]
    if isinstance(key, Embed) and key.theme == DEFAULT_THEME:
        opened = {"open": key.open} if key.open else {}
        urls.append(f"{key.path()}?{urlencode({'theme': key.theme, **opened})}")
    return urls


@pytest.fixture(scope="module")
def live(app: Flask) -> LiveContent:
    live: LiveContent = app.extensions["widget.live"]
    return live


@pytest.fixture(scope="module")
def exported(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExportReport]:
    folder = tmp_path_factory.mktemp("export") / "site"
    return folder, export_site(app, folder)


@pytest.fixture(scope="module")
def site(exported: tuple[Path, ExportReport]) -> Path:
    return exported[0]


@pytest.fixture(scope="module")
def nginx(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    """nginx serving the export with its own nginx.conf, changed only to listen on a free loopback port."""
    require_brotli_module()
    port = free_port()
    config = (site / CONFIG_NAME).read_text(encoding="utf-8")
    assert config.count("\n    listen 80;\n") == 1
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "site.conf").write_text(config.replace("\n    listen 80;\n", f"\n    listen 127.0.0.1:{port};\n"))
    with running_nginx(prefix, f"    include {prefix / 'site.conf'};", port) as server:
        yield server


@pytest.fixture(scope="module")
def urls(live: LiveContent) -> list[str]:
    return [url for key in live.snapshot.table for url in urls_of(key)]


def from_app(client: FlaskClient, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Fetched:
    with client.open(path, method=method, headers=headers or {}) as response:
        message = Message()
        for name, value in response.headers.items():
            message[name] = value
        return Fetched(response.status_code, message, response.get_data())


def differences(url: str, app: Fetched, nginx: Fetched, names: tuple[str, ...] = SAME_HEADERS) -> list[str]:
    found = [f"{url}: status app {app.status}, nginx {nginx.status}"] if app.status != nginx.status else []
    found += [
        f"{url}: {name} app {app.header(name)!r}, nginx {nginx.header(name)!r}"
        for name in names
        if app.header(name) != nginx.header(name)
    ]
    if app.vary() != nginx.vary():
        found.append(f"{url}: Vary app {sorted(app.vary())}, nginx {sorted(nginx.vary())}")
    if app.body != nginx.body:
        found.append(f"{url}: body app {len(app.body)} bytes, nginx {len(nginx.body)} bytes, not the same")
    return found


# -- the files ------------------------------------------------------------------------------------


def test_export_writes_every_body_with_its_encodings(site, live):
    missing = []

    for key, body in live.snapshot.table.items():
        path = site / key.file()
        expected = {path: body.data}
        expected.update(
            {path.with_name(path.name + ".gz"): data for enc, data in body.encoded.items() if enc == "gzip"}
        )
        expected.update({path.with_name(path.name + ".br"): data for enc, data in body.encoded.items() if enc == "br"})
        missing += [f"{key!r}: {p}" for p, data in expected.items() if not p.is_file() or p.read_bytes() != data]
        missing += [f"{key!r}: unexpected {p}" for p in path.parent.glob(path.name + ".*") if p not in expected]

    assert missing == []


def test_export_file_layout(site):
    assert (site / "index.html").is_file()
    assert (site / "articles" / "lupus-numbness" / "index.html").is_file()
    assert (site / "fragment" / "lupus-numbness" / "takeaway" / "index.html").is_file()
    assert (site / "fragment" / "lupus-numbness" / "sources" / "sources" / "index.html").is_file()
    assert (site / "embed" / "lupus-numbness" / "sources" / "auto" / "_.html").is_file()
    assert (site / "embed" / "lupus-numbness" / "sources" / "dark" / "sources.html.br").is_file()


def test_export_copies_static_files_under_both_names(site, app):
    manifest = app.extensions["widget.links"].manifest

    for plain, hashed in manifest.items():
        assert (site / "static" / plain).read_bytes() == (PROJECT_ROOT / "static" / plain).read_bytes()
        assert (site / "static" / hashed).read_bytes() == (ASSETS_DIR / hashed).read_bytes()
        for suffix in (".gz", ".br"):
            assert (site / "static" / (hashed + suffix)).is_file() == (ASSETS_DIR / (hashed + suffix)).is_file()


def test_export_report_counts_files_and_bytes(exported):
    site, report = exported
    files = [path for path in site.rglob("*") if path.is_file()]

    assert report.folder == site
    assert report.files == len(files)
    assert report.bytes == sum(path.stat().st_size for path in files)
    assert report.warnings == ()


def test_export_config_comes_from_the_app_headers(site, settings):
    config = (site / CONFIG_NAME).read_text(encoding="utf-8")

    assert widget_cache_control(settings) in config
    assert f"style-src {settings.public_url};" in config
    assert "gzip_static on;" in config
    assert "brotli_static on;" in config
    assert "partner" in config.split("\nserver {")[0]  # the comment saying what is not reproduced


def test_export_warns_that_the_partners_policy_is_not_reproduced(app, settings, tmp_path, monkeypatch):
    monkeypatch.setitem(app.extensions, "widget.settings", replace(settings, embed_policy="partners"))

    report = export_site(app, tmp_path / "site")

    assert len(report.warnings) == 1
    assert report.warnings[0].startswith("WIDGET_EMBED_POLICY is 'partners', but the export serves the 'open' policy")


# -- the command ----------------------------------------------------------------------------------


def test_export_command_writes_the_site(app, tmp_path):
    folder = tmp_path / "out"

    result = app.test_cli_runner().invoke(args=["export", str(folder)])

    assert result.exit_code == 0, result.output
    assert f"to {folder}." in result.output
    assert (folder / "index.html").is_file()
    assert (folder / CONFIG_NAME).is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_export_command_refuses_a_folder_with_files(app, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")

    result = app.test_cli_runner().invoke(args=["export", str(tmp_path)])

    assert result.exit_code == 2
    assert f"'{tmp_path}' exists and is not empty; pass --force to replace it." in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_export_command_accepts_an_empty_folder(app, tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()

    result = app.test_cli_runner().invoke(args=["export", str(folder)])

    assert result.exit_code == 0, result.output
    assert (folder / "index.html").is_file()


def test_export_command_force_replaces_the_folder(app, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "stale.html").write_text("old")

    result = app.test_cli_runner().invoke(args=["export", str(folder), "--force"])

    assert result.exit_code == 0, result.output
    assert not (folder / "stale.html").exists()
    assert (folder / "index.html").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_export_force_refuses_a_folder_holding_the_project(app):
    with pytest.raises(ExportError) as excinfo:
        export_site(app, PROJECT_ROOT.parent, force=True)

    assert excinfo.value.args[0].endswith("--force would delete it. Choose another folder.")


def test_failed_export_leaves_the_old_folder_and_no_half_site(app, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "stale.html").write_text("old")

    def broken(**kwargs: object) -> str:
        raise ExportError("boom")

    monkeypatch.setattr("widget.export.nginx_config", broken)

    with pytest.raises(ExportError):
        export_site(app, folder, force=True)

    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in folder.iterdir()] == ["stale.html"]


# -- served by nginx, compared with the app -------------------------------------------------------


def test_nginx_serves_the_app_bytes(nginx, client, urls):
    found = []

    for url in urls:
        app_answer = from_app(client, url)
        found += differences(url, app_answer, nginx.get(url))
        assert app_answer.status == 200, url

    assert len(urls) == len(set(urls)) > 90
    assert found == []


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_nginx_sends_the_app_compressed_bytes(nginx, client, urls, encoding):
    found = []
    compressed = 0

    for url in urls:
        app_answer = from_app(client, url, {"Accept-Encoding": encoding})
        found += differences(url, app_answer, nginx.get(url, {"Accept-Encoding": encoding}))
        compressed += app_answer.header("Content-Encoding") == encoding

    assert compressed > 90
    assert found == []


def test_nginx_prefers_brotli_like_the_app(nginx, client):
    accept = {"Accept-Encoding": "gzip, deflate, br"}

    app_answer = from_app(client, "/embed/lupus-numbness/sections", accept)
    served = nginx.get("/embed/lupus-numbness/sections", accept)

    assert app_answer.header("Content-Encoding") == served.header("Content-Encoding") == "br"
    assert served.body == app_answer.body


def test_nginx_embed_scripts_only_where_the_app_does(nginx, client):
    # Every widget document loads the resize script, so its CSP admits scripts; a fragment runs none.
    lazy = nginx.get("/embed/lupus-numbness/sources")
    opened = nginx.get("/embed/lupus-numbness/sources?open=sources")
    fragment = nginx.get("/fragment/lupus-numbness/sources")

    assert "script-src" in (lazy.header("Content-Security-Policy") or "")
    assert "script-src" in (opened.header("Content-Security-Policy") or "")
    assert "script-src" not in (fragment.header("Content-Security-Policy") or "")
    assert opened.header("Content-Security-Policy") == from_app(
        client, "/embed/lupus-numbness/sources?open=sources"
    ).header("Content-Security-Policy")


def test_nginx_revalidates_with_304_and_the_caching_headers(nginx, client):
    url = "/fragment/lupus-numbness/takeaway"
    served = nginx.get(url, {"Accept-Encoding": "gzip"})

    again = nginx.get(url, {"Accept-Encoding": "gzip", "If-None-Match": served.header("ETag") or ""})

    assert again.status == 304
    assert again.body == b""
    assert again.header("Cache-Control") == from_app(client, url).header("Cache-Control")
    assert again.header("Access-Control-Allow-Origin") == "*"


def test_nginx_fragment_cors_and_vary(nginx):
    served = nginx.get(
        "/fragment/lupus-numbness/takeaway", {"Accept-Encoding": "gzip", "Origin": "https://partner.example"}
    )

    assert served.header("Access-Control-Allow-Origin") == "*"
    assert served.vary() == {"origin", "accept-encoding"}


def test_nginx_answers_a_preflight_like_the_app(nginx, client):
    headers = {
        "Origin": "https://partner.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "hx-request, hx-current-url",
    }
    path = "/fragment/lupus-numbness/sections/overview"

    app_answer = from_app(client, path, headers, method="OPTIONS")
    served = nginx.get(path, headers, method="OPTIONS")

    names = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers")
    assert differences(path, app_answer, served, (*names, "Access-Control-Max-Age")) == []
    assert served.status == 204


@pytest.mark.parametrize("query", ["theme=purple", "theme=DARK", "open=Sources", "open=_"])
def test_nginx_refuses_bad_parameters_like_the_app(nginx, client, query):
    url = f"/embed/lupus-numbness/sources?{query}"

    assert from_app(client, url).status == 400
    assert nginx.get(url).status == 400


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_nginx_answers_unknown_paths_404(nginx, client, path):
    served = nginx.get(path)

    assert served.status == 404
    assert from_app(client, path).status == 404
    assert served.header("X-Content-Type-Options") == "nosniff"
    assert served.header("Cache-Control") == from_app(client, path).header("Cache-Control")


def test_nginx_serves_static_files_like_the_app(nginx, client, app):
    links: Links = app.extensions["widget.links"]
    found = []

    for plain, hashed in links.manifest.items():
        for name in (plain, hashed):
            url = f"/static/{name}"
            for accept in ({}, {"Accept-Encoding": "gzip"}, {"Accept-Encoding": "br"}):
                app_answer = from_app(client, url, accept)
                served = nginx.get(url, accept)
                found += differences(url, app_answer, served, ("Cache-Control", "Content-Encoding", "Last-Modified"))
                found += differences(url, app_answer, served, ("Access-Control-Allow-Origin", "X-Content-Type-Options"))
                found += differences(
                    url, app_answer, served, ("Content-Security-Policy", "Referrer-Policy", "Permissions-Policy")
                )
                if media_type(app_answer) != media_type(served):
                    found.append(f"{url}: Content-Type app {media_type(app_answer)}, nginx {media_type(served)}")

    assert found == []


def test_nginx_caches_hashed_static_names_forever(nginx, app):
    links: Links = app.extensions["widget.links"]
    stylesheet = links.manifest["widget.css"]

    hashed = nginx.get(f"/static/{stylesheet}")
    plain = nginx.get("/static/widget.css")

    assert hashed.status == plain.status == 200
    assert hashed.header("Cache-Control") == "max-age=315360000, public, immutable"
    assert "immutable" not in (plain.header("Cache-Control") or "")


def media_type(answer: Fetched) -> tuple[str, str | None]:
    """The type and charset: WhiteNoise quotes the charset (charset="utf-8"), nginx does not."""
    charset = answer.headers.get_param("charset")
    return answer.headers.get_content_type(), charset if isinstance(charset, str) else None


@pytest.mark.parametrize("umask", [0o000, 0o077])
def test_export_modes_do_not_follow_the_umask(app, tmp_path, umask):
    # World-writable files would let anyone change what a CDN serves; private ones, nginx could not read.
    previous = os.umask(umask)
    try:
        export_site(app, tmp_path / "site")
    finally:
        os.umask(previous)

    entries = [tmp_path / "site", *(tmp_path / "site").rglob("*")]
    modes = {path.stat().st_mode & 0o777 for path in entries if path.is_dir()}
    file_modes = {path.stat().st_mode & 0o777 for path in entries if path.is_file()}
    assert modes == {0o755}
    assert file_modes == {0o644}
