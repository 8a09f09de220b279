"""WSGI entry point: ``gunicorn wsgi:application``."""

import logging
import os

from widget import create_app

logging.basicConfig(
    level=os.environ.get("WIDGET_LOG_LEVEL", "INFO"),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)

application = create_app()
