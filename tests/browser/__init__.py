"""Browser tests: Playwright driving Debian's chromium against real servers (see conftest.py)."""
