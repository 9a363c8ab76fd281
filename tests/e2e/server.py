"""Roundtable served for real, as in production: `roundtable run` (migrations, then
`uvicorn app.asgi:app` with the live socket's settings) in its own process on a free
loopback port, with a temporary SQLite database. A test can stop it (SIGTERM, as a
deploy or a crash-restart does) and start it again on the same port and database."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from app.cli import migrate
from tests.servers import LOOPBACK, ROOT, AppProcess, app_env  # noqa: F401  (ROOT: for the browser tests)

SECRET_KEY = "browser-test-secret-key-that-is-long-enough-0123456789"


def _in_own_thread(function, *args) -> None:
    """Run function in a fresh thread: Alembic's env.py calls asyncio.run, which
    cannot run in a thread where Playwright's event loop is already running."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            function(*args)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="migrate")
    thread.start()
    thread.join(timeout=120)
    if thread.is_alive():
        raise RuntimeError("migrating the test database took more than 120 s")
    if failure:
        raise failure[0]


class AppServer(AppProcess):
    def __init__(self, directory: Path):
        self.database_url = f"sqlite+aiosqlite:///{directory / 'roundtable.db'}"
        env = app_env(SECRET_KEY=SECRET_KEY, DATABASE_URL=self.database_url, LOG_LEVEL="INFO")
        super().__init__(env, directory / "server.log")
        _in_own_thread(migrate, self.database_url)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "app.cli", "run", "--host", LOOPBACK, "--port", str(self.port)]


def start_server(directory: Path) -> AppServer:
    server = AppServer(directory)
    server.start()
    return server
