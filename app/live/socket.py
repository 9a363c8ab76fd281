"""The meeting's live socket: identity and Origin checks, presence, then the hub."""

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import DomainError
from app.live.hub import serve_connection
from app.live.regions import Audience
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


async def who_connects(websocket: WebSocket, meeting_id: int) -> tuple[int, Audience, int] | None:
    """The participant behind a socket, what they see and how many sockets they have
    open, or None. Plain values: a socket lives for hours, and holding the meeting's
    rows for each of 2,000 would cost memory for nothing."""
    async with websocket.app.state.sessionmaker() as session:
        session.info["hub"] = websocket.app.state.hub
        try:
            viewer = await resolve_viewer(websocket, session, meeting_id)
        except DomainError:
            return None
        if viewer.participant is None:
            return None
        return viewer.participant.id, viewer.audience(websocket.query_params.get("sort")), viewer.participant.live_connections


@router.websocket("/meetings/{meeting_id}/live")
async def meeting_socket(websocket: WebSocket, meeting_id: int) -> None:
    if not origin_allowed(websocket):
        log.warning("live: refused a socket from a foreign origin for meeting %s", meeting_id)
        await websocket.close(code=CLOSE_POLICY)
        return
    app = websocket.app
    hub = app.state.hub
    connecting = await who_connects(websocket, meeting_id)
    if connecting is None:
        await websocket.close(code=CLOSE_POLICY)
        return
    participant_id, audience, open_sockets = connecting
    if open_sockets >= app.state.settings.live_max_connections_per_participant:
        await websocket.close(code=CLOSE_POLICY, reason="Too many open pages for one person")
        return
    await websocket.accept()
    await presence_change(websocket, service.connected, participant_id, meeting_id)
    conn = hub.new_connection(websocket, meeting_id, participant_id, audience)

    async def gone() -> None:
        await presence_change(websocket, service.disconnected, participant_id, meeting_id)

    await serve_connection(hub, conn, gone)


async def presence_change(websocket: WebSocket, change: Callable[[AsyncSession, int, int, str], Awaitable[None]],
                          participant_id: int, meeting_id: int) -> None:
    """Count a socket in or out, in a session of its own. (Not in the handler's frame:
    that lives as long as the socket, and would hold the closed session for hours.)"""
    hub = websocket.app.state.hub
    async with websocket.app.state.sessionmaker() as session:
        session.info["hub"] = hub
        await change(session, participant_id, meeting_id, hub.worker_id)


# --- the room display ----------------------------------------------------------------

DISPLAYS_PER_LINK = 10  # per worker: a projector or two, and a spare laptop


def public_origin(websocket: WebSocket) -> str:
    """The address people use, for the display's join link: PUBLIC_URL, else the
    page's own origin (already checked), else the socket's host."""
    settings = websocket.app.state.settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    origin = websocket.headers.get("origin")
    if origin:
        return origin
    base = str(websocket.base_url).rstrip("/")
    return base.replace("wss://", "https://", 1).replace("ws://", "http://", 1)


async def serve_display(websocket: WebSocket,
                        authorise: Callable[[AsyncSession], Awaitable[tuple[int, int] | None]]) -> None:
    """A room display's socket: the display regions only, read-only, and no person
    behind it, so no presence. `authorise` returns the meeting and the id the display
    listens under on the hub (0 for a facilitator's own display; minus the meeting id
    for displays opened with the display link, so switching the link off closes
    them all), or None to refuse."""
    if not origin_allowed(websocket):
        log.warning("live: refused a display socket from a foreign origin")
        await websocket.close(code=CLOSE_POLICY)
        return
    app = websocket.app
    hub = app.state.hub
    async with app.state.sessionmaker() as session:
        try:
            allowed = await authorise(session)
        except DomainError:
            allowed = None
    if allowed is None:
        await websocket.close(code=CLOSE_POLICY)
        return
    meeting_id, listener_id = allowed
    if listener_id != 0 and hub.local_connections(listener_id) >= DISPLAYS_PER_LINK:
        await websocket.close(code=CLOSE_POLICY, reason="Too many displays for one link")
        return
    await websocket.accept()
    conn = hub.new_connection(websocket, meeting_id, listener_id, Audience(display=True, origin=public_origin(websocket)))

    async def gone() -> None:
        return None

    await serve_connection(hub, conn, gone)
