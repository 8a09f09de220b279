"""Load and fault tests against gunicorn on loopback: ``.venv/bin/python loadtest/run.py --help``."""
