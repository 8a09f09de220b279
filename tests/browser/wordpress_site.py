"""A real WordPress for the browser tests: Debian's ``wordpress`` package, its MariaDB, PHP's built-in server.

Everything runs on loopback and in a temporary folder, started and stopped by the test setup:

- one ``mariadbd`` (no networking: a socket in the folder; no grant tables: it is nobody's but the
  test's), with a database per site;
- per site, a folder holding symbolic links to Debian's WordPress and our own ``wp-config.php``
  (``tests/browser/wordpress/``), served by ``php -S`` through a router that points WordPress there;
- installed with ``setup.php`` (php-cli): a post per article URL, the post's only line that URL,
  with our plugin (``wordpress/health-widgets``) active or not.

Every wait is bounded and a failure says what did not start, with the process's last output.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tests.browser.chromium import SETUP_HINT, MissingTool
from widget.settings import PROJECT_ROOT

WORDPRESS: Final = Path("/usr/share/wordpress")
HARNESS: Final = Path(__file__).resolve().parent / "wordpress"
PLUGIN: Final = PROJECT_ROOT / "wordpress" / "health-widgets"
PROGRAMS: Final = ("mariadb-install-db", "mariadbd", "mariadb", "php")
START_TIMEOUT: Final = 30.0  # seconds for MariaDB or PHP to answer; both take one or two
SETUP_TIMEOUT: Final = 60.0  # seconds for installing WordPress and writing its posts


class WordPressError(RuntimeError):
    """A part of the WordPress harness did not start; the message says which, and its output."""


def require_wordpress() -> None:
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing or not (WORDPRESS / "wp-settings.php").is_file():
        what = ", ".join(missing) or f"WordPress at {WORDPRESS}"
        raise MissingTool(f"{what} is not installed (Debian's wordpress, mariadb-server, php-cli): {SETUP_HINT}.")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def _wait(what: str, ready: object, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise WordPressError(f"{what} exited with {process.returncode}:\n{_tail(log)}")
        if callable(ready) and ready():
            return
        time.sleep(0.1)
    raise WordPressError(f"{what} did not answer within {START_TIMEOUT:.0f} s:\n{_tail(log)}")


@dataclass
class Database:
    """One mariadbd on a socket in ``folder``; :meth:`create` adds a database."""

    folder: Path
    socket_path: Path = field(init=False)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        data = self.folder / "data"
        self.socket_path = self.folder / "mariadb.sock"
        log = self.folder / "mariadb.log"
        user = ["--user=root"] if os.geteuid() == 0 else []
        install = subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={data}",
                "--skip-test-db",
                "--auth-root-authentication-method=normal",
                *user,
            ],
            capture_output=True,
            timeout=SETUP_TIMEOUT,
            check=False,
        )
        if install.returncode != 0:
            raise WordPressError(f"mariadb-install-db failed:\n{install.stderr.decode(errors='replace')[-2000:]}")
        with log.open("wb") as out:
            self._process = subprocess.Popen(
                [
                    "mariadbd",
                    "--no-defaults",
                    f"--datadir={data}",
                    f"--socket={self.socket_path}",
                    "--skip-networking",
                    "--skip-grant-tables",
                    f"--pid-file={self.folder / 'mariadb.pid'}",
                    f"--log-error={log}",
                    *user,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait("mariadbd", lambda: self._query("SELECT 1", check=False), self._process, log)

    def _query(self, sql: str, *, check: bool = True) -> bool:
        result = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket_path}", "-u", "root", "-e", sql],
            capture_output=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise WordPressError(f"MariaDB refused {sql!r}: {result.stderr.decode(errors='replace')}")
        return result.returncode == 0

    def create(self, name: str) -> None:
        self._query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)


@dataclass
class Site:
    """One WordPress site: its folder, its PHP server, and the post URLs ``setup.php`` printed."""

    name: str
    folder: Path
    database: Database
    widgets_url: str
    plugin: bool
    port: int = field(default_factory=_free_port)
    posts: dict[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        return dict(
            os.environ,
            HW_WP_ROOT=str(self.folder),
            HW_WP_URL=self.url,
            HW_WP_DB=self.name,
            HW_WP_SOCKET=str(self.database.socket_path),
            HW_WIDGETS_URL=self.widgets_url,
            HW_WP_PLUGIN="1" if self.plugin else "",
            # Workers, so the page and the requests it makes while rendering are answered at once.
            PHP_CLI_SERVER_WORKERS="4",
        )

    def build(self) -> None:
        """The folder: Debian's WordPress by symbolic links, with our wp-config.php and wp-content."""
        self.folder.mkdir(parents=True)
        for entry in WORDPRESS.iterdir():
            if entry.name not in ("wp-config.php", "wp-content"):
                (self.folder / entry.name).symlink_to(entry)
        shutil.copy(HARNESS / "wp-config.php", self.folder / "wp-config.php")
        content = self.folder / "wp-content"
        (content / "plugins").mkdir(parents=True)
        (content / "themes").symlink_to(WORDPRESS / "wp-content" / "themes")
        shutil.copytree(HARNESS / "mu-plugins", content / "mu-plugins")
        if self.plugin:
            (content / "plugins" / "health-widgets").symlink_to(PLUGIN)

    def install(self, posts: Mapping[str, str]) -> None:
        self.database.create(self.name)
        result = subprocess.run(
            ["php", str(HARNESS / "setup.php"), *(f"{slug}={url}" for slug, url in posts.items())],
            capture_output=True,
            env=self._environment(),
            timeout=SETUP_TIMEOUT,
            check=False,
        )
        output = result.stdout.decode(errors="replace")
        if result.returncode != 0:
            raise WordPressError(
                f"installing WordPress ({self.name}) failed:\n{output[-2000:]}{result.stderr.decode(errors='replace')[-2000:]}"
            )
        self.posts = json.loads(output[output.index("{") :])

    def start(self) -> None:
        log = self.folder.parent / f"{self.name}-php.log"
        with log.open("wb") as out:
            self._process = subprocess.Popen(
                ["php", "-S", f"127.0.0.1:{self.port}", "-t", str(self.folder), str(HARNESS / "router.php")],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self._environment(),
                # Its own process group: PHP_CLI_SERVER_WORKERS forks workers that must stop with it.
                start_new_session=True,
            )
        _wait(f"PHP's server for WordPress ({self.name})", self._answers, self._process, log)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/wp-includes/js/wp-embed.js", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            group = os.getpgid(self._process.pid)
            os.killpg(group, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(group, signal.SIGKILL)
                self._process.wait(timeout=10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)  # the workers, if any outlived their parent
