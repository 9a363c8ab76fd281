"""Real processes for live tests and the live benchmark: throwaway Redis servers,
Roundtable workers run as in production (`app.cli.serve`: `uvicorn app.asgi:app`
with the live socket's settings), an httpx "browser" that fills in the page forms
with their CSRF tokens, and live sockets opened with the `websockets` library.

Only loopback addresses. Every wait is bounded; waits for a pushed message use
asyncio.wait_for, never a sleep.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tests.servers import LOOPBACK, AppProcess, app_env, free_port  # noqa: F401  (free_port: for the benchmark)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
REDIS_SERVER = os.environ.get("TEST_REDIS_SERVER", "redis://127.0.0.1:6379")
SECRET_KEY = "live-test-secret-key-that-is-long-enough-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def unavailable(message: str) -> None:
    """A missing server fails the run in CI and skips the test elsewhere (as tests/conftest.py does)."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message + " (set CI=true to make this a failure)")


def spare_port(first: int = 6390, last: int = 6499) -> int:
    """A free port in a range set aside for throwaway servers (random start, so
    runs side by side rarely meet)."""
    ports = list(range(first, last + 1))
    start = random.randrange(len(ports))
    for port in ports[start:] + ports[:start]:
        with socket.socket() as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def redis_reachable(url: str = REDIS_SERVER) -> str | None:
    """None if Redis answers at url, else why not."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError) as exc:
        return f"Redis is not reachable at {url}: {exc}"
    return None


# --- a throwaway Redis server -------------------------------------------------------


class RedisServer:
    """`redis-server` on a spare loopback port, with nothing persisted, that a test
    can kill (as a crash would) and start again on the same port."""

    def __init__(self, port: int | None = None):
        self.port = port or spare_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + timeout
        while True:  # bounded: the server answers PING, or the deadline passes
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode} on port {self.port}")
            try:
                client = redis.Redis(host=LOOPBACK, port=self.port, socket_connect_timeout=0.5, socket_timeout=0.5)
                try:
                    if client.ping():
                        return
                finally:
                    client.close()
            except (redis.RedisError, OSError):
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def start_throwaway_redis() -> RedisServer:
    from shutil import which

    if which("redis-server") is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer()
    server.start()
    return server


# --- PostgreSQL -------------------------------------------------------------------------


def fresh_postgres_database(name: str) -> str:
    """Create (or re-create) a database and return its SQLAlchemy URL, migrated."""
    import asyncpg

    from app.cli import migrate

    async def create() -> None:
        conn = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres", timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc}")
    url = f"{POSTGRES_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    migrate(url)
    return url


def drop_postgres_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres", timeout=5)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


# --- a Roundtable worker ---------------------------------------------------------------

_SERVE = "import sys; from app.cli import serve; serve(sys.argv[1], int(sys.argv[2]), 1)"


class Worker(AppProcess):
    """One Roundtable process, started as production starts it (app.cli.serve, which
    runs `uvicorn app.asgi:app` with the live socket's settings)."""

    poll = 0.1
    stop_grace = 10.0
    tail_lines = 40

    def __init__(self, env: dict[str, str], name: str = "worker", port: int | None = None):
        self.name = name
        with tempfile.NamedTemporaryFile(prefix=f"roundtable-{name}-", suffix=".log", delete=False) as log:
            log_path = Path(log.name)
        super().__init__(app_env(**{"SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "WARNING", **env}), log_path, port)

    def command(self) -> list[str]:
        return [sys.executable, "-c", _SERVE, LOOPBACK, str(self.port)]

    def stop(self, grace: float | None = None) -> None:
        super().stop(grace)
        self.log_path.unlink(missing_ok=True)  # failures quote its tail in their message

    def rss_kib(self) -> int:
        """Resident memory of the server process (VmRSS, KiB)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")


# --- a browser over HTTP ---------------------------------------------------------------


class WebBrowser:
    """One person's browser: a cookie jar shared across workers (cookies do not
    depend on the port, as in a real browser behind one address), and the CSRF
    token from the last page, sent with every form."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=30.0)
        self.csrf_token: str | None = None

    async def close(self) -> None:
        await self.http.aclose()

    async def get(self, worker: Worker, path: str) -> httpx.Response:
        response = await self.http.get(worker.base + path)
        self._remember_token(response)
        return response

    async def post(self, worker: Worker, path: str, data: dict | None = None, htmx: bool = False) -> httpx.Response:
        if self.csrf_token is None:
            await self.get(worker, "/")
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf_token} if htmx else {}
        response = await self.http.post(worker.base + path, data={"csrf_token": self.csrf_token, **(data or {})},
                                        headers=headers)
        self._remember_token(response)
        return response

    def _remember_token(self, response: httpx.Response) -> None:
        if "text/html" in response.headers.get("content-type", ""):
            found = _CSRF.search(response.text)
            if found:
                self.csrf_token = found.group(1)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)

    # The scene, set through the real pages (as tests/helpers.py does in-process).

    async def sign_up(self, worker: Worker, name: str = "Fran Facilitator") -> None:
        await self.get(worker, "/signup")
        email = f"fran-{uuid.uuid4().hex[:12]}@example.org"
        response = await self.post(worker, "/signup",
                                   {"email": email, "display_name": name, "password": "correct horse battery"})
        assert response.status_code == 303, response.text

    async def create_community(self, worker: Worker, name: str = "MSK Community of Practice") -> int:
        await self.get(worker, "/communities/new")
        response = await self.post(worker, "/communities", {"name": name, "purpose": "", "timezone": "Europe/London"})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])

    async def create_meeting(self, worker: Worker, community_id: int, title: str = "Spring meeting",
                             agenda: str = "Welcome\nIcebreaker\nBreakouts") -> int:
        await self.get(worker, f"/communities/{community_id}")
        response = await self.post(worker, f"/communities/{community_id}/meetings",
                                   {"title": title, "scheduled_at": "", "venue": "Room 2", "agenda": agenda})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])

    async def join_code(self, worker: Worker, meeting_id: int) -> str:
        page = (await self.get(worker, f"/meetings/{meeting_id}")).text
        found = re.search(r'/j/([A-Za-z0-9_-]+)"', page)
        assert found, "the facilitator's page shows the join link"
        return found.group(1)

    async def agenda_item_ids(self, worker: Worker, meeting_id: int) -> list[int]:
        page = (await self.get(worker, f"/meetings/{meeting_id}")).text
        return [int(i) for i in re.findall(r'name="item_id" value="(\d+)"', page)]

    async def join(self, worker: Worker, code: str, name: str, role: str = "lay", in_room: bool = False) -> int:
        await self.get(worker, f"/j/{code}")
        response = await self.post(worker, f"/j/{code}",
                                   {"display_name": name, "role": role, "in_room": "true" if in_room else "false"})
        assert response.status_code == 303, response.text
        return int(response.headers["location"].rsplit("/", 1)[1])

    @asynccontextmanager
    async def live(self, worker: Worker, meeting_id: int, **options):
        """The meeting's live socket, opened as the page's script opens it."""
        async with open_live(worker, meeting_id, self.cookie_header(), **options) as ws:
            yield LiveClient(ws)


