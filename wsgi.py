"""WSGI entry point: ``gunicorn wsgi:application``."""

import logging
import os

from widget import create_app
from widget.startup import create_or_exit

logging.basicConfig(
    level=os.environ.get("WIDGET_LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

application = create_or_exit(create_app)  # invalid content: its problems, exit status 1
