"""The meeting's live socket: identity and Origin checks, presence, then the hub."""

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket

from app.errors import DomainError
from app.live.hub import serve_connection
from app.meetings import service
from app.meetings.viewer import resolve_viewer

log = logging.getLogger("roundtable.live")
router = APIRouter()

CLOSE_POLICY = 1008


def origin_allowed(websocket: WebSocket) -> bool:
    """Refuse pages on other sites from opening a socket with our cookies
    (cross-site WebSocket hijacking). Non-browser clients send no Origin."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    settings = websocket.app.state.settings
    if origin in settings.allowed_origins:
        return True
    if settings.public_url and origin == settings.public_url.rstrip("/"):
        return True
    parts = urlsplit(origin)
    return parts.netloc != "" and parts.netloc == websocket.headers.get("host")


@router.websocket("/meetings/{meeting_id}/live")
async def meeting_socket(websocket: WebSocket, meeting_id: int) -> None:
    if not origin_allowed(websocket):
        log.warning("live: refused a socket from a foreign origin for meeting %s", meeting_id)
        await websocket.close(code=CLOSE_POLICY)
        return
    app = websocket.app
    hub = app.state.hub
    async with app.state.sessionmaker() as session:
        session.info["hub"] = hub
        try:
            viewer = await resolve_viewer(websocket, session, meeting_id)
        except DomainError:
            viewer = None
        if viewer is None or viewer.participant is None:
            await websocket.close(code=CLOSE_POLICY)
            return
        participant = viewer.participant
        if participant.live_connections >= app.state.settings.live_max_connections_per_participant:
            await websocket.close(code=CLOSE_POLICY, reason="Too many open pages for one person")
            return
        audience = viewer.audience(websocket.query_params.get("sort"))
    await websocket.accept()
    async with app.state.sessionmaker() as session:
        session.info["hub"] = hub
        await service.connected(session, participant.id, meeting_id)
    conn = hub.new_connection(websocket, meeting_id, participant.id, audience)

    async def gone() -> None:
        async with app.state.sessionmaker() as session:
            session.info["hub"] = hub
            await service.disconnected(session, participant.id, meeting_id)

    await serve_connection(hub, conn, gone)
