"""Load and fault tests: gunicorn on loopback under a realistic mix, with reloads and a killed worker.

    .venv/bin/python loadtest/run.py                  # every scenario, about 4 minutes
    .venv/bin/python loadtest/run.py --quick          # every scenario, short (about 2 minutes)
    .venv/bin/python loadtest/run.py --scenarios steady --duration 60 --connections 16
    .venv/bin/python loadtest/run.py --help

Scenarios (each on its own gunicorn, gunicorn.conf.py, a fresh copy of the content):

steady         the mix for --duration seconds: no failed request, memory steady after the warm-up.
reload-watch   an article edited, broken mid-write, held broken, then fixed, while the load runs; the
               workers' watcher (WIDGET_WATCH_INTERVAL=1) picks each change up. No failed request, the
               last good version served while broken, the error listed at /readyz.
reload-sighup  the same, with the watcher off and SIGHUP to the master after each change.
reload-memory  --reloads SIGHUPs in a row, each after an edit, under load: the master's memory.
kill           SIGKILL one worker mid-load: what the clients saw, and its replacement.
slow-clients   the mix, plus --slow-connections connections each sending a header byte every
               --drip-interval s and never ending its head, plus a /healthz probe on a new connection
               every second: no failed request, every probe answered, every slow head closed.

Prints a Markdown report and writes it to loadtest/results.md. Exits 1 if a check failed. gunicorn
listens on 127.0.0.1 only and is stopped before the script exits.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    # The project root goes first on the path, so `loadtest`, `bench` and `widget` import as packages.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    runpy.run_module("loadtest.main", run_name="__main__")
