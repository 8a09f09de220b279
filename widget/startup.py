"""Starting the server: content or settings that stop it are printed as a list, then exit status 1.

gunicorn (``preload_app``) imports ``wsgi`` in its master, so a ``SystemExit`` there ends the
master with that status before any worker starts; an exception instead would print a traceback
of gunicorn's and the app's frames with the problems at its very end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO, TypeVar

from .content import InvalidContent, printable
from .partners import PartnersError
from .settings import SettingsError

App = TypeVar("App")


def create_or_exit(factory: Callable[[], App], stream: TextIO | None = None) -> App:
    """``factory()``, or, if the content or settings are invalid, each problem on ``stream`` and exit 1."""
    try:
        return factory()
    except InvalidContent as exc:
        lines = [str(p) for p in exc.problems if p.severity == "error"]  # printable already
    except PartnersError as exc:
        lines = [printable(problem) for problem in exc.problems]
    except SettingsError as exc:
        lines = [printable(str(exc))]
    print("\n".join(lines), file=stream or sys.stderr, flush=True)
    raise SystemExit(1)
