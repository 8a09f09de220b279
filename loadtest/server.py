"""gunicorn as deployed (gunicorn.conf.py) on 127.0.0.1, its workers, their memory and their connections.

Starting, waiting and stopping reuse bench/servers.py: the server runs in its own process group,
stderr (gunicorn's error log and the app's log) goes to a file, stdout (the JSON access log) is
written and discarded, and ``stop()`` ends the whole group.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BIN, ROOT
from bench.servers import Server, fetch, free_port, memory_of, repo_workers


@dataclass(frozen=True, slots=True)
class Options:
    """How to run gunicorn: None leaves gunicorn.conf.py's value."""

    workers: int | None = None
    threads: int | None = None
    prerender_limit: int | None = None  # 0: every body rendered on its first request (widget.table)
    start_timeout: float = 60.0
    config: Path = ROOT / "gunicorn.conf.py"


class Gunicorn:
    def __init__(self, server: Server, content: Path, workers: int) -> None:
        self.server = server
        self.port = server.port
        self.content = content
        self.workers = workers

    @property
    def master(self) -> int:
        assert self.server.proc is not None
        return self.server.proc.pid

    def worker_pids(self) -> set[int]:
        return set(self.server.pids()) - {self.master}

    def hup(self) -> None:
        os.kill(self.master, signal.SIGHUP)

    def readyz(self) -> dict[str, Any]:
        """/readyz on a new connection (so any worker may answer it)."""
        status, _, body = fetch(self.port, "/readyz", {"Connection": "close"}, timeout=5)
        if status != 200:
            raise RuntimeError(f"/readyz answered {status}")
        data: dict[str, Any] = json.loads(body)
        return data

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection, identity encoding."""
        return fetch(self.port, path, {"Connection": "close"}, timeout=5)

    def wait_workers(self, previous: set[int], timeout: float) -> set[int] | None:
        """Until the master has its full count of workers, none of them in ``previous``; None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = self.worker_pids()
            if len(current) == self.workers and not current & previous:
                return current
            time.sleep(0.05)
        return None

    def log_lines(self, *needles: str) -> list[str]:
        try:
            text = self.server.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if any(n in line for n in needles)]


def server_env(content: Path, port: int, watch_interval: int, options: Options) -> dict[str, str]:
    """The caller's environment without its WIDGET_* settings, plus the ones this run needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIDGET_") and k != "GUNICORN_CMD_ARGS"}
    env.update(
        WIDGET_CONTENT_DIR=str(content),
        WIDGET_PUBLIC_URL=f"http://127.0.0.1:{port}",
        WIDGET_WATCH_INTERVAL=str(watch_interval),
    )
    if options.workers:
        env["WEB_CONCURRENCY"] = str(options.workers)
    if options.threads:
        env["WIDGET_THREADS"] = str(options.threads)
    if options.prerender_limit is not None:
        env["WIDGET_PRERENDER_LIMIT"] = str(options.prerender_limit)
    env["WIDGET_CACHE_DIR"] = str(content.parent / "article-cache")
    return env


@contextlib.contextmanager
def running_gunicorn(
    name: str, content: Path, logs: Path, *, watch_interval: int, options: Options
) -> Iterator[Gunicorn]:
    """gunicorn with gunicorn.conf.py on a free loopback port, serving ``content``; always stopped."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--config", str(options.config), "--bind", f"127.0.0.1:{port}"]
    # gunicorn >= 25.1 listens on $HOME/.gunicorn/gunicorn.ctl by default, one path for every instance:
    # each start unlinks the last one's socket. Give this instance its own.
    argv += ["--control-socket", str(logs / "gunicorn.ctl")]
    server = Server(name, argv, server_env(content, port, watch_interval, options), logs / f"{name}.log", port)
    workers = options.workers or int(os.environ.get("WEB_CONCURRENCY") or 0) or repo_workers()
    try:
        server.start()
        if server.wait_ready("/readyz", options.start_timeout) is None:
            raise RuntimeError(f"gunicorn was not ready in {options.start_timeout} s:\n{server.log_tail()}")
        gunicorn = Gunicorn(server, content, workers)
        if gunicorn.wait_workers(set(), options.start_timeout) is None:
            raise RuntimeError(f"gunicorn did not start {workers} workers:\n{server.log_tail()}")
        yield gunicorn
    finally:
        server.stop()


# -- memory ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemorySample:
    round: int
    at: float  # monotonic
    pid: int
    master: bool
    rss: int  # bytes
    pss: int | None  # bytes; None where smaps_rollup could not be read


class MemorySampler:
    """RSS and PSS of the master and of each worker, every ``interval`` seconds, in a thread."""

    def __init__(self, gunicorn: Gunicorn, interval: float = 1.0) -> None:
        self.gunicorn = gunicorn
        self.interval = interval
        self.samples: list[MemorySample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sample(len({s.round for s in self.samples}))  # the end, after the load stopped

    def sample(self, round_no: int) -> None:
        master = self.gunicorn.master
        at = time.monotonic()
        for pid in [master, *sorted(self.gunicorn.worker_pids())]:
            memory = memory_of([pid])
            if memory.rss:  # 0: it exited between listing and reading
                self.samples.append(MemorySample(round_no, at, pid, pid == master, memory.rss, memory.pss))

    def _run(self) -> None:
        round_no = 0
        while not self._stop.is_set():
            self.sample(round_no)
            round_no += 1
            self._stop.wait(self.interval)


# -- which client connections a worker holds ---------------------------------------------------------


def client_ports_of(pid: int, server_port: int) -> set[int]:
    """The client ports of the TCP connections ``pid`` holds to ``server_port`` (from /proc, Linux only)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if inode in inodes and int(local.rsplit(":", 1)[1], 16) == server_port:
                    remote_port = int(remote.rsplit(":", 1)[1], 16)
                    if remote_port:
                        ports.add(remote_port)
    return ports


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> float | None:
    """Seconds until ``check()`` held, or None after ``timeout``; errors from the check count as not yet."""
    began = time.monotonic()
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException, RuntimeError, ValueError):
            if check():
                return time.monotonic() - began
        if time.monotonic() - began > timeout:
            return None
        time.sleep(interval)
