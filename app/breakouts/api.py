import csv
import io

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.common import CONFLICT, ApiKeyDep, Cursor, Limit, Page, WriteKey, meeting_for_key, page_of
from app.breakouts import service
from app.api.versions import IfMatch, etag_header, expected_version, preconditions, set_etag, stale_is_412
from app.breakouts.models import BreakoutRoom, BreakoutRound, RoundStatus
from app.breakouts.schemas import (Move, NotesUpdate, RoomNotes, RoomNotesPublic, RoomPublic, RoundPublic, RoundSetup,
                                   SeatPublic)
from app.communities.service import get_community
from app.db import SessionDep
from app.errors import Invalid
from app.meetings.schemas import JoinRequest, ParticipantPublic
from app.meetings import service as meetings

router = APIRouter(tags=["breakouts"])

MAX_ROSTER_BYTES = 200_000
# The answer lists everyone the import made, so it is one array, never a page: hence a cap.
MAX_ROSTER_ROWS = 1000


async def round_public(session, round_: BreakoutRound) -> RoundPublic:
    rooms = await service.rooms_of(session, round_.id)
    seats = await service.seating(session, round_.id)
    public = RoundPublic.model_validate(round_)
    public.rooms = [
        RoomPublic(
            id=r.id, index=r.index, name=r.name, in_room=r.in_room, notes=r.notes, notes_version=r.notes_version,
            help_requested=r.help_requested,
            seats=[SeatPublic(participant_id=p.id, display_name=p.display_name, role=p.role, in_room=p.in_room,
                              moved_by_hand=s.moved_by_hand) for s, p in seats.get(r.id, [])],
        )
        for r in rooms
    ]
    return public


@router.get("/meetings/{meeting_id}/breakouts", summary="A meeting's breakout rounds, with rooms and assignments",
            description="Oldest first. A round is `draft` (a preview only facilitators see), `live` or `closed`.",
            response_model=Page[RoundPublic])
async def list_rounds(
    session: SessionDep, key: ApiKeyDep, meeting_id: int, limit: Limit = 20, cursor: Cursor = None,
    status: Annotated[RoundStatus | None, Query(description="Only rounds in this state")] = None,
):
    await meeting_for_key(session, key, meeting_id)
    rounds = await service.rounds_of(session, meeting_id, status, after_id=int(cursor) if cursor else None,
                                     limit=limit + 1)
    items, next_cursor = page_of(rounds, limit)
    return Page[RoundPublic](items=[await round_public(session, r) for r in items], next_cursor=next_cursor)


@router.post("/meetings/{meeting_id}/breakouts", status_code=201, response_model=RoundPublic, responses=CONFLICT,
             summary="Plan a round: allocate everyone here into balanced rooms, as a preview",
             description="Replaces any earlier preview. The response carries the quality figures (worst role spread, "
             "repeated pairs, rooms with one lay member) and a plain-language `problems` list where a guarantee "
             "could not be met. Nobody else sees the round until it is launched.")
async def plan_round(session: SessionDep, key: WriteKey, meeting_id: int, body: RoundSetup):
    meeting = await meeting_for_key(session, key, meeting_id)
    return await round_public(session, await service.plan_round(session, meeting, body))


