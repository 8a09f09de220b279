"""gunicorn under load, short: steady traffic, reloads and a killed worker under load, slow clients.

The full run (60 s of steady load, SIGHUP reloads, a report) is ``.venv/bin/python loadtest/run.py``;
these use the same scenarios with shorter timings. Each starts its own gunicorn (gunicorn.conf.py,
two workers, WIDGET_WATCH_INTERVAL=1) on 127.0.0.1 and always stops it.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from loadtest.scenarios import ScenarioResult, Setup, reload_under_load, steady, worker_kill
from loadtest.server import Options
from loadtest.slowclients import slow_clients_scenario
from tests.support import ARTICLES
from widget.gthread import HEAD_TIMEOUT

CONNECTIONS = 8
SETTLE = 8.0  # seconds a change may take to be served, or a worker to be replaced


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    template = tmp_path / "template"
    shutil.copytree(ARTICLES, template)
    return Setup(template=template, work=tmp_path, server=Options(workers=2), connections=CONNECTIONS, timeout=5.0)


def failed_checks(result: ScenarioResult) -> str:
    return "\n".join(f"{check.name}: {check.detail}" for check in result.checks if not check.ok)


def test_steady_load_has_no_failed_request(setup):
    result = steady(setup, duration=8)

    assert not failed_checks(result), failed_checks(result)
    assert result.load.failures == []
    statuses = {status for _, status in result.load.statuses}
    assert statuses == {200, 304, 400, 404}
    assert result.load.succeeded > 1000


def test_steady_load_rendering_on_request_has_no_failed_request(setup):
    # What a large catalogue does: every body rendered on its first request, by threads at once.
    setup = replace(setup, server=Options(workers=2, prerender_limit=0))
    result = steady(setup, duration=6)

    assert not failed_checks(result), failed_checks(result)
    assert result.load.failures == []
    assert result.load.succeeded > 500


def test_reload_under_load_serves_the_last_good_version(setup):
    result = reload_under_load(setup, "watch", lead=1.0, hold=3.0, settle=SETTLE, tail=0.5)

    assert not failed_checks(result), failed_checks(result)
    assert result.load.failures == []
    labels = {sample.label for sample in result.load.samples}
    assert labels == {"original", "edit", "fix"}


def test_worker_killed_under_load_is_replaced(setup):
    result = worker_kill(setup, before=2.0, after=2.0, settle=SETTLE)

    assert not failed_checks(result), failed_checks(result)
    # Only requests on the killed worker's connections may fail, one per connection at most.
    assert len(result.load.failures) <= CONNECTIONS
    assert all(failure.local_port for failure in result.load.failures)


def test_slow_clients_do_not_stall_the_server(setup):
    # 64 connections dripping a header byte a second: eight times the 2 workers x 4 threads.
    result = slow_clients_scenario(setup, connections=64, interval=1.0, duration=HEAD_TIMEOUT + 4)

    assert not failed_checks(result), failed_checks(result)
    assert result.load.failures == []
    assert result.load.succeeded > 100
