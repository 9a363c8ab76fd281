"""The Alembic migrations build exactly the schema the models describe, on both databases."""

import asyncio

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import app.models  # noqa: F401  (registers every table)
from app.cli import alembic_config
from app.db import metadata


def _differences(sync_conn) -> list:
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "render_as_batch": True})
    return compare_metadata(context, metadata)


def _current_revision(sync_conn) -> str | None:
    return MigrationContext.configure(sync_conn).get_current_revision()


async def _inspect(url: str):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diffs = await conn.run_sync(_differences)
            revision = await conn.run_sync(_current_revision)
            enums = []
            if url.startswith("postgresql"):
                enums = list((await conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))).scalars())
            return diffs, revision, enums
    finally:
        await engine.dispose()


def test_migrated_database_matches_the_models(database_url):
    diffs, revision, enums = asyncio.run(_inspect(database_url))
    assert diffs == [], f"the models and the migrations disagree; write a migration: {diffs}"
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision == head
    # Statuses and permissions are stored as text, so adding one needs no type migration.
    assert enums == []


def test_no_model_column_is_a_database_enum():
    enum_columns = [
        f"{table.name}.{column.name}" for table in metadata.sorted_tables for column in table.columns
        if isinstance(column.type, sa.Enum)
    ]
    assert enum_columns == []
