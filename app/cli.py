"""The `roundtable` command: run the app, apply migrations, seed a demo."""

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None):
    from alembic.config import Config

    ini = Path.cwd() / "alembic.ini"
    if not ini.exists():
        ini = ROOT / "alembic.ini"
    config = Config(str(ini))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


def migrate(database_url: str | None = None) -> None:
    """Bring the database up to the newest schema (safe to run every start)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def serve(host: str, port: int, workers: int, reload: bool = False) -> None:
    import uvicorn

    from app.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        # Uvicorn's access log records client addresses beside paths; ours (app/main.py) does not.
        access_log=False,
        # Live socket hygiene: no per-message compression (CPU, memory and a
        # CRIME/BREACH risk), a small incoming size limit, and pings to find dead peers.
        # The sans-I/O websockets protocol keeps pings on timers, not a task per socket;
        # ours adds the frame writes the live hub fans out with (app/live/protocol.py).
        ws="app.live.protocol:LiveSocketProtocol",
        ws_per_message_deflate=False,
        ws_max_size=settings.live_max_message_bytes,
        ws_ping_interval=settings.live_ping_seconds,
        ws_ping_timeout=settings.live_ping_seconds,
        log_level=settings.log_level.lower(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="roundtable", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="apply migrations, then serve the app")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--workers", type=int, default=1)
    run.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    sub.add_parser("migrate", help="apply database migrations")
    demo = sub.add_parser("demo", help="seed a demo community and meeting, and print its links")
    demo.add_argument("--base-url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        migrate()
    elif args.command == "run":
        migrate()
        serve(args.host, args.port, args.workers, args.reload)
    elif args.command == "demo":
        from app.demo import seed_demo

        migrate()
        print(asyncio.run(seed_demo(args.base_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
