"""Presence that survives a worker dying: each worker beats, and sweeps the silent.

Presence is a count in the database (app/meetings/service.py). A worker that is
killed, or whose host is lost, never counts its sockets out; without this, the
people on it would show as "here" for ever. Every worker records which sockets it
holds, says it is alive every `every` seconds, and takes any worker silent for
three beats as gone, counting its people out.
"""

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import utcnow
from app.live.hub import LiveHub
from app.meetings import service

log = logging.getLogger("roundtable.live")


async def beat_once(sessionmaker: async_sessionmaker, hub: LiveHub, every: float, starting: bool = False) -> None:
    async with sessionmaker() as session:
        if not await service.worker_alive(session, hub.worker_id) and not starting:
            # Others took this worker for gone (it stalled) and counted its people
            # out: let its pages reconnect, so they are counted in again.
            log.warning("live: this worker was taken for gone; its pages will reconnect")
            hub.let_everyone_reconnect()
    async with sessionmaker() as session:
        session.info["hub"] = hub
        await service.sweep_gone_workers(session, utcnow() - timedelta(seconds=3 * every))


async def keep_beating(sessionmaker: async_sessionmaker, hub: LiveHub, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await beat_once(sessionmaker, hub, every)
        except Exception:  # a database blip must not end the heartbeat
            log.exception("live: heartbeat failed; trying again in %s s", every)
