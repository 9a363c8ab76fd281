"""Database engine, sessions and the metadata naming convention Alembic relies on."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from pydantic import AfterValidator
from starlette.requests import HTTPConnection
from sqlalchemy import MetaData, event, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

# Stable constraint names, so migrations can alter and drop them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def utcnow() -> datetime:
    # Aware UTC everywhere; SQLModel's UTCDateTime stores it on SQLite and PostgreSQL
    # alike, and pages convert to the community's time zone.
    return datetime.now(UTC)


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - driver hook
            cursor = dbapi_connection.cursor()
            # WAL lets readers carry on while one writer writes; foreign keys are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with connection.app.state.sessionmaker() as session:
        # Services publish live events after they commit (app/live/events.py).
        session.info["hub"] = connection.app.state.hub
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def _mark_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# For API models: times always leave in UTC, marked as such.
UtcDateTime = Annotated[datetime, AfterValidator(_mark_utc)]


async def write_versioned(session: AsyncSession, row: SQLModel, expected_version: int | None, **values) -> bool:
    """`UPDATE ... SET values, version = version + 1 WHERE id = ? [AND version = ?]`, then
    the row reloaded. False (nothing written, the row as it now is) when another change
    got there first: optimistic locking that holds across workers, whatever the timing."""
    model = type(row)
    query = update(model).where(model.id == row.id)
    if expected_version is not None:
        query = query.where(model.version == expected_version)
    result = await session.exec(query.values(**values, version=model.version + 1)
                                .execution_options(synchronize_session=False))
    await session.refresh(row)
    return result.rowcount == 1
