"""One JSON line per request: route, status, bytes, duration. No client IP, no cookies, no query."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from .urls import route_name


class JsonAccessLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's access log as JSON lines; set with ``logger_class`` in gunicorn.conf.py."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        path = environ.get("PATH_INFO", "")
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "method": environ.get("REQUEST_METHOD"),
            "route": route_name(path),
            "path": path[:200],
            "status": int(str(resp.status).split(None, 1)[0]),
            "bytes": getattr(resp, "sent", 0),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
        }
        self.access_log.info(json.dumps(record, separators=(",", ":")))
