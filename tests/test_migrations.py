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


def test_undoing_sealed_webhook_secrets_refuses_while_any_are_sealed(tmp_path):
    """The older code cannot read a sealed secret, nor does one fit its column: going
    back is refused while any exist, and works once none do."""
    import pytest
    from alembic import command

    url = f"sqlite+aiosqlite:///{tmp_path / 'undo.db'}"
    config = alembic_config(url)
    command.upgrade(config, "head")

    async def run(sql: str) -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(run("INSERT INTO community (id, name, purpose, timezone, roles, created_at) "
                    "VALUES (1, 'C', '', 'Europe/London', '[]', '2026-12-01 00:00:00')"))
    asyncio.run(run("INSERT INTO webhook (community_id, url, events, secret, active, created_at) "
                    "VALUES (1, 'https://example.org/h', '[]', 'sealed:v1:abc', 1, '2026-12-01 00:00:00')"))
    with pytest.raises(RuntimeError, match="1 webhook secrets are sealed"):
        command.downgrade(config, "5b2d8e61c0a9")
    asyncio.run(run("DELETE FROM webhook"))
    command.downgrade(config, "5b2d8e61c0a9")
    assert asyncio.run(_inspect(url))[1] == "5b2d8e61c0a9"
