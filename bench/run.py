"""Benchmark the widget server against its ceilings, and the cost of growth.

    .venv/bin/python bench/run.py            # the full run (about 15 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick    # a smoke test of every part (about 2 minutes)
    .venv/bin/python bench/run.py --help     # durations, rounds, sizes, parts

Three parts, each optional (``--parts``):

micro   in-process, per request: the WSGI callables called with a prepared environ (bench/micro.py).
http    gunicorn (the repo's gunicorn.conf.py, and the prototype's 2 sync workers) running
        bench/app.py, so the fragment, a WhiteNoise static file of the same bytes, a bare WSGI
        callable, a naive render-per-request Flask view, the Flask view path, the 304 and gzip
        paths are served by the same process; plus nginx serving the same bytes, alone and as the
        exported site. wrk runs them interleaved, in a new random order each round, for several
        rounds; each is reported as median (min-max), and ratios as the median (min-max) of the
        per-round ratios (bench/throughput.py).
growth  generated articles (bench/articles.py): start-up time until /readyz answers, memory (RSS
        and PSS summed over the gunicorn master and workers), and throughput with requests spread
        over every article (bench/growth.py). A size that is not ready in ``--growth-timeout``
        seconds is reported as such, with its memory at that moment.

Prints a Markdown report and writes it to bench/results.md (raw numbers to bench/results.json).
Every server listens on 127.0.0.1 only and is stopped before the script exits.
"""

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    # The project root, not bench/, goes first on the path: `bench` is a package, and no module in
    # it may shadow the standard library's.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    runpy.run_module("bench.main", run_name="__main__")
