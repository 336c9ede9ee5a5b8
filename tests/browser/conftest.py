"""Browser fixtures: a live server on 127.0.0.1 and Playwright driving Debian's Chromium.

Browser tests run under CI=true and fail there if `/usr/bin/chromium` is
missing (`.ci/run` installs it); elsewhere they are skipped only when it is absent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but /usr/bin/chromium is missing: .ci/run should install Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def live_server() -> Iterator[Callable]:
    """`live_server(app) -> base URL`: serves a Flask app on a free 127.0.0.1 port until the test ends."""
    servers = []

    def start(app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.fixture
def screenshots_dir() -> Path | None:
    """Where to save README screenshots (only when QUALIFIER_TEST_SCREENSHOTS=1)."""
    if os.environ.get("QUALIFIER_TEST_SCREENSHOTS") != "1":
        return None
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
