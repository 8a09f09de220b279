"""gunicorn.conf.py without the access log, to measure what the log costs: ``--configs repo-nolog``."""

import runpy
from pathlib import Path

globals().update(
    (name, value)
    for name, value in runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py")).items()
    if not name.startswith("__")
)
accesslog = None
