"""Roundtable run for real, in a process of its own, on a free loopback port: the one
way the browser tests (tests/e2e/server.py), the live tests and the live benchmark
(tests/live/realserver.py) start the app. Roundtable's own settings are never
inherited from the shell running the tests; every wait is bounded."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
# Roundtable's own settings are never inherited from the shell running the tests.
_SETTINGS = {"ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HTMX_SOURCE", "PUBLIC_URL",
             "ALLOWED_ORIGINS", "COOKIE_SECURE", "LOG_LEVEL", "LIVE_QUEUE_SIZE", "LIVE_MAX_MESSAGE_BYTES",
             "LIVE_MAX_CONNECTIONS_PER_PARTICIPANT", "LIVE_HEARTBEAT_SECONDS", "LIVE_BATCH_SECONDS"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def app_env(**settings: str) -> dict[str, str]:
    """The shell's environment without Roundtable's settings, then the test's own."""
    inherited = {k: v for k, v in os.environ.items() if k.upper() not in _SETTINGS}
    return {**inherited, "PYTHONUNBUFFERED": "1", "ENVIRONMENT": "test", "HTMX_SOURCE": "local",
            "LIVE_BATCH_SECONDS": "0.2", **settings}


class AppProcess(ABC):
    """One app process: `command()` (set by each kind) with its output appended to
    log_path; started when /readyz answers, stopped with SIGTERM as a deploy would."""

    name = "the server"  # as failures name it
    poll = 0.05  # seconds between readiness checks of another process's port; tests themselves never sleep
    stop_grace = 15.0  # seconds a SIGTERM gets before a kill
    tail_lines = 60

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None):
        self.env = env
        self.log_path = log_path
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @abstractmethod
    def command(self) -> list[str]:
        """How this kind of server is started (the browser tests: `roundtable run`)."""

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:  # bounded: ready, exited, or past the deadline
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.base}/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self.terminate()
                    tail = self.log_tail()  # before stop(), which may remove the log
                    self.stop()
                    raise RuntimeError(f"{self.name} was not ready within {timeout} s:\n{tail}")
                time.sleep(self.poll)

    def terminate(self, grace: float | None = None) -> None:
        """SIGTERM (sockets closed, presence updated), then a kill if it lingers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_grace if grace is None else grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self, grace: float | None = None) -> None:
        self.terminate(grace)

    def log_tail(self, lines: int | None = None) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-(lines or self.tail_lines):])
