"""Shared fixtures: every app test runs on SQLite and on PostgreSQL.

The schema is made by the real Alembic migrations, once per database; after each
test every table is emptied. In CI (CI=true) a missing PostgreSQL fails the run
instead of skipping it.
"""

import asyncio
import os

import asyncpg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.cli import migrate
from app.config import Settings
from app.db import metadata
from app.main import create_app
from tests.helpers import Browser

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
# One database per test run, so runs side by side never trip over each other.
POSTGRES_DB = os.environ.get("TEST_POSTGRES_DB", f"roundtable_test_{os.getpid()}")


async def _drop_postgres_database() -> None:
    conn = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
    finally:
        await conn.close()


async def _fresh_postgres_database() -> str:
    conn = await asyncpg.connect(f"{POSTGRES_SERVER}/postgres", timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{POSTGRES_DB}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{POSTGRES_DB}"')
    finally:
        await conn.close()
    return f"{POSTGRES_SERVER.replace('postgresql://', 'postgresql+asyncpg://')}/{POSTGRES_DB}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db')}/roundtable.db"
    else:
        try:
            url = asyncio.run(_fresh_postgres_database())
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
            message = f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc}"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message + " (set CI=true to make this a failure)")
    migrate(url)
    yield url
    if request.param == "postgresql":
        asyncio.run(_drop_postgres_database())


async def _empty_all_tables(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        if url.startswith("postgresql"):
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(table.delete())
    await engine.dispose()


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        htmx_source="local",
        redis_url=None,
        live_batch_seconds=0.2,  # the batching tests set their own; others need not wait a second per burst
    )


@pytest.fixture
def app(settings):
    application = create_app(settings)
    yield application
    asyncio.run(_empty_all_tables(settings.database_url))


@pytest.fixture
def client(app):
    """One server (lifespan running) that many browsers talk to."""
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def new_browser(client):
    def make() -> Browser:
        return Browser(client)

    return make


@pytest.fixture
def scene(new_browser):
    from tests.helpers import Scene

    return Scene(new_browser)
