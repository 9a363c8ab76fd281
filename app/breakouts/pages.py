"""Breakout pages: the facilitator plans, adjusts, launches and closes rounds; the
people in a room chat, keep notes and ask for help."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.breakouts import service
from app.breakouts.models import BreakoutRoom
from app.breakouts.schemas import Broadcast, ChatMessage, NotesUpdate, RoundSetup
from app.communities.service import in_id_range
from app.db import SessionDep
from app.errors import Conflict, NotFound
from app.meetings.pages import FacilitatorOf, done
from app.meetings.room import render_room
from app.meetings.viewer import ParticipantOf
from app.web.deps import CsrfChecked, is_htmx
from app.web.forms import lines, parse_form
from app.web.templating import render

router = APIRouter(include_in_schema=False)

REGIONS = ("breakout", "breakout-control")


@router.post("/meetings/{meeting_id}/breakouts/plan", dependencies=[CsrfChecked])
async def plan(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
    by: Annotated[str, Form(max_length=10)] = "rooms",
    count: Annotated[str, Form(max_length=10)] = "",
    duration_minutes: Annotated[str, Form(max_length=10)] = "15",
    prompt: Annotated[str, Form(max_length=5000)] = "",
    room_names: Annotated[str, Form(max_length=20_000)] = "",
    separate_in_room: Annotated[str, Form(max_length=10)] = "",
    lay_buddy: Annotated[str, Form(max_length=10)] = "",
):
    form = parse_form(RoundSetup, {
        "rooms": count if by == "rooms" else None,
        "room_size": count if by == "size" else None,
        "duration_minutes": duration_minutes,
        "prompt": prompt,
        "room_names": lines(room_names),
        "separate_in_room": separate_in_room == "true",
        "lay_buddy": lay_buddy == "true",
    })
    await service.plan_round(session, f.meeting, form)
    return await done(request, session, meeting_id, *REGIONS)


@router.post("/meetings/{meeting_id}/breakouts/{round_id}/move", dependencies=[CsrfChecked])
async def move(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, round_id: int,
    participant_id: Annotated[int, Form()], room_id: Annotated[int, Form()],
):
    round_ = await service.get_round(session, f.meeting, round_id)
    await service.move(session, f.meeting, round_, participant_id, room_id)
    return await done(request, session, meeting_id, *REGIONS)


@router.post("/meetings/{meeting_id}/breakouts/{round_id}/{step}", dependencies=[CsrfChecked])
async def round_step(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, round_id: int,
                     step: str, message: Annotated[str, Form(max_length=5000)] = ""):
    round_ = await service.get_round(session, f.meeting, round_id)
    if step == "launch":
        await service.launch(session, f.meeting, round_)
    elif step == "close":
        await service.close(session, f.meeting, round_)
    elif step == "discard":
        await service.discard_draft(session, f.meeting, round_)
    elif step == "broadcast":
        await service.broadcast(session, f.meeting, round_, parse_form(Broadcast, {"message": message}))
    else:
        raise NotFound("Unknown step.")
    return await done(request, session, meeting_id, *REGIONS)


@router.post("/meetings/{meeting_id}/breakouts/rooms/{room_id}/help/clear", dependencies=[CsrfChecked])
async def clear_help(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, room_id: int):
    room = await session.get(BreakoutRoom, room_id) if in_id_range(room_id) else None
    if room is None:
        raise NotFound("There is no such room.")
    await service.get_round(session, f.meeting, room.round_id)
    await service.clear_help(session, f.meeting, room)
    return await done(request, session, meeting_id, *REGIONS)


# --- the people in a room ---------------------------------------------------------


async def _room_done(request: Request, session, meeting_id: int, extra: str = "") -> Response:
    if not is_htmx(request):
        return RedirectResponse(f"/meetings/{meeting_id}#breakout-heading", status_code=303)
    return HTMLResponse(extra)


@router.post("/meetings/{meeting_id}/breakouts/rooms/{room_id}/chat", dependencies=[CsrfChecked])
async def chat(request: Request, session: SessionDep, who: ParticipantOf, meeting_id: int, room_id: int,
               body: Annotated[str, Form(max_length=10_000)] = ""):
    room = await service.my_room(session, who.meeting, who.participant, room_id)
    form = parse_form(ChatMessage, {"body": body})
    await request.app.state.limiter.check(f"chat:{who.participant.id}", 20, 60,
                                    "That is a lot of messages. Please wait {seconds} seconds.")
    await service.chat(session, who.meeting, who.participant, room, form)
    return await _room_done(request, session, meeting_id)


@router.post("/meetings/{meeting_id}/breakouts/rooms/{room_id}/help", dependencies=[CsrfChecked])
async def ask_for_help(request: Request, session: SessionDep, who: ParticipantOf, meeting_id: int, room_id: int):
    room = await service.my_room(session, who.meeting, who.participant, room_id)
    await service.ask_for_help(session, who.meeting, room)
    return await _room_done(request, session, meeting_id,
                            render("_flash.html", message="The facilitator has been asked to join your room."))


@router.post("/meetings/{meeting_id}/breakouts/rooms/{room_id}/notes", dependencies=[CsrfChecked])
async def save_notes(request: Request, session: SessionDep, who: ParticipantOf, meeting_id: int, room_id: int,
                     notes: Annotated[str, Form(max_length=50_000)] = "",
                     version: Annotated[str, Form(max_length=12)] = "0"):
    room = await service.my_room(session, who.meeting, who.participant, room_id)
    form = parse_form(NotesUpdate, {"notes": notes, "version": version})
    try:
        room = await service.save_notes(session, who.meeting, who.participant.display_name, room, form)
    except Conflict as exc:
        current = await session.get(BreakoutRoom, room_id)
        await session.refresh(current)
        if not is_htmx(request):
            # Without JavaScript: the room again, their text kept, the newer notes shown.
            return await render_room(request, session, meeting_id, status_code=409,
                                     personal={"notes_draft": notes, "notes_version": current.notes_version},
                                     ask_error=exc.detail)
        # With htmx: their text stays in the box (it is preserved); give them the
        # newer version number so their next save, having seen the other notes, goes through.
        body = (f'<input type="hidden" id="notes-version-{room_id}" name="version" '
                f'value="{current.notes_version}" hx-swap-oob="outerHTML">')
        return HTMLResponse(body + render("_flash.html", message=exc.detail, error=True), status_code=409)
    editor = render("breakouts/_notes_editor.html", room=room, preserve=False, oob=True, draft=None, version=None)
    return await _room_done(request, session, meeting_id,
                            editor + render("_flash.html", message="Notes saved. Everyone in your room can see them."))
