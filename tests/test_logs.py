"""The access log (widget/logs.py): one JSON line per request, naming the route, never the reader."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from gunicorn.config import Config

from widget.logs import JsonAccessLogger

SLUG = "lupus-numbness"
FIELDS = ["time", "method", "route", "path", "status", "bytes", "duration_ms"]


@dataclass(frozen=True)
class Sent:
    """What gunicorn's response object tells the logger."""

    status: str = "200 OK"
    sent: int = 1234


class Lines(logging.Handler):
    """Every line the access log writes, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def access() -> tuple[JsonAccessLogger, Lines]:
    """The logger as gunicorn.conf.py sets it up (accesslog = "-"), writing into a list."""
    config = Config()
    config.set("accesslog", "-")
    logger = JsonAccessLogger(config)
    lines = Lines()
    logger.access_log.handlers = [lines]
    return logger, lines


def environ(path: str, query: str = "", method: str = "GET") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": "203.0.113.7",
        "HTTP_X_FORWARDED_FOR": "198.51.100.4",
        "HTTP_COOKIE": "session=secret",
        "HTTP_USER_AGENT": "Reader/1.0",
        "HTTP_REFERER": "https://partner.example/page?reader=42",
    }


def log(access: tuple[JsonAccessLogger, Lines], path: str, **kwargs: Any) -> list[str]:
    logger, lines = access
    status = kwargs.pop("status", "200 OK")
    sent = kwargs.pop("sent", 1234)
    logger.access(Sent(status, sent), None, environ(path, **kwargs), timedelta(microseconds=2500))
    return lines.lines


def test_one_json_line_per_request(access):
    lines = log(access, f"/embed/{SLUG}/takeaway")
    lines = log(access, f"/fragment/{SLUG}/takeaway", status="304 Not Modified", sent=0)

    assert len(lines) == 2
    assert all("\n" not in line for line in lines)
    first, second = (json.loads(line) for line in lines)
    assert list(first) == FIELDS
    assert {key: first[key] for key in FIELDS[1:]} == {
        "method": "GET",
        "route": "embed",
        "path": f"/embed/{SLUG}/takeaway",
        "status": 200,
        "bytes": 1234,
        "duration_ms": 2.5,
    }
    assert (second["route"], second["status"], second["bytes"]) == ("fragment", 304, 0)


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/", "index"),
        (f"/articles/{SLUG}", "articles"),
        (f"/fragment/{SLUG}/sections/overview", "fragment-part"),
        ("/static/widget.css", "static"),
        ("/oembed", "oembed"),
        ("/healthz", "healthz"),
        ("/wp-login.php", "other"),
    ],
)
def test_each_line_names_the_route(access, path, route):
    (line,) = log(access, path)

    assert json.loads(line)["route"] == route


def test_no_client_address_cookie_referrer_or_query_is_logged(access):
    (line,) = log(access, "/oembed", query="url=https://widgets.example.org/embed/x/takeaway&reader=42")

    for secret in ("203.0.113.7", "198.51.100.4", "session", "secret", "Reader/1.0", "partner.example", "reader=42"):
        assert secret not in line
    assert json.loads(line)["path"] == "/oembed"


def test_control_characters_in_a_path_are_escaped(access):
    path = "/embed/\x1b[31mred\x1b[0m\r\nforged line\x00/takeaway"

    (line,) = log(access, path)

    assert all(ord(char) >= 0x20 for char in line)
    assert "\\u001b[31mred" in line
    assert "\\r\\nforged line\\u0000" in line
    assert json.loads(line)["path"] == path


def test_a_long_path_is_cut_at_200_characters(access):
    path = "/embed/" + "a" * 500 + "/takeaway"

    (line,) = log(access, path)

    assert json.loads(line)["path"] == path[:200]


def test_nothing_is_written_when_the_access_log_is_off():
    logger = JsonAccessLogger(Config())
    lines = Lines()
    logger.access_log.handlers = [lines]

    logger.access(Sent(), None, environ("/"), timedelta(milliseconds=1))

    assert lines.lines == []