@router.get("/meetings/{meeting_id}/breakouts/{round_id}", summary="One breakout round", response_model=RoundPublic)
async def read_round(session: SessionDep, key: ApiKeyDep, meeting_id: int, round_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    return await round_public(session, await service.get_round(session, meeting, round_id))


@router.post("/meetings/{meeting_id}/breakouts/{round_id}/moves", summary="Move someone to another room",
             response_model=RoundPublic, responses=CONFLICT)
async def move(session: SessionDep, key: WriteKey, meeting_id: int, round_id: int, body: Move):
    meeting = await meeting_for_key(session, key, meeting_id)
    round_ = await service.get_round(session, meeting, round_id)
    await service.move(session, meeting, round_, body.participant_id, body.room_id)
    return await round_public(session, round_)


@router.post("/meetings/{meeting_id}/breakouts/{round_id}/launch", summary="Launch the round: everyone goes to their room",
             response_model=RoundPublic, responses=CONFLICT)
async def launch(session: SessionDep, key: WriteKey, meeting_id: int, round_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    round_ = await service.launch(session, meeting, await service.get_round(session, meeting, round_id))
    return await round_public(session, round_)


@router.post("/meetings/{meeting_id}/breakouts/{round_id}/close",
             summary="Close the round: everyone comes back; the rooms' notes are kept", response_model=RoundPublic,
             responses=CONFLICT)
async def close(session: SessionDep, key: WriteKey, meeting_id: int, round_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    round_ = await service.close(session, meeting, await service.get_round(session, meeting, round_id))
    return await round_public(session, round_)


async def _room(session, key, meeting_id: int, round_id: int, room_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    return meeting, await service.get_room(session, await service.get_round(session, meeting, round_id), room_id)


def _notes(response: Response, room: BreakoutRoom) -> RoomNotesPublic:
    set_etag(response, room.notes_version)
    return RoomNotesPublic(room_id=room.id, notes=room.notes, version=room.notes_version, saved_by=room.notes_by)


@router.get("/meetings/{meeting_id}/breakouts/{round_id}/rooms/{room_id}/notes", summary="A breakout room's notes",
            response_model=RoomNotesPublic, responses={200: etag_header("notes")})
async def read_notes(session: SessionDep, key: ApiKeyDep, meeting_id: int, round_id: int, room_id: int,
                     response: Response):
    _, room = await _room(session, key, meeting_id, round_id, room_id)
    return _notes(response, room)


@router.put("/meetings/{meeting_id}/breakouts/{round_id}/rooms/{room_id}/notes", summary="Replace a room's notes",
            description="The same versioned notes the room edits on its page: needs `If-Match` with the ETag you "
            "read, so nobody's notes are silently overwritten (412 if someone saved since).",
            response_model=RoomNotesPublic, responses={200: etag_header("notes"), **preconditions("notes")})
async def save_notes(session: SessionDep, key: WriteKey, meeting_id: int, round_id: int, room_id: int,
                     body: RoomNotes, response: Response, if_match: IfMatch = None):
    meeting, room = await _room(session, key, meeting_id, round_id, room_id)
    form = NotesUpdate(notes=body.notes, version=expected_version(if_match, room.notes_version, "notes"))
    with stale_is_412("notes"):
        room = await service.save_notes(session, meeting, f"{key.name} (API)", room, form)
    return _notes(response, room)


@router.post(
    "/meetings/{meeting_id}/roster", status_code=201, response_model=list[ParticipantPublic], responses=CONFLICT,
    summary="Import a roster from CSV, for planning rooms before people arrive",
    description="Send `text/csv` with a header row `name,role,in_room` (role: a role slug of the community; "
    "in_room: yes/no). Each row becomes a participant who counts for breakout planning. The whole file is "
    f"checked first: one bad row refuses the import and names the row. At most {MAX_ROSTER_ROWS} rows; the answer "
    "is every participant made, as one array (not a page), in the file's order; read them again, paged, at "
    "`GET /meetings/{id}/participants`.",
    openapi_extra={"requestBody": {"required": True, "content": {"text/csv": {
        "schema": {"type": "string"}, "example": "name,role,in_room\nSam,lay,no\nDr Patel,gp,yes\n"}}}},
)
async def import_roster(request: Request, session: SessionDep, key: WriteKey, meeting_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    community = await get_community(session, meeting.community_id)
    raw = await request.body()
    if len(raw) > MAX_ROSTER_BYTES:
        raise Invalid(f"The roster is too large (over {MAX_ROSTER_BYTES // 1000} kB).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The roster must be UTF-8 text.") from exc
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"name", "role"} <= set(rows[0]):
        raise Invalid("The first line must be the header: name,role,in_room")
    if len(rows) > MAX_ROSTER_ROWS:
        raise Invalid(f"A roster can have at most {MAX_ROSTER_ROWS} people; split the file and send each part.")
    forms = []
    for number, row in enumerate(rows, start=2):
        try:
            form = JoinRequest(display_name=row.get("name") or "", role=row.get("role") or "",
                               in_room=(row.get("in_room") or "").strip().lower() in ("yes", "true", "1", "y"))
            meetings.check_role(community, form.role)
        except Exception as exc:  # noqa: BLE001 - turned into a clear message naming the row
            message = getattr(exc, "detail", None) or str(exc).splitlines()[-1]
            raise Invalid(f"Line {number}: {message}", field=f"line {number}") from exc
        forms.append(form)
    created = [await meetings.join(session, meeting, community, form, from_roster=True) for form in forms]
    return [meetings.participant_public(p) for p in created]
