"""create_app(): the FastAPI application, its lifespan and its routers."""

import logging
import asyncio
import contextlib
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

import app.meetings.live  # noqa: F401  (registers the meeting's live regions)
import app.questions.live  # noqa: F401
import app.actions.live  # noqa: F401
import app.breakouts.live  # noqa: F401
import app.display.live  # noqa: F401
import app.live.news  # noqa: F401  (one lasting aria-live element that says what changed)
import app.icebreakers.live  # noqa: F401
from app.accounts import pages as account_pages
from app.actions import pages as action_pages
from app.api import router as api_router
from app.apikeys import pages as apikey_pages
from app.communities import pages as community_pages
from app.display import pages as display_pages
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.live import feed as live_feed
from app.live import socket as live_socket
from app.live.brokers import make_broker
from app.live.hub import LiveHub
from app.meetings import pages as meeting_pages
from app.questions import pages as question_pages
from app.breakouts import pages as breakout_pages
from app.icebreakers import pages as icebreaker_pages
from app.webhooks import pages as webhook_pages
from app.webhooks import service as webhook_service
from app.webhooks import worker as webhook_worker  # (its service queues deliveries as events are recorded)
from app.meetings import heartbeat
from app.meetings.service import reset_presence, worker_stopped
from app.web.assets import STATIC_DIR, Assets
from app.web.errors import install_error_handlers
from app.web.ratelimit import make_limiter
from app.web.guard import BrowserGuard
from app.web.templating import env as templates_env

log = logging.getLogger("roundtable")


class _NoSocketAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return '"WebSocket ' not in str(record.msg)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Database drivers log SQL with its parameters (people's questions, names) at DEBUG:
    # never let them, whatever LOG_LEVEL says.
    for noisy in ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Uvicorn logs each socket's client address beside its path: not in our logs.
    uvicorn_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _NoSocketAddresses) for f in uvicorn_log.filters):
        uvicorn_log.addFilter(_NoSocketAddresses())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.limiter = make_limiter(settings.redis_url)
        async with app.state.sessionmaker() as session:  # before anything needs stopping again
            await webhook_service.reseal_secrets(session, settings)
        app.state.hub = LiveHub(make_broker(settings.redis_url), app.state.sessionmaker, settings.live_queue_size,
                                batch_seconds=settings.live_batch_seconds)
        await app.state.hub.start()
        if settings.redis_url is None:
            # One process owns every socket, so nobody can still be connected.
            async with app.state.sessionmaker() as session:
                await reset_presence(session)
        # Say this worker is alive before its first socket is counted in its name.
        await heartbeat.beat_once(app.state.sessionmaker, app.state.hub, settings.live_heartbeat_seconds,
                                  starting=True)
        beating = asyncio.create_task(
            heartbeat.keep_beating(app.state.sessionmaker, app.state.hub, settings.live_heartbeat_seconds),
            name="live-heartbeat")
        log.info("Roundtable started (database: %s, broker: %s)",
                 "SQLite" if settings.is_sqlite else "PostgreSQL", "Redis" if settings.redis_url else "in-process")
        # Sends webhook deliveries in the background (app/webhooks/worker.py).
        deliveries = (asyncio.create_task(webhook_worker.run(app.state.sessionmaker, settings), name="webhook-deliveries")
                      if settings.webhook_worker else None)
        try:
            yield
        finally:
            if deliveries is not None:
                deliveries.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await deliveries
            await app.state.hub.stop()
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
            async with app.state.sessionmaker() as session:
                await worker_stopped(session, app.state.hub.worker_id)
            await engine.dispose()
            await app.state.limiter.close()

    app = FastAPI(
        title="Roundtable API",
        version="1.0.0",
        summary="Live meeting tooling for health-care Communities of Practice.",
        description=(
            "The REST API under `/api/v1` serves integrations: community websites, newsletters, "
            "reporting systems. Authenticate with an API key created by a community organiser: "
            "`Authorization: Bearer <key>`. Errors are RFC 9457 problem details."
        ),
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    # Templates change only with a deploy (a restart): checking each one's file time on
    # every render was a visible cost in the live bench. In development they reload.
    templates_env.auto_reload = settings.environment == "development"

    app.add_middleware(BrowserGuard, secret_key=settings.secret_key, secure_cookies=settings.secure_cookies)

    install_error_handlers(app)
    app.mount("/static", Assets(directory=STATIC_DIR), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz():
        checks = {"database": False, "broker": False}
        try:
            async with app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:
            log.exception("readiness: database unreachable")
        try:
            checks["broker"] = await app.state.hub.broker.ping()
        except Exception:
            log.exception("readiness: broker unreachable")
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)

    for router in (account_pages.router, community_pages.router, meeting_pages.router, question_pages.router, breakout_pages.router,
                   action_pages.router, icebreaker_pages.router, display_pages.router,
                   apikey_pages.router, webhook_pages.router):
        app.include_router(router)
    app.include_router(live_socket.router)
    app.include_router(live_feed.router)
    app.include_router(api_router, prefix="/api/v1")

    return app
