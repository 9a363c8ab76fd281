"""Roundtable served for real, as in production: `roundtable run` (migrations, then
`uvicorn app.asgi:app` with the live socket's settings) in its own process on a free
loopback port, with a temporary SQLite database. A test can stop it (SIGTERM, as a
deploy or a crash-restart does) and start it again on the same port and database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from app.cli import migrate

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
SECRET_KEY = "browser-test-secret-key-that-is-long-enough-0123456789"
# Roundtable's own settings are never inherited from the shell running the tests.
_SETTINGS = {"ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HTMX_SOURCE", "PUBLIC_URL",
             "ALLOWED_ORIGINS", "COOKIE_SECURE", "LOG_LEVEL", "LIVE_QUEUE_SIZE", "LIVE_MAX_MESSAGE_BYTES",
             "LIVE_MAX_CONNECTIONS_PER_PARTICIPANT"}


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


class AppServer:
    def __init__(self, directory: Path):
        self.database_url = f"sqlite+aiosqlite:///{directory / 'roundtable.db'}"
        self.port = free_port()
        self.log_path = directory / "server.log"
        inherited = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
        self.env = {**inherited, "PYTHONUNBUFFERED": "1", "ENVIRONMENT": "test", "HTMX_SOURCE": "local",
                    "SECRET_KEY": SECRET_KEY, "DATABASE_URL": self.database_url, "LOG_LEVEL": "INFO"}
        self.process: subprocess.Popen | None = None
        _in_own_thread(migrate, self.database_url)

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "run", "--host", LOOPBACK, "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:  # bounded: ready, exited, or past the deadline
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.base}/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the server was not ready within {timeout} s:\n{self.log_tail()}")
                time.sleep(0.05)  # polling another process's port; tests themselves never sleep

    def stop(self, grace: float = 15.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def start_server(directory: Path) -> AppServer:
    server = AppServer(directory)
    server.start()
    return server
