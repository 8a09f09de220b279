"""How the browser tests and ``scripts/screenshots.py`` start Debian's chromium through Playwright.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium`` (``executable_path``),
headless, with the browser's own background traffic (updates, sync, first-run pings) turned off so
that every request a test sees is one a page made.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

from playwright.sync_api import Browser, Playwright

from widget.settings import PROJECT_ROOT

CHROMIUM: Final = Path("/usr/bin/chromium")
AXE: Final = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU: Final = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SETUP_HINT: Final = (
    "run `make test` (it installs the Debian packages with scripts/system-deps and the Node tools with"
    " `npm ci`), or run ./scripts/system-deps and `npm ci` yourself"
)
ARGS: Final = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
)


class MissingTool(RuntimeError):
    """A program or file the browser tests drive is not installed; the message says how to get it."""


def require_chromium() -> Path:
    if not os.access(CHROMIUM, os.X_OK):
        raise MissingTool(f"Debian's chromium is not at {CHROMIUM}: {SETUP_HINT}.")
    return CHROMIUM


def require_axe() -> Path:
    if not AXE.is_file():
        raise MissingTool(f"axe-core is not at {AXE.relative_to(PROJECT_ROOT)}: {SETUP_HINT}.")
    return AXE


def require_vnu() -> tuple[str, Path]:
    """The java executable and the Nu Html Checker's jar."""
    java = shutil.which("java")
    if java is None:
        raise MissingTool(f"java is not installed (the Nu Html Checker needs it): {SETUP_HINT}.")
    if not VNU.is_file():
        raise MissingTool(f"the Nu Html Checker is not at {VNU.relative_to(PROJECT_ROOT)}: {SETUP_HINT}.")
    return java, VNU


def launch(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, quiet; ``--no-sandbox`` only as root, where chromium needs it."""
    args = list(ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=require_chromium(), headless=True, args=args)
