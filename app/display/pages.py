"""The room display: a projector view of a meeting for the people in the room.

Two ways to open it:
- `/meetings/{id}/display`, for a facilitator who is signed in (their laptop on the
  projector);
- `/d/{code}`, the display link, for a computer nobody signs in on (the meeting
  room's own PC). The facilitator makes, copies, replaces or switches off the
  link on the meeting page. It lets someone watch the display, never take part:
  no presence, no questions, no votes; the display has no controls at all.

Both pages connect to `/meetings/{id}/display/live` as a display audience
(app/live/socket.py `serve_display`): only the display regions
(app/display/live.py), no person behind it, so a display never shows up in "Who is
here". The display link's page hands its socket the code in a signed, HttpOnly
cookie rather than in the socket's address, which servers log.
"""

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from app.communities.models import FACILITATING, Community
from app.communities.service import permission_in
from app.db import SessionDep
from app.display import service
from app.errors import NotFound
from app.live.regions import Audience, RegionContext, all_regions, render_regions
from app.live.socket import serve_display
from app.meetings import service as meetings
from app.meetings.models import Meeting
from app.meetings.pages import FacilitatorOf
from app.meetings.room import room_part
from app.meetings.viewer import Viewer
from app.web.deps import CsrfChecked, get_current_account
from app.web.security import PARTICIPANT_MAX_AGE, sign, unsign
from app.web.templating import page

router = APIRouter(include_in_schema=False)

FACILITATOR_DISPLAY = 0  # the hub id a signed-in facilitator's display listens under


def display_cookie(meeting_id: int) -> str:
    return f"rt_d{meeting_id}"


def public_base(request: Request) -> str:
    settings = request.app.state.settings
    return settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")


async def _display_page(request: Request, session: AsyncSession, meeting: Meeting):
    community = await session.get(Community, meeting.community_id)
    ctx = RegionContext(session, meeting.id, Audience(display=True, origin=public_base(request)))
    regions = {name: await render_regions(ctx, (name,)) for name in all_regions()}
    response = page(request, "display/show.html", meeting=meeting, community=community, regions=regions,
                    live_url=f"/meetings/{meeting.id}/display/live")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/meetings/{meeting_id}/display")
async def facilitator_display(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    return await _display_page(request, session, f.meeting)


@router.get("/d/{code}")
async def linked_display(request: Request, session: SessionDep, code: str):
    meeting = await service.meeting_by_code(session, code)
    response = await _display_page(request, session, meeting)
    settings = request.app.state.settings
    response.set_cookie(
        display_cookie(meeting.id), sign(settings.secret_key, "display", code), max_age=PARTICIPANT_MAX_AGE,
        httponly=True, samesite="lax", secure=settings.secure_cookies,
    )
    return response


@router.post("/meetings/{meeting_id}/display-link", dependencies=[CsrfChecked])
async def make_link(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.make_link(session, f.meeting)
    # Displays still showing the old link stop (they show "switched off").
    await request.app.state.hub.tell_participant(service.link_listener(meeting_id), "removed")
    return RedirectResponse(f"/meetings/{meeting_id}#room-display", status_code=303)


@router.post("/meetings/{meeting_id}/display-link/off", dependencies=[CsrfChecked])
async def switch_off(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.switch_off(session, f.meeting)
    await request.app.state.hub.tell_participant(service.link_listener(meeting_id), "removed")
    return RedirectResponse(f"/meetings/{meeting_id}#room-display", status_code=303)


@router.websocket("/meetings/{meeting_id}/display/live")
async def display_socket(websocket: WebSocket, meeting_id: int) -> None:
    """A facilitator's display, or one opened with the meeting's current display link."""

    async def authorise(session: AsyncSession) -> tuple[int, int] | None:
        meeting = await meetings.get_meeting(session, meeting_id)
        account = await get_current_account(websocket, session)
        if (await permission_in(session, account, meeting.community_id)) in FACILITATING:
            return meeting.id, FACILITATOR_DISPLAY
        secret = websocket.app.state.settings.secret_keys
        code = unsign(secret, "display", websocket.cookies.get(display_cookie(meeting_id)), PARTICIPANT_MAX_AGE)
        if not isinstance(code, str):
            return None
        try:
            linked = await service.meeting_by_code(session, code)
        except NotFound:  # replaced or switched off since
            return None
        return (meeting.id, service.link_listener(meeting.id)) if linked.id == meeting.id else None

    await serve_display(websocket, authorise)


@room_part
async def display_part(request: Request, session, viewer: Viewer) -> tuple[dict, dict]:
    """The facilitator's room display panel on the meeting page."""
    if not viewer.is_facilitator:
        return {}, {}
    link = await service.link_of(session, viewer.meeting.id)
    return {"display_url": f"{public_base(request)}/d/{link.code}" if link else None}, {}
