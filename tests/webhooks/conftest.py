"""Webhook tests: a real HTTP receiver on 127.0.0.1, and deliveries run one pass at a
time (the background worker is off here, so each test decides when sending happens;
test_worker_loop.py runs the real loop)."""

import functools
import json
import queue
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.config import Settings
from app.webhooks.worker import deliver_due
from tests.helpers import Browser

SECRET = re.compile(r'<code class="secret">(whsec_[A-Za-z0-9_-]+)</code>')
ALL_EVENTS = ["meeting.started", "meeting.ended", "breakout.closed", "action.created", "action.updated"]


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        htmx_source="local",
        redis_url=None,
        webhook_worker=False,
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """A tiny web server in a thread that records every POST and answers with the
    status the test chooses."""

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: "queue.Queue[Received]" = queue.Queue()
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.requests.put(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook", host: str | None = None) -> str:
        return f"http://{host or self.server.server_address[0]}:{self.server.server_address[1]}{path}"

    def got(self) -> list[Received]:
        """Everything received so far (deliveries have finished when deliver_due returns)."""
        items = []
        while not self.requests.empty():
            items.append(self.requests.get_nowait())
        return items

    def wait(self, timeout: float = 10) -> Received:
        return self.requests.get(timeout=timeout)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def deliver(client, app, settings):
    """One pass of the delivery worker, in the app's own event loop."""

    def run(now=None, with_settings: Settings | None = None) -> int:
        return client.portal.call(functools.partial(
            deliver_due, app.state.sessionmaker, now, settings=with_settings or settings))

    return run


def register(browser: Browser, community_id: int, url: str, events: list[str], follow_redirects: bool = False):
    browser.get(f"/communities/{community_id}")
    return browser.post(f"/communities/{community_id}/webhooks", {"url": url, "events": events},
                        follow_redirects=follow_redirects)


def register_ok(browser: Browser, community_id: int, url: str, events: list[str]) -> str:
    """Registers a webhook through the community page, follows the redirect and copies
    the secret from the page it lands on."""
    response = register(browser, community_id, url, events, follow_redirects=True)
    assert response.status_code == 200, response.text
    found = SECRET.search(response.text)
    assert found, "the new webhook's secret is shown on the page"
    return found.group(1)


def webhook_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="webhook" id="webhook-(\d+)"', html)]
