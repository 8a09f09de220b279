"""Start and stop a real nginx for tests: a config under tmp_path, a free loopback port, bounded waits.

Not a conftest: the tests that need nginx import these helpers. A missing nginx fails those tests
(it is a declared dependency, installed by scripts/system-deps), it never skips them.
"""

from __future__ import annotations

import grp
import http.client
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

NGINX = Path("/usr/sbin/nginx")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
INSTALL_HINT = "run scripts/system-deps (Debian packages nginx-light and libnginx-mod-http-brotli-static)"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


def nginx_binary() -> Path:
    """The nginx executable; fails the calling test (not a skip) when it is not installed."""
    found = NGINX if NGINX.exists() else shutil.which("nginx")
    if found is None:
        pytest.fail(f"nginx is not installed: {INSTALL_HINT}.", pytrace=False)
    return Path(found)


def require_brotli_module() -> None:
    if not BROTLI_MODULE.exists():
        pytest.fail(f"nginx's brotli static module is missing ({BROTLI_MODULE}): {INSTALL_HINT}.", pytrace=False)


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the OS picks it; a small race with other processes remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, alive: subprocess.Popen[bytes], log: Path, name: str) -> None:
    """Until something accepts connections on ``port``; fail early (with ``log``'s tail) if ``alive`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive.poll() is not None:
            pytest.fail(f"{name} exited with {alive.returncode}:\n{_tail(log)}", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"Nothing listened on 127.0.0.1:{port} within {timeout} s:\n{_tail(log)}", pytrace=False)


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM (nginx and gunicorn both shut down fast on it), then SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


@dataclass(frozen=True, slots=True)
class Nginx:
    port: int
    prefix: Path
    log: Path  # nginx's stderr: its error log

    def get(self, path: str, headers: Mapping[str, str] | None = None, method: str = "GET") -> Fetched:
        return fetch(self.port, path, headers, method)


def main_config(prefix: Path, http: str) -> str:
    """A whole nginx.conf around ``http`` (the inside of http {}), everything under ``prefix``."""
    load = f"load_module {BROTLI_MODULE};\n" if BROTLI_MODULE.exists() else ""
    # Run as root (CI, these machines), the workers would become 'nobody' and could not read
    # pytest's private tmp_path: keep them as the user running the tests.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};\n"
    temp = "\n".join(
        f"    {name}_temp_path {prefix / 'temp' / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""\
{load}{user}daemon off;
master_process on;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log stderr;
events {{
    worker_connections 256;
}}
http {{
    access_log off;
{temp}
{http}
}}
"""


@contextmanager
def running_nginx(prefix: Path, http: str, port: int) -> Iterator[Nginx]:
    """nginx in the foreground with ``http`` as its http {} block; stopped on exit, whatever happens."""
    binary = nginx_binary()
    (prefix / "temp").mkdir(parents=True, exist_ok=True)
    (prefix / "logs").mkdir(exist_ok=True)  # nginx opens <prefix>/logs/error.log before reading the config
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, http), encoding="utf-8")
    log = prefix / "stderr.log"
    with log.open("wb") as stderr:
        test = subprocess.run(
            [binary, "-t", "-p", str(prefix), "-c", str(config), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=START_TIMEOUT,
            check=False,
        )
        if test.returncode:
            pytest.fail(f"nginx rejected {config}:\n{test.stderr.decode(errors='replace')}", pytrace=False)
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(config), "-e", "stderr"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        wait_for_port(port, START_TIMEOUT, process, log, "nginx")
        yield Nginx(port, prefix, log)
    finally:
        stop_process(process)


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    headers: Message
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def vary(self) -> frozenset[str]:
        """Every Vary token, from however many Vary lines (nginx adds its own for Accept-Encoding)."""
        lines = self.headers.get_all("Vary") or []
        return frozenset(token.strip().lower() for line in lines for token in line.split(",") if token.strip())


def fetch(port: int, path: str, headers: Mapping[str, str] | None = None, method: str = "GET") -> Fetched:
    """One request on a fresh connection; the body read whole and the connection closed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # No automatic "Accept-Encoding: identity": the caller's headers are all that is sent.
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        with connection.getresponse() as response:
            return Fetched(response.status, response.msg, response.read())
    finally:
        connection.close()


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no output)"
