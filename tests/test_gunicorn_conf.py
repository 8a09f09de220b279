"""gunicorn.conf.py: the worker it runs and the environment variables it reads."""

from __future__ import annotations

import runpy

import pytest

from widget.settings import PROJECT_ROOT

CONFIG = str(PROJECT_ROOT / "gunicorn.conf.py")


def test_config_runs_the_worker_that_reads_heads_in_its_event_loop():
    config = runpy.run_path(CONFIG)

    assert config["worker_class"] == "widget.gthread.HeadFirstWorker"
    assert config["worker_connections"] >= 200


@pytest.mark.parametrize(("name", "key"), [("WEB_CONCURRENCY", "workers"), ("WIDGET_THREADS", "threads")])
def test_config_reads_counts(monkeypatch, name, key):
    monkeypatch.setenv(name, " 3 ")

    config = runpy.run_path(CONFIG)

    assert config[key] == 3


@pytest.mark.parametrize("name", ["WEB_CONCURRENCY", "WIDGET_THREADS"])
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("4;x", "'4;x'"),
        ("0", "'0'"),
        ("1025", "'1025'"),
        ("-1", "'-1'"),
        ("\u0664", "'\u0664'"),
        ("4\x1b[2J", "'4\\x1b[2J'"),
    ],
)
def test_config_refuses_counts(monkeypatch, name, raw, shown):
    monkeypatch.setenv(name, raw)

    with pytest.raises(SystemExit) as excinfo:
        runpy.run_path(CONFIG)

    assert excinfo.value.args[0] == f"{name} must be a whole number from 1 to 1024, got {shown}."
