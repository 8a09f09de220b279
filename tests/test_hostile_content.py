"""Hostile article and partners files: rejected at load with a clear message, or rendered inert.

The samples live in tests/hostile/ (see its README.md): ``inert/`` must load and render with no
active markup anywhere, ``rejected/`` must each be refused naming the file and the field, and
``partners/`` must each make load_partners() name the partner and the value. Files that cannot
sensibly be stored (50 MB) are generated in a temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.stack import bodies, call, links, url_of
from tests.support import PUBLIC_URL, RESIZE_SRC
from widget import create_app
from widget.cli import content
from widget.content import MAX_FILE_BYTES, InvalidContent, Problem, check_articles
from widget.partners import PartnersError, load_partners
from widget.render import HTMX
from widget.settings import PROJECT_ROOT, Settings

HOSTILE = PROJECT_ROOT / "tests" / "hostile"
INERT = HOSTILE / "inert"
REJECTED = HOSTILE / "rejected"
PARTNERS = HOSTILE / "partners"
TODAY = date(2026, 3, 10)
BIG_FILE_BYTES = 50 * 1024 * 1024
# What no rendered body may contain: the Trojan Source characters, and C0 controls HTML forbids.
INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background"})
ACTIVE_ELEMENTS = frozenset(
    {"style", "iframe", "object", "embed", "svg", "math", "img", "base", "form", "input", "frame", "frameset", "audio"}
)
LINK_RELS = frozenset({"stylesheet", "canonical", "alternate"})


# -- the inertness check --------------------------------------------------------------------------


class _Inspector(HTMLParser):
    """Everything in a body that could run, load, navigate or restyle, as a list of problems."""

    def __init__(self, htmx_url: str, public_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.htmx_url = htmx_url
        self.public_url = public_url
        self.problems: list[str] = []
        self.text: list[str] = []
        self.data_blocks: list[str] = []
        self._in_data_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("type") == "application/ld+json" and "src" not in attributes:
                self._in_data_block = True
                self.data_blocks.append("")
            elif (
                attributes.get("src") != self.htmx_url and not RESIZE_SRC.fullmatch(attributes.get("src") or "")
            ) or set(attributes) - {"src", "defer"}:
                self.problems.append(f"<script {attributes}>")
        if tag in ACTIVE_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv={attributes['http-equiv']!r}>")
        if tag == "link" and attributes.get("rel") not in LINK_RELS:
            self.problems.append(f"<link rel={attributes.get('rel')!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in URL_ATTRIBUTES and not _safe_url(value or ""):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "data-hx-get" and not (value or "").startswith(self.public_url + "/"):
                self.problems.append(f"<{tag} data-hx-get={value!r}> leaves our origin")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_data_block = False

    def handle_data(self, data: str) -> None:
        if self._in_data_block:
            self.data_blocks[-1] += data
        else:
            self.text.append(data)


def _safe_url(url: str) -> bool:
    if url.startswith("#"):
        return True
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and url == url.strip()


def inspect(html: str, app: Flask) -> _Inspector:
    inspector = _Inspector(links(app).static(HTMX), links(app).public_url)
    inspector.feed(html)
    inspector.close()
    for block in inspector.data_blocks:
        if "<" in block:
            inspector.problems.append("a '<' inside a JSON-LD script block")
        json.loads(block)
    if match := INVISIBLE.search(html):
        inspector.problems.append(f"U+{ord(match.group()):04X} in the markup")
    return inspector


def inert_problems(app: Flask) -> list[str]:
    """Every problem in every body the app serves (all kinds, modes, themes, open variants, parts)."""
    failures = []
    for key in bodies(app):
        path, query = url_of(key)
        reply = call(app, path, query=query)
        assert reply.status == 200, (path, query, reply.status)
        failures += [f"{path}?{query}: {problem}" for problem in inspect(reply.text, app).problems]
    return failures


def build_app(folder: Path) -> Flask:
    return create_app(Settings(content_dir=folder, public_url=PUBLIC_URL))


@pytest.fixture(scope="module")
def inert_app() -> Flask:
    return build_app(INERT)


def visible_text(html: str, app: Flask) -> str:
    return " ".join("".join(inspect(html, app).text).split())


def errors_for(problems: list[Problem], path: Path) -> list[Problem]:
    return [p for p in problems if p.severity == "error" and p.file == str(path)]


def rejected_samples() -> list[Path]:
    # The invalid UTF-8 sample is stored as .latin1: ruff format reads every .md file and stops at it.
    return sorted([*REJECTED.glob("*.md"), *REJECTED.glob("*.latin1")])


def sample_path(name: str) -> Path:
    return next(path for path in rejected_samples() if path.stem == name)


def check_one(sample: Path, folder: Path) -> tuple[Path, dict[str, object], list[Problem]]:
    """Copy ``sample`` alone into ``folder`` as an article file and check it; a crash fails the test."""
    path = folder / f"{sample.stem}.md"
    shutil.copyfile(sample, path)
    try:
        articles, problems = check_articles(folder, today=TODAY)
    except (RecursionError, ValueError, TypeError) as exc:
        crash = f"{type(exc).__name__}: {exc!s:.200}"
    else:
        return path, dict(articles), problems
    # Outside the except block, so the report is one line rather than a 1,000-frame traceback.
    pytest.fail(f"check_articles raised {crash} for {sample.name} instead of reporting a problem")


# -- inert samples: they load, and nothing in them is active --------------------------------------


def test_inert_samples_load_without_errors():
    articles, problems = check_articles(INERT, today=TODAY)

    assert [p for p in problems if p.severity == "error"] == []
    assert sorted(articles) == ["hostile-links", "hostile-markup", "hostile-unicode"]


def test_every_rendered_body_of_the_inert_samples_is_inert(inert_app):
    app = inert_app

    failures = inert_problems(app)

    assert len(bodies(app)) > 50
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert('title')</script> Is <b>this</b> safe? \" onmouseover=\"alert('title-attr')",
        "By <img src=x onerror=alert('byline')>",
        "Yes. <script>alert('takeaway')</script> and <a href=\"javascript:alert('takeaway-link')\">a raw link</a>",
        "<svg onload=alert('key-takeaway')></svg> shows as text.",
        "<script>alert('code')</script> in inline code",
        "</li></ul></details></section><script>alert('breakout')</script> cannot close our markup.",
        "<iframe src=javascript:alert('related')></iframe>",
        "</a><script>alert('related-link')</script>",
        "<style>body{display:none}</style> --> <!-- <base href=https://evil.example/> disclaimer",
        "<caption onclick=alert('caption')>Caption",
        '<th style="color:red">Column',
        "B\"'><script>alert('column')</script>",
        "<td onclick=alert('cell')>cell",
        "<form action=https://evil.example><input name=q></form>",
        "<object data=\"data:text/html,<script>alert('note')</script>\"></object> note",
        "</title><script>alert('source-title')</script>",
        "<marquee onstart=alert('site')>site</marquee>",
        "10.1000/\"><script>alert('doi')</script>",
        "<script>alert('body-block')</script>",
        "Overview with <img src=x onerror=alert('overview')> and <escaped> and <script>alert('entity')</script>",
        '<div style="position:fixed;inset:0">A raw block of HTML is shown as text.',
        "<h1 onclick=alert('heading')>Heading</h1>",
        "item <script>alert('list-item')</script>",
        "<style>*{color:red}</style> Subheading",
        "</details></section></body><script>alert('subsection')</script>",
    ],
)
def test_hostile_text_is_shown_as_text_on_the_article_page(snippet, inert_app):
    app = inert_app
    reply = call(app, "/articles/hostile-markup")

    assert snippet in visible_text(reply.text, app)


@pytest.mark.parametrize(
    ("path", "query", "snippet"),
    [
        ("/embed/hostile-markup/takeaway", "", "<script>alert('takeaway')</script>"),
        ("/fragment/hostile-markup/takeaway", "", "</li></ul></details></section><script>alert('breakout')</script>"),
        ("/embed/hostile-markup/sources", "open=sources", "</title><script>alert('source-title')</script>"),
        ("/fragment/hostile-markup/sources/sources", "", "<marquee onstart=alert('site')>site</marquee>"),
        ("/embed/hostile-markup/comparison", "theme=dark", "<td onclick=alert('cell')>cell"),
        ("/fragment/hostile-markup/comparison", "", "B\"'><script>alert('column')</script>"),
        ("/embed/hostile-markup/sections", "", "<h1 onclick=alert('heading')>Heading</h1>"),
        ("/fragment/hostile-markup/sections/overview", "", "<script>alert('body-block')</script>"),
    ],
)
def test_hostile_text_is_shown_as_text_in_widgets(path, query, snippet, inert_app):
    app = inert_app
    reply = call(app, path, query=query)

    assert reply.status == 200
    assert snippet in visible_text(reply.text, app)


def test_structured_data_holds_the_title_without_markup(inert_app):
    app = inert_app
    reply = call(app, "/embed/hostile-markup/takeaway")

    blocks = inspect(reply.text, app).data_blocks

    assert len(blocks) == 1
    assert json.loads(blocks[0])["name"].startswith("<script>alert('title')</script>")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_oembed_of_a_hostile_article_is_one_plain_iframe(fmt, inert_app):
    app = inert_app
    query = urlencode({"url": f"{PUBLIC_URL}/embed/hostile-markup/sources", "format": fmt})

    reply = call(app, "/oembed", query=query)

    assert reply.status == 200
    if fmt == "json":
        fields = json.loads(reply.body)
    else:
        fields = {element.tag: element.text for element in ET.fromstring(reply.body)}
    assert str(fields["title"]).startswith("<script>alert('title')</script>")
    tags: list[tuple[str, dict[str, str | None]]] = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: tags.append((tag, dict(attrs)))  # type: ignore[method-assign]
    parser.feed(str(fields["html"]))
    # The shape WordPress keeps: a blockquote with a link to the article, then the iframe.
    assert [tag for tag, _ in tags] == ["blockquote", "a", "iframe"]
    assert tags[1][1] == {"href": f"{PUBLIC_URL}/articles/hostile-markup"}
    iframe = tags[2][1]
    assert set(iframe) == {
        "src",
        "title",
        "width",
        "height",
        "frameborder",
        "marginwidth",
        "marginheight",
        "scrolling",
        "loading",
        "style",
    }
    assert iframe["src"] == f"{PUBLIC_URL}/embed/hostile-markup/sources"
    assert str(iframe["title"]).startswith("Sources: <script>alert('title')</script>")


# -- rejected samples: refused, naming the file and the field -------------------------------------

REJECTIONS = [
    ("url-javascript", "sources[1].url", "must be an absolute http:// or https:// URL"),
    ("url-data", "sources[1].url", "must be an absolute http:// or https:// URL"),
    ("url-protocol-relative", "sources[1].url", "must be an absolute http:// or https:// URL"),
    ("link-javascript", "body", "link 'javascript:alert(1)' must be an absolute http:// or https:// URL"),
    ("link-entity-javascript", "body", "link 'javascript:alert(1)' must be an absolute http:// or https:// URL"),
    ("link-data", "takeaway", "must be an absolute http:// or https:// URL"),
    ("link-vbscript-autolink", "key_takeaways[1]", "link 'vbscript:msgbox(1)' must be an absolute"),
    ("link-reference-data", "body", "link 'data:text/html,hi' must be an absolute"),
    ("image-tracking", "body", "images are not allowed"),
    ("bidi-raw", "title", "contains U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible control"),
    ("bidi-isolate-body", "body", "contains U+2066 (LEFT-TO-RIGHT ISOLATE), an invisible control"),
    ("bidi-link-title", "body", "link title contains U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    ("bidi-marks", "body", "contains U+200F (RIGHT-TO-LEFT MARK)"),
    ("control-c1", "title", "contains U+0085 (a control character)"),
    ("slug-traversal", "slug", "has the wrong form: '../../etc/passwd'"),
    ("lang-attribute", "lang", "has the wrong form"),
    ("invalid-utf8", "", "is not valid UTF-8"),
    ("yaml-alias", "front matter", "aliases (*name) are not allowed"),
    ("yaml-merge-key", "front matter", "merge keys (<<:) are not allowed in article files; write each field out"),
    ("yaml-python-tag", "front matter", "is not valid YAML"),
    ("yaml-nested-lists", "front matter", ""),
    ("yaml-nested-mappings", "front matter", ""),
    ("yaml-huge-integer", ("title", "front matter"), ""),
]


@pytest.mark.parametrize(("name", "field", "message"), REJECTIONS, ids=[name for name, _, _ in REJECTIONS])
def test_hostile_file_is_rejected_naming_file_and_field(content_dir, name, field, message):
    fields = field if isinstance(field, tuple) else (field,)
    path, articles, problems = check_one(sample_path(name), content_dir)

    errors = errors_for(problems, path)

    assert articles == {}
    assert any(p.field in fields and message in p.message for p in errors), [str(p) for p in problems]


def test_every_rejected_sample_is_covered():
    covered = {name for name, _, _ in REJECTIONS} | set(INVISIBLE_SAMPLES) | {"many-problems"}

    assert {path.stem for path in rejected_samples()} == covered


def test_every_problem_in_a_file_is_reported_at_once(content_dir):
    path, articles, problems = check_one(sample_path("many-problems"), content_dir)

    found = {(p.field, p.message.split(",")[0].split(";")[0]) for p in errors_for(problems, path)}

    assert articles == {}
    assert {
        ("body", "contains U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("published", "must be a date written YYYY-MM-DD"),
        ("sources[1].url", "must be an absolute http:// or https:// URL"),
        ("body", "images are not allowed in article text (they would load from another site)"),
        ("body", "a block quote is not allowed"),
    } <= found


# Characters that reorder or hide text may come in escaped (a YAML "\u202E", a Markdown "&#x202E;"),
# past the check on the file's raw lines: either the file is refused, or the reader never gets them.
ESCAPED_SAMPLES = ["bidi-yaml-escape", "bidi-entity", "control-yaml-escape"]
INVISIBLE_SAMPLES = ["bidi-raw", "bidi-isolate-body", *ESCAPED_SAMPLES]


@pytest.mark.parametrize("name", INVISIBLE_SAMPLES)
def test_reordering_and_control_characters_never_reach_a_reader(content_dir, name):
    path, articles, problems = check_one(sample_path(name), content_dir)

    if errors_for(problems, path):
        assert articles == {}
        return
    app = build_app(content_dir)
    leaks = [
        f"{url_of(key)}: U+{ord(m.group()):04X}"
        for key, body in bodies(app).items()
        if (m := INVISIBLE.search(body.data.decode()))
    ]
    assert leaks == [], f"{name} was accepted and its characters reach the page"


# -- size, special files --------------------------------------------------------------------------


@pytest.fixture
def big_file(content_dir: Path) -> Iterator[Path]:
    """50 MiB of spaces behind a front matter line, removed afterwards (pytest keeps old tmp dirs)."""
    path = content_dir / "big.md"
    chunk = b" " * (1024 * 1024)
    with path.open("wb") as handle:
        handle.write(b"---\nslug: big\n---\n")
        for _ in range(BIG_FILE_BYTES // len(chunk)):
            handle.write(chunk)
    yield path
    path.unlink()


def test_file_far_over_the_size_limit_is_refused_without_reading_it(content_dir, big_file):
    path = big_file

    tracemalloc.start()
    try:
        articles, problems = check_articles(content_dir, today=TODAY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert articles == {}
    assert [str(p) for p in errors_for(problems, path)] == [
        f"{path}: error: is {path.stat().st_size:,} bytes; an article file may be at most {MAX_FILE_BYTES:,} bytes"
    ]
    assert peak < 4 * 1024 * 1024, f"checking a {BIG_FILE_BYTES:,}-byte file allocated {peak:,} bytes"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX special files")
def test_special_files_are_never_read(content_dir):
    (content_dir / "zeros.md").symlink_to("/dev/zero")
    os.mkfifo(content_dir / "pipe.md")
    shutil.copyfile(INERT / "hostile-unicode.md", content_dir / "hostile-unicode.md")

    articles, problems = check_articles(content_dir, today=TODAY)

    assert list(articles) == ["hostile-unicode"]
    ignored = {Path(p.file).name for p in problems if "was ignored" in p.message}
    assert ignored == {"zeros.md", "pipe.md"}


# -- the command reports everything at once -------------------------------------------------------


def test_content_check_reports_every_hostile_file_at_once(content_dir, big_file):
    for sample in rejected_samples():
        shutil.copyfile(sample, content_dir / f"{sample.stem}.md")
    # The escaped reordering and control characters may be refused or removed (see above).
    must_refuse = {path.name for path in content_dir.iterdir()} - {f"{name}.md" for name in ESCAPED_SAMPLES}

    result = CliRunner().invoke(content, ["check", "--dir", str(content_dir)])

    assert result.exit_code == 1, result.exception
    assert isinstance(result.exception, SystemExit), result.exception
    reported = {Path(line.split(":", 1)[0]).name for line in result.output.splitlines() if ": error:" in line}
    assert sorted(must_refuse - reported) == []
    files = len(list(content_dir.glob("*.md"))) + 1  # and the partners file
    assert result.output.splitlines()[-1].startswith(f"{files} files checked: ")


def test_content_check_command_reports_deep_yaml_without_a_traceback(content_dir):
    shutil.copyfile(REJECTED / "yaml-nested-lists.md", content_dir / "yaml-nested-lists.md")
    command = [sys.executable, "-m", "flask", "--app", "widget", "content", "check", "--dir", str(content_dir)]

    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)

    assert "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.returncode == 1
    assert f"{content_dir / 'yaml-nested-lists.md'}:" in result.stderr
    assert "front matter:" in result.stderr


def test_content_check_reports_the_partners_file_too():
    # "flask --app widget content check reports all of it at once": a partners file that would
    # stop the deploy belongs in the same report as the articles.
    partners_file = PARTNERS / "many-problems.toml"

    result = CliRunner().invoke(
        content, ["check", "--dir", str(INERT)], env={"WIDGET_PARTNERS_FILE": str(partners_file)}
    )

    assert result.exit_code == 1
    assert f"{partners_file}: partner 'beta'" in result.output
    assert "'javascript:alert(1)'" in result.output


def test_hostile_samples_stop_the_app_with_every_problem(content_dir):
    for name in ("url-javascript", "link-data", "image-tracking"):
        shutil.copyfile(REJECTED / f"{name}.md", content_dir / f"{name}.md")

    with pytest.raises(InvalidContent) as excinfo:
        build_app(content_dir)

    assert {Path(p.file).stem for p in excinfo.value.problems if p.severity == "error"} == {
        "url-javascript",
        "link-data",
        "image-tracking",
    }


# -- partners files -------------------------------------------------------------------------------

PARTNER_VALUES = [
    ("origin-path", "https://partner.example/embed"),
    ("origin-javascript", "javascript:alert(1)"),
    ("origin-data", "data:text/html,<script>alert(1)</script>"),
    ("origin-wildcard", "https://*.partner.example"),
    ("origin-userinfo", "https://user:secret@partner.example"),
    ("origin-trailing-newline", "https://partner.example\n"),
    ("origin-header-injection", "https://partner.example\r\nSet-Cookie: session=stolen"),
    ("origin-csp-injection", "https://partner.example; script-src 'unsafe-inline'"),
    ("origin-csp-source-list", "https://partner.example 'unsafe-inline' *"),
    ("origin-null", "null"),
    ("origin-port-out-of-range", "https://partner.example:99999"),
    ("origin-unicode-host", "https://pärtner.example"),
    ("origin-quote", "https://partner.example'"),
    ("origin-no-scheme", "partner.example"),
    ("origin-ftp", "ftp://partner.example"),
    ("theme-css-injection", "dark; } body { background: url(https://evil.example/x) } .x {"),
]


@pytest.mark.parametrize(("name", "value"), PARTNER_VALUES)
def test_hostile_partners_file_names_partner_and_value(name, value):
    path = PARTNERS / f"{name}.toml"

    with pytest.raises(PartnersError) as excinfo:
        load_partners(path)

    assert len(excinfo.value.problems) == 1
    problem = excinfo.value.problems[0]
    assert problem.startswith(f"{path}: partner 'acme'")
    assert repr(value) in problem
    field = "theme" if name.startswith("theme") else "origins[1]"
    assert f": {field} " in problem


def test_every_partners_sample_is_covered():
    assert {path.stem for path in PARTNERS.glob("*.toml")} == {name for name, _ in PARTNER_VALUES} | {"many-problems"}


def test_partners_file_lists_every_problem_at_once():
    path = PARTNERS / "many-problems.toml"

    with pytest.raises(PartnersError) as excinfo:
        load_partners(path)

    assert excinfo.value.problems == (
        f"{path}: partner 'alpha': origins[0] must be an origin like 'https://health.example.org'"
        " (scheme, host and optional port; no path), got 'https://alpha.example/path'.",
        f"{path}: partner 'beta': origins[0] must be an origin like 'https://health.example.org'"
        " (scheme, host and optional port; no path), got 'javascript:alert(1)'.",
        f"{path}: partner 'gamma': theme must be one of light, dark, auto, got 'url(https://evil.example)'.",
    )
