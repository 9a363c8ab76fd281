"""The live event feed for integrations: /api/v1/meetings/{id}/events.

Every event of a meeting as JSON (type, meeting, seq, time, data). A client that
reconnects with `?since=<seq>` first gets every later event from the database, then
the live stream, so an integration never silently loses an event. Events are
registered live before the replay is read and held back while it is sent, and
replayed ones are not sent twice.
"""

import json
import logging

from fastapi import APIRouter, WebSocket
from sqlmodel import select

from app.apikeys.service import key_for
from app.errors import TooMany
from app.live.events import LiveEvent
from app.live.hub import serve_connection
from app.live.models import MeetingEvent
from app.meetings.models import Meeting

log = logging.getLogger("roundtable.live")
router = APIRouter()

CLOSE_POLICY = 1008
REPLAY_LIMIT = 50_000


async def _authorised_meeting(websocket: WebSocket, meeting_id: int) -> tuple[Meeting, int] | None:
    header = websocket.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    async with websocket.app.state.sessionmaker() as session:
        key = await key_for(session, token.strip())
        meeting = await session.get(Meeting, meeting_id)
    if key is None or not key.allows("read") or meeting is None or meeting.community_id != key.community_id:
        return None
    return meeting, key.id


@router.websocket("/api/v1/meetings/{meeting_id}/events")
async def event_feed(websocket: WebSocket, meeting_id: int, since: int = 0) -> None:
    authorised = await _authorised_meeting(websocket, meeting_id)
    if authorised is None:
        await websocket.close(code=CLOSE_POLICY, reason="A valid API key for this meeting's community is needed")
        return
    _, key_id = authorised
    try:
        await websocket.app.state.limiter.check(f"feed:{key_id}", 30, 60, "Too many feed connections; retry in {seconds} s")
    except TooMany as exc:
        await websocket.close(code=1013, reason=exc.detail)
        return
    await websocket.accept()
    hub = websocket.app.state.hub
    conn = hub.new_connection(websocket, meeting_id, 0, None, merges=False)  # one JSON event a message

    async def attach() -> None:
        conn.hold()  # live events wait while the missed ones are sent
        conn.replayed = set()
        await hub.attach_feed(conn)
        async with websocket.app.state.sessionmaker() as session:
            rows = await session.exec(
                select(MeetingEvent)
                .where(MeetingEvent.meeting_id == meeting_id, MeetingEvent.seq > max(since, 0))
                .order_by(MeetingEvent.seq)
                .limit(REPLAY_LIMIT)
            )
            for row in rows.all():
                await websocket.send_text(LiveEvent.from_row(row).feed_json())
                conn.replayed.add(row.seq)  # the hub skips these if they come live later
        conn.release(keep=lambda text: json.loads(text)["seq"] not in conn.replayed)

    async def gone() -> None:
        log.info("live: an event feed for meeting %s ended", meeting_id)

    # The client goes away whenever it likes; it resumes with ?since=<last seq>.
    await serve_connection(hub, conn, gone, attach)
