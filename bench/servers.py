"""The servers: gunicorn and nginx on 127.0.0.1, each in its own process group, always stopped."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import BIN, ROOT, log

# gunicorn configurations: label, config file, extra command-line options.
CONFIGS: dict[str, tuple[str, str, list[str]]] = {
    "repo": ("gunicorn.conf.py as is", "gunicorn.conf.py", []),
    "sync2": ("prototype: 2 sync workers", "gunicorn.conf.py", ["--worker-class", "sync", "--workers", "2"]),
    # Not in the default run: what the JSON access log costs, and what the threads do.
    "repo-nolog": ("gunicorn.conf.py, no access log", "bench/gunicorn_nolog.py", []),
    "repo-1thread": ("gunicorn.conf.py, 1 thread per worker", "gunicorn.conf.py", ["--threads", "1"]),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GUNICORN_CMD_ARGS"}
    env.update(extra)
    return env


def fetch(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def group_pids(pgid: int) -> list[int]:
    """Every process in the process group ``pgid`` (a server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return sorted(pids)


@dataclass
class Memory:
    processes: int
    rss: int  # bytes, summed: pages shared after fork are counted once per process
    pss: int | None  # bytes, summed proportional set size: shared pages divided among their sharers


def memory_of(pids: Sequence[int]) -> Memory:
    rss = pss = 0
    pss_ok = True
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        rss += int(match.group(1)) * 1024 if match else 0
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            found = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
            pss += int(found.group(1)) * 1024 if found else 0
            pss_ok = pss_ok and found is not None
        except OSError:
            pss_ok = False
    return Memory(len(pids), rss, pss if pss_ok else None)


class Server:
    """A server in its own process group, on 127.0.0.1, logging to a file; ``stop()`` ends the group."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path, port: int) -> None:
        self.name, self.argv, self.env, self.log_path, self.port = name, argv, env, log_path, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def start(self) -> None:
        with self.log_path.open("wb") as log_file:
            self.started = time.monotonic()
            # stdout is gunicorn's access log: one JSON line per request, not worth keeping.
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log_file,
                start_new_session=True,
            )

    def wait_ready(self, path: str, timeout: float) -> float | None:
        """Seconds from start until ``path`` answers 200; None on timeout. Raises if the server died."""
        assert self.proc is not None
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = fetch(self.port, path, timeout=2)
                if status == 200:
                    return time.monotonic() - self.started
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        return None

    def wait_workers(self, count: int, timeout: float = 20) -> int:
        """Wait until the group holds the master and ``count`` workers; returns the workers seen."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            seen = len(self.pids()) - 1
            if seen >= count:
                break
            time.sleep(0.1)
        return seen

    def pids(self) -> list[int]:
        return group_pids(self.proc.pid) if self.proc else []

    def memory(self) -> Memory:
        return memory_of(self.pids())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            # The master is gone; make sure no worker outlives it.
            if not self.pids():
                break
            time.sleep(0.5)
        self.proc = None


@contextlib.contextmanager
def running(servers: list[Server]) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


def gunicorn(name: str, config: str, app: str, port: int, tmp: Path, **env: str) -> Server:
    _, conf, extra = CONFIGS[config]
    argv = [str(BIN / "gunicorn"), "-c", conf, "--bind", f"127.0.0.1:{port}", *extra, app]
    return Server(name, argv, child_env(**env), tmp / f"{name}.log", port)


def repo_workers() -> int:
    return int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))


def expected_workers(config: str) -> int:
    return 2 if config == "sync2" else repo_workers()