@asynccontextmanager
async def open_live(worker: Worker, meeting_id: int, cookie: str, compression: str | None = None, **options):
    from websockets.asyncio.client import connect

    async with connect(
        f"{worker.ws_base}/meetings/{meeting_id}/live",
        origin=worker.base,
        additional_headers={"Cookie": cookie},
        compression=compression,
        max_size=None,
        # Read everything, as a browser does: a test that stops reading would fill
        # websockets' small incoming queue, and its close would then wait out
        # close_timeout (python-websockets/websockets#1555).
        max_queue=None,
        open_timeout=10,
        **options,
    ) as ws:
        yield ws


class LiveClient:
    def __init__(self, ws) -> None:
        self.ws = ws
        self.received: list[str] = []

    async def next(self, timeout: float = 5.0) -> str:
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        self.received.append(text)
        return text

    async def wait_for(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """The first pushed message that satisfies predicate, within timeout seconds."""

        async def read() -> str:
            while True:
                text = await self.ws.recv()
                self.received.append(text)
                if predicate(text):
                    return text

        try:
            return await asyncio.wait_for(read(), timeout)
        except asyncio.TimeoutError:
            last = self.received[-1][:300] if self.received else None
            raise AssertionError(f"no matching message within {timeout} s; last: {last!r}") from None
