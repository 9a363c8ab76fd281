"""Test helpers that act as a person would: a browser with its own cookies, filling
in forms with the CSRF token the page gave it, and live sockets read until the
expected update arrives (never a sleep)."""

import asyncio
import html
import re
from contextlib import contextmanager
from datetime import datetime

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import metadata

ORIGIN = "http://testserver"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]*)"')


class Browser:
    """One browser: its own cookie jar on the shared test server."""

    def __init__(self, client: TestClient):
        self.client = client
        self.cookies = httpx.Cookies()
        self.csrf_token: str | None = None

    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        self.client.cookies = self.cookies
        try:
            response = self.client.request(method, url, **kwargs)
        finally:
            self.cookies = httpx.Cookies(self.client.cookies)
            self.client.cookies = httpx.Cookies()
        found = _CSRF.search(response.text) if "text/html" in response.headers.get("content-type", "") else None
        if found and found.group(1):
            self.csrf_token = found.group(1)
        return response

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: dict | None = None, htmx: bool = False, **kwargs) -> httpx.Response:
        """Submit a form as the page would, with this browser's CSRF token."""
        if self.csrf_token is None:
            self.get("/")
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf_token, **headers}
        form = {"csrf_token": self.csrf_token, **(data or {})}
        return self.request("POST", url, data=form, headers=headers, follow_redirects=kwargs.pop("follow_redirects", False), **kwargs)

    @contextmanager
    def live(self, meeting_id: int, origin: str | None = ORIGIN):
        self.client.cookies = self.cookies
        headers = {"origin": origin} if origin else {}
        try:
            with self.client.websocket_connect(f"/meetings/{meeting_id}/live", headers=headers) as ws:
                self.client.cookies = httpx.Cookies()
                yield LiveSocket(ws)
        finally:
            self.client.cookies = httpx.Cookies()


class LiveSocket:
    def __init__(self, ws):
        self.ws = ws
        self.received: list[str] = []

    def next(self) -> str:
        text = self.ws.receive_text()
        self.received.append(text)
        return text

    def wait_for(self, predicate, limit: int = 50) -> str:
        """Read pushed fragments until one satisfies the predicate. The test's
        timeout guards against a message that never comes."""
        for _ in range(limit):
            text = self.next()
            if predicate(text):
                return text
        raise AssertionError(f"no matching message in {limit} messages; last: {self.received[-1][:500]!r}")

    def wait_for_text(self, needle: str, limit: int = 50) -> str:
        return self.wait_for(lambda t: needle in t, limit)


class RecordingSocket:
    """Stands in for a page's socket in tests of the hub alone: what the hub sends it
    arrives, in order, on `received` (pushes that piled up arrive as one message)."""

    scope: dict = {}  # no frame-writing extension: every send is the ordinary one

    def __init__(self):
        self.received: asyncio.Queue[str] = asyncio.Queue()

    async def send_text(self, text: str) -> None:
        self.received.put_nowait(text)

    async def next(self, timeout: float = 10.0) -> str:
        return await asyncio.wait_for(self.received.get(), timeout)


async def opens_a_page(app, meeting_id: int, display_name: str) -> None:
    """Count one joined participant as connected, as their socket opening would (the
    hub hears of it), without opening one: for tests of the hub alone."""
    from app.meetings import service

    async with app.state.sessionmaker() as session:
        person = next(p for p in await service.participants_of(session, meeting_id) if p.display_name == display_name)
        session.info["hub"] = app.state.hub
        await service.connected(session, person.id, meeting_id)


def frame_text(frame: bytes) -> str:
    """The text of one unmasked frame, read back with the websockets library."""
    from websockets.frames import Frame
    from websockets.streams import StreamReader

    reader = StreamReader()
    reader.feed_data(frame)
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value.data.decode()
    raise AssertionError("an incomplete frame")


def text_of(fragment: str) -> str:
    """What a person reads: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def region(fragment: str, region_id: str) -> str | None:
    """The part of a pushed message (or page) that belongs to one live region. A page
    that fell behind gets several pushes as one message, applied in order: the last
    copy of the region is what it shows."""
    found = region_copies(fragment, region_id)
    return found[-1] if found else None


def region_copies(fragment: str, region_id: str) -> list[str]:
    """Every copy of one region in a message, in the order the page applies them."""
    return re.findall(rf'<div id="{region_id}"[^>]*>(.*?)\n</div>', fragment, re.S)


def questions_seen(message: str) -> str | None:
    """What a pushed message shows of the question list: the whole list, or new
    questions placed into it on their own (app/questions/live.py)."""
    whole = region(message, "questions")
    if whole is not None:
        return whole
    placed = re.findall(r'<div hx-swap-oob="[a-z]+:#(?:q-[0-9a-f]+|open-questions)">\s*(<li.*?</li>)\s*</div>',
                        message, re.S)
    return "".join(placed) or None


async def every_table_row(url: str) -> dict[str, list[dict]]:
    """Every row of every table, as the anonymity audits read them straight from the database."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                table.name: [dict(row._mapping) for row in (await conn.execute(text(f'SELECT * FROM "{table.name}"')))]
                for table in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


def as_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# --- setting the scene through the real pages -----------------------------------


def sign_up(browser: Browser, email: str = "fran@example.org", name: str = "Fran Facilitator") -> None:
    browser.get("/signup")
    response = browser.post("/signup", {"email": email, "display_name": name, "password": "correct horse battery"})
    assert response.status_code == 303, response.text


def create_community(browser: Browser, name: str = "MSK Community of Practice", **extra) -> int:
    browser.get("/communities/new")
    response = browser.post("/communities", {"name": name, "purpose": "", "timezone": "Europe/London", **extra})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def create_meeting(browser: Browser, community_id: int, title: str = "Spring meeting", **extra) -> int:
    browser.get(f"/communities/{community_id}")
    data = {"title": title, "scheduled_at": "", "venue": "Room 2", "agenda": "Welcome\nIcebreaker\nBreakouts", **extra}
    response = browser.post(f"/communities/{community_id}/meetings", data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def join_code(browser: Browser, meeting_id: int) -> str:
    page = browser.get(f"/meetings/{meeting_id}").text
    match = re.search(r'/j/([A-Za-z0-9_-]+)"', page)
    assert match, "the facilitator's page shows the join link"
    return match.group(1)


def join(browser: Browser, code: str, name: str, role: str = "lay", in_room: bool = False) -> int:
    browser.get(f"/j/{code}")
    response = browser.post(f"/j/{code}", {"display_name": name, "role": role, "in_room": "true" if in_room else "false"})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


class Scene:
    """A facilitator with a community and a meeting, ready for people to join."""

    def __init__(self, new_browser):
        self.new_browser = new_browser
        self.facilitator = new_browser()
        sign_up(self.facilitator)
        self.community_id = create_community(self.facilitator)
        self.meeting_id = create_meeting(self.facilitator, self.community_id)
        self.code = join_code(self.facilitator, self.meeting_id)

    def member(self, name: str, role: str = "lay", in_room: bool = False) -> Browser:
        browser = self.new_browser()
        join(browser, self.code, name, role, in_room)
        return browser
