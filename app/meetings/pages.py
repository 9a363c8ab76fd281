"""Meeting pages: create, join, the live room, and the facilitator's controls.

Every command is a plain form post that also works through htmx: without
JavaScript it redirects back to the room; with htmx it answers with the changed
regions (out-of-band swaps), so the person who acted sees the result even if
their live socket is down.
"""

import io
from dataclasses import dataclass
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from app.communities.models import Community
from app.communities.service import require_facilitator
from app.db import SessionDep
from app.errors import Conflict, DomainError, Forbidden
from app.live.regions import FACILITATORS, RegionContext, all_regions, render_regions
from app.meetings import service
from app.meetings.models import Meeting
from app.meetings.schemas import AgendaItemCreate, JoinRequest, MeetingCreate, ParticipantUpdate
from app.meetings.room import render_room
from app.web.deps import CsrfChecked, CurrentAccount, SettingsDep, SignedIn, is_htmx, participant_from_cookie
from app.web.forms import FormInvalid, lines, parse_form
from app.web.security import PARTICIPANT_MAX_AGE, participant_cookie, sign
from app.web.templating import page

router = APIRouter(include_in_schema=False)


def join_url(request: Request, settings, meeting: Meeting) -> str | None:
    if meeting.join_code is None:
        return None
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/j/{meeting.join_code}"


@router.post("/communities/{community_id}/meetings", dependencies=[CsrfChecked])
async def create_meeting(
    request: Request,
    session: SessionDep,
    account: SignedIn,
    community_id: int,
    title: Annotated[str, Form(max_length=2000)] = "",
    scheduled_at: Annotated[str, Form(max_length=40)] = "",
    venue: Annotated[str, Form(max_length=2000)] = "",
    agenda: Annotated[str, Form(max_length=20000)] = "",
):
    from app.communities.pages import community_page

    community = await require_facilitator(session, account, community_id)
    values = {"title": title, "scheduled_at": scheduled_at, "venue": venue, "agenda": agenda}
    try:
        form = parse_form(
            MeetingCreate,
            {"title": title, "scheduled_at": scheduled_at or None, "venue": venue, "agenda": lines(agenda)},
        )
    except FormInvalid as exc:
        return await community_page(request, session, account, community_id, 422,
                                    meeting_values=values, meeting_errors=exc.errors)
    meeting = await service.create_meeting(session, community, form)
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


# --- joining ---------------------------------------------------------------------


@router.get("/j/{code}")
async def join_form(request: Request, session: SessionDep, code: str):
    meeting = await service.meeting_by_join_code(session, code)
    if await participant_from_cookie(request, session, meeting) is not None:
        return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)
    service.ensure_joinable(meeting)  # say so now, not after they fill in the form
    community = await session.get(Community, meeting.community_id)
    return page(request, "meetings/join.html", meeting=meeting, community=community, code=code,
                values={"in_room": "false"}, errors={})


@router.post("/j/{code}", dependencies=[CsrfChecked])
async def join(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: str,
    display_name: Annotated[str, Form(max_length=1000)] = "",
    role: Annotated[str, Form(max_length=100)] = "",
    in_room: Annotated[str, Form(max_length=10)] = "false",
):
    meeting = await service.meeting_by_join_code(session, code)
    community = await session.get(Community, meeting.community_id)
    values = {"display_name": display_name, "role": role, "in_room": in_room}
    try:
        form = parse_form(JoinRequest, {"display_name": display_name, "role": role, "in_room": in_room == "true"})
        participant = await service.join(session, meeting, community, form)
    except FormInvalid as exc:
        return page(request, "meetings/join.html", status_code=422, meeting=meeting, community=community,
                    code=code, values=values, errors=exc.errors)
    except DomainError as exc:
        return page(request, "meetings/join.html", status_code=exc.status_code, meeting=meeting,
                    community=community, code=code, values=values, errors={exc.field or "form": exc.detail})
    response = RedirectResponse(f"/meetings/{meeting.id}", status_code=303)
    response.set_cookie(
        participant_cookie(meeting.id), sign(settings.secret_key, "participant", participant.id),
        max_age=PARTICIPANT_MAX_AGE, httponly=True, samesite="lax", secure=settings.secure_cookies,
    )
    return response


# --- the live room ----------------------------------------------------------------


@router.get("/meetings/{meeting_id}")
async def meeting_room(request: Request, session: SessionDep, meeting_id: int):
    return await render_room(request, session, meeting_id)


