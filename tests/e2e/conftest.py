"""Browser tests: Playwright driving Debian's Chromium against the real app.

The app runs as its own process (tests/e2e/server.py), never through the
`database_url` fixture: these tests run once, on SQLite. Chromium must be at
/usr/bin/chromium (`apt-get install chromium`): with CI=true a missing browser
fails the run; elsewhere these tests are skipped with the reason.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import ROOT, start_server

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps", "--mute-audio"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test shows what the server did (its log has no one's words)."""
    report = yield
    if report.failed and call.when == "call":
        for name in ("server", "own_server"):
            app_server = item.funcargs.get(name)
            if app_server is not None:
                report.sections.append((f"{name} log (last lines)", app_server.log_tail(80)))
    return report


@pytest.fixture(scope="package")
def chromium_path() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message + " (set CI=true to make this a failure)")
    return CHROMIUM


@pytest.fixture(scope="package")
def chromium(chromium_path):
    """One headless Chromium for the browser tests; each person gets their own context
    (own cookies, own storage), as separate people on separate devices."""
    with launch_chromium(chromium_path) as browser:
        yield browser


@contextmanager
def launch_chromium(path: str):
    """Debian's Chromium, headless, with the flags this closed network needs."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="package")
def server(tmp_path_factory):
    """The app, served by `roundtable run` (uvicorn) on a free 127.0.0.1 port."""
    app_server = start_server(tmp_path_factory.mktemp("e2e-server"))
    try:
        yield app_server
    finally:
        app_server.stop()


@pytest.fixture
def own_server(tmp_path):
    """A server of the test's own, for a test that stops and restarts it."""
    app_server = start_server(tmp_path)
    try:
        yield app_server
    finally:
        app_server.stop()


@pytest.fixture(scope="package")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def close_browsers_afterwards(chromium):
    """Each test's people leave: their contexts (and live sockets) close, pass or fail."""
    yield
    for context in list(chromium.contexts):
        context.close()
