"""gunicorn settings for health-widgets: `gunicorn wsgi:application` reads this file by itself.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os
from typing import Any


def _count(name: str, default: int) -> int:
    """A whole number of processes or threads from the environment, or a message naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4 and 1 <= int(raw) <= 1024):
        # SystemExit prints this line alone; an exception would print gunicorn's traceback instead.
        raise SystemExit(f"{name} must be a whole number from 1 to 1024, got {raw[:80]!r}.")
    return int(raw)


wsgi_app = "wsgi:application"
bind = os.environ.get("WIDGET_BIND", "127.0.0.1:8000")
# Answers come from memory, so a worker per core is enough; threads overlap the network waits.
workers = _count("WEB_CONCURRENCY", os.cpu_count() or 2)
# gthread, with each request head read by the worker's event loop instead of a thread: a client
# dripping its head a byte at a time holds a socket, not a thread, and is closed after 10 s.
worker_class = "widget.gthread.HeadFirstWorker"
threads = _count("WIDGET_THREADS", 4)
# Connections a worker holds at once, idle or sending their head; past it, new ones wait in the backlog.
worker_connections = 1000
# Load and render the content once in the master; forked workers share those pages of memory.
preload_app = True
# Keep connections from a proxy or CDN open between requests: the per-connection cost dominates.
keepalive = 15
timeout = 30
graceful_timeout = 30
# One JSON line per request, without the client's address; errors go to stderr.
accesslog = "-"
errorlog = "-"
logger_class = "widget.logs.JsonAccessLogger"
# gunicorn 27's control socket defaults to one path per user: two servers on a host would share it.
control_socket_disable = True
# Guard against oversized request lines and headers before they reach Python code.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190


def on_reload(arbiter: Any) -> None:
    """SIGHUP: reload the content in the master before gunicorn forks the new workers from it.

    A file that fails validation keeps its article's last good version (see widget.live).
    """
    app = arbiter.app.wsgi()
    try:
        app.extensions["widget.live"].reload()
    except Exception:  # an exception here would stop the master: keep serving what was loaded
        arbiter.log.exception("Reloading the content failed; the last good content is still served")
    # The replaced content was frozen at the last fork: thaw it, so pre_fork's collection frees its
    # cycles (the old workers are on their way out, so touching every page costs nothing lasting).
    gc.unfreeze()


def pre_fork(server: Any, worker: Any) -> None:
    """Move the preloaded content out of the garbage collector's reach before forking.

    A collection in a worker touches every object's header, which copies the page it sits on:
    frozen objects are never scanned, so the workers keep sharing the master's pages. Collect first:
    after a SIGHUP reload the old content's cycles would otherwise be frozen for good.
    """
    gc.collect()
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    """Watch the content folder from each worker, if WIDGET_WATCH_INTERVAL asks for it."""
    app = server.app.wsgi()
    interval = app.extensions["widget.settings"].watch_interval
    if interval:
        from widget.live import start_watching

        start_watching(app.extensions["widget.live"], interval)