@router.post("/meetings/{meeting_id}/leave", dependencies=[CsrfChecked])
async def leave(request: Request, session: SessionDep, meeting_id: int):
    meeting = await service.get_meeting(session, meeting_id)
    participant = await participant_from_cookie(request, session, meeting)
    if participant is not None:
        await service.leave(session, participant)
    response = page(request, "meetings/left.html", meeting=meeting)
    response.delete_cookie(participant_cookie(meeting_id))
    return response


# --- facilitator commands -----------------------------------------------------------


@dataclass
class FacilitatedMeeting:
    meeting: Meeting
    community: Community


async def facilitated_meeting(session: SessionDep, account: CurrentAccount, meeting_id: int) -> FacilitatedMeeting:
    """Every facilitator command passes here: checked on the server, whatever the page showed."""
    meeting = await service.get_meeting(session, meeting_id)
    if account is None:
        raise Forbidden("Only the meeting's facilitators can do this.")
    community = await require_facilitator(session, account, meeting.community_id)
    return FacilitatedMeeting(meeting, community)


FacilitatorOf = Annotated[FacilitatedMeeting, Depends(facilitated_meeting)]


async def done(request: Request, session, meeting_id: int, *region_names: str) -> Response:
    """After a command: the changed regions for htmx, a redirect for a plain form."""
    if is_htmx(request):
        ctx = RegionContext(session, meeting_id, FACILITATORS, csrf_token=request.state.csrf_token)
        return HTMLResponse(await render_regions(ctx, region_names or all_regions()), headers={"Vary": "HX-Request"})
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/start", dependencies=[CsrfChecked])
async def start(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.start_meeting(session, f.meeting)
    return await done(request, session, meeting_id, "status")


@router.post("/meetings/{meeting_id}/end", dependencies=[CsrfChecked])
async def end(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.end_meeting(session, f.meeting)
    return await done(request, session, meeting_id, "status")


@router.post("/meetings/{meeting_id}/agenda", dependencies=[CsrfChecked])
async def add_agenda_item(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
    title: Annotated[str, Form(max_length=2000)] = "",
):
    form = parse_form(AgendaItemCreate, {"title": title})
    await service.add_agenda_item(session, f.meeting, form)
    return await done(request, session, meeting_id, "agenda")


@router.post("/meetings/{meeting_id}/agenda/now", dependencies=[CsrfChecked])
async def set_agenda_now(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
    item_id: Annotated[int | None, Form()] = None,
):
    await service.set_agenda_now(session, f.meeting, item_id)
    return await done(request, session, meeting_id, "agenda")


@router.post("/meetings/{meeting_id}/participants/{participant_id}", dependencies=[CsrfChecked])
async def update_participant(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, participant_id: int,
    role: Annotated[str | None, Form(max_length=100)] = None,
    in_room: Annotated[str | None, Form(max_length=10)] = None,
):
    participant = await service.get_participant(session, f.meeting, participant_id)
    form = parse_form(ParticipantUpdate, {"role": role or None, "in_room": None if in_room is None else in_room == "true"})
    await service.update_participant(session, f.meeting, f.community, participant, form)
    return await done(request, session, meeting_id, "presence")


@router.post("/meetings/{meeting_id}/participants/{participant_id}/remove", dependencies=[CsrfChecked])
async def remove_participant(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, participant_id: int):
    participant = await service.get_participant(session, f.meeting, participant_id)
    await service.remove_participant(session, f.meeting, participant)
    return await done(request, session, meeting_id, "presence")


@router.post("/meetings/{meeting_id}/join-link", dependencies=[CsrfChecked])
async def regenerate_join_link(session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.regenerate_join_link(session, f.meeting)
    return RedirectResponse(f"/meetings/{meeting_id}#join-link", status_code=303)


@router.post("/meetings/{meeting_id}/join-link/revoke", dependencies=[CsrfChecked])
async def revoke_join_link(session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.revoke_join_link(session, f.meeting)
    return RedirectResponse(f"/meetings/{meeting_id}#join-link", status_code=303)


@router.get("/meetings/{meeting_id}/join-qr.svg")
async def join_qr(request: Request, settings: SettingsDep, f: FacilitatorOf, meeting_id: int):
    url = join_url(request, settings, f.meeting)
    if url is None:
        raise Conflict("This meeting has no join link at the moment.")
    return Response(join_qr_svg(url), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def join_qr_svg(url: str, scale: int = 6) -> bytes:
    """A standalone SVG (with its XML namespace, so browsers show it as an image)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, border=2, title="QR code for the join link")
    return buffer.getvalue()