def ensure_tools() -> dict[str, str]:
    """wrk and nginx, installed by scripts/system-deps if missing; exits loudly if that fails."""

    def find() -> tuple[str | None, str | None]:
        # nginx lives in /usr/sbin, which is not on every user's PATH.
        return shutil.which("wrk"), shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")

    wrk, nginx = find()
    if not wrk or not nginx:
        log("wrk or nginx is missing: running scripts/system-deps")
        result = subprocess.run([str(ROOT / "scripts" / "system-deps")], check=False)
        if result.returncode != 0:
            raise SystemExit("scripts/system-deps failed: install wrk and nginx (Debian packages wrk, nginx-light).")
        wrk, nginx = find()
    if not wrk or not nginx:
        raise SystemExit("wrk and nginx are required: apt-get install wrk nginx-light (scripts/system-deps does).")
    return {"wrk": wrk, "nginx": nginx}


def version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "?"
    lines = (out.stdout + out.stderr).strip().splitlines()
    return lines[0].split(" Copyright")[0] if lines else "?"


@dataclass
class NginxSite:
    plain_root: Path  # the folder the plain server serves
    plain_path: str  # the fragment's file in it
    export_conf: Path | None  # the export's own nginx.conf, when `flask --app widget export` works
    source: str


BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")


def nginx_site(tmp: Path, bench: Any) -> NginxSite:
    """The exported site, when ``flask --app widget export`` works; else a folder with the fragment's bytes."""
    out = tmp / "export"
    try:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "widget", "export", str(out)],
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        why = "" if result.returncode == 0 else ((result.stderr or result.stdout).strip().splitlines() or ["?"])[-1]
    except (OSError, subprocess.TimeoutExpired) as exc:
        why = str(exc)
    if not why:
        base = out / bench.path.lstrip("/")
        candidates = [base / "index.html", base.with_name(base.name + ".html"), base]
        found = next((c for c in candidates if c.is_file() and c.read_bytes() == bench.body), None)
        conf = out / "nginx.conf"
        if found is not None:
            return NginxSite(out, "/" + found.relative_to(out).as_posix(), conf if conf.is_file() else None, "exported")
        why = f"the export has no file with the fragment's bytes at {base}"
    site = tmp / "nginx-site"
    site.mkdir()
    (site / "fragment.html").write_bytes(bench.body)
    return NginxSite(site, "/fragment.html", None, f"export unavailable ({why}): the fragment's bytes written here")


def nginx_server(tools: dict[str, str], tmp: Path, site: NginxSite, plain_port: int, export_port: int) -> Server:
    """One nginx: the plain file on ``plain_port`` and, if there is one, the exported site on ``export_port``."""
    prefix = tmp / "nginx"
    prefix.mkdir()
    temp_paths = "\n".join(
        f"  {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    load_module = include = ""
    if site.export_conf:
        text = site.export_conf.read_text()
        # The export says: set `listen` to your needs. Loopback only, on a free port, and nothing else.
        listens = iter(range(1 << 30))
        text = re.sub(
            r"^(\s*)listen\s+[^;]+;",
            lambda m: f"{m.group(1)}listen 127.0.0.1:{export_port};" if next(listens) == 0 else "",
            text,
            flags=re.M,
        )
        if BROTLI_MODULE.exists():
            load_module = f"load_module {BROTLI_MODULE};"
        else:  # as its header says: without the module, drop the line and clients get gzip
            text = re.sub(r"^\s*brotli_static\s+on;.*$", "", text, flags=re.M)
        (prefix / "export.conf").write_text(text)
        include = f"  include {prefix / 'export.conf'};"
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"""# Written by bench/run.py. http {{}} as Debian's nginx.conf has it (sendfile, tcp_nopush), with
# the access log off.
{load_module}
worker_processes {os.cpu_count() or 2};
daemon off;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
{temp_paths}
  # The machine's ceiling: one static file, no added headers.
  server {{
    listen 127.0.0.1:{plain_port};
    root {site.plain_root};
    types {{ text/html html; }}
    default_type text/html;
  }}
{include}
}}
"""
    )
    argv = [tools["nginx"], "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf)]
    return Server("nginx", argv, child_env(), tmp / "nginx.log", plain_port)
