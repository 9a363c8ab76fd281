from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import col, select

from app.api.common import ApiKeyDep, CONFLICT, Cursor, Limit, Page, WriteKey, meeting_for_key, own_community, page_of
from app.api.versions import IfMatch, etag_header, expected_version, preconditions, set_etag, stale_is_412
from app.communities.service import get_community
from app.db import SessionDep
from app.meetings import service
from app.meetings.models import Meeting, MeetingStatus, Participant
from app.validation import WholeNumber
from app.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemPublic,
    MeetingCreate,
    MeetingPublic,
    ParticipantPublic,
    ParticipantUpdate,
)

router = APIRouter(tags=["meetings"])


@router.get("/communities/{community_id}/meetings", summary="A community's meetings, newest first",
            response_model=Page[MeetingPublic])
async def list_meetings(
    session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50, cursor: Cursor = None,
    status: Annotated[MeetingStatus | None, Query(description="Only meetings with this status")] = None,
):
    own_community(key, community_id)
    query = select(Meeting).where(Meeting.community_id == community_id)
    if status is not None:
        query = query.where(Meeting.status == status)
    if cursor is not None:
        query = query.where(Meeting.id < int(cursor))
    rows = list((await session.exec(query.order_by(col(Meeting.id).desc()).limit(limit + 1))).all())
    items, next_cursor = page_of(rows, limit)
    return Page[MeetingPublic](items=[await service.meeting_public(session, m) for m in items], next_cursor=next_cursor)


@router.post("/communities/{community_id}/meetings", status_code=201, summary="Create a meeting",
             response_model=MeetingPublic)
async def create_meeting(session: SessionDep, key: WriteKey, community_id: int, body: MeetingCreate):
    own_community(key, community_id)
    community = await get_community(session, community_id)
    meeting = await service.create_meeting(session, community, body)
    return await service.meeting_public(session, meeting)


@router.get("/meetings/{meeting_id}", summary="One meeting, with its agenda",
            description=f"`agenda` is the whole agenda in order (at most {service.MAX_AGENDA_ITEMS} items, so never "
            "paged).", response_model=MeetingPublic)
async def read_meeting(session: SessionDep, key: ApiKeyDep, meeting_id: int):
    return await service.meeting_public(session, await meeting_for_key(session, key, meeting_id))


class JoinLink(BaseModel):
    url: str | None = Field(description="The link members open to join; null while revoked")


@router.get("/meetings/{meeting_id}/join-link", summary="The meeting's join link", response_model=JoinLink)
async def read_join_link(request: Request, session: SessionDep, key: WriteKey, meeting_id: int):
    from app.meetings.pages import join_url

    meeting = await meeting_for_key(session, key, meeting_id)
    return JoinLink(url=join_url(request, request.app.state.settings, meeting))


@router.post("/meetings/{meeting_id}/start", summary="Start the meeting (it goes live)", response_model=MeetingPublic,
             responses=CONFLICT)
async def start_meeting(session: SessionDep, key: WriteKey, meeting_id: int):
    meeting = await service.start_meeting(session, await meeting_for_key(session, key, meeting_id))
    return await service.meeting_public(session, meeting)


@router.post("/meetings/{meeting_id}/end", summary="End the meeting", response_model=MeetingPublic, responses=CONFLICT)
async def end_meeting(session: SessionDep, key: WriteKey, meeting_id: int):
    meeting = await service.end_meeting(session, await meeting_for_key(session, key, meeting_id))
    return await service.meeting_public(session, meeting)


@router.post("/meetings/{meeting_id}/agenda", status_code=201, summary="Add an agenda item at the end",
             response_model=AgendaItemPublic, responses=CONFLICT)
async def add_agenda_item(session: SessionDep, key: WriteKey, meeting_id: int, body: AgendaItemCreate):
    meeting = await meeting_for_key(session, key, meeting_id)
    return await service.add_agenda_item(session, meeting, body)


class AgendaNow(BaseModel):
    item_id: WholeNumber | None = Field(description="The agenda item under discussion now; null clears the marker",
                                examples=[12])


@router.put("/meetings/{meeting_id}/agenda/now", summary="Move the agenda's 'now' marker",
            description=f"The answer is the whole agenda in order, as one array: an agenda has at most "
            f"{service.MAX_AGENDA_ITEMS} items, so it is never paged.",
            response_model=list[AgendaItemPublic])
async def set_agenda_now(session: SessionDep, key: WriteKey, meeting_id: int, body: AgendaNow):
    meeting = await meeting_for_key(session, key, meeting_id)
    return await service.set_agenda_now(session, meeting, body.item_id)


@router.get("/meetings/{meeting_id}/participants", summary="Who has joined the meeting",
            response_model=Page[ParticipantPublic])
async def list_participants(
    session: SessionDep, key: ApiKeyDep, meeting_id: int, limit: Limit = 50, cursor: Cursor = None,
    role: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z0-9-]+$",
                                     description="Only this role (its slug)")] = None,
):
    await meeting_for_key(session, key, meeting_id)
    query = select(Participant).where(Participant.meeting_id == meeting_id, Participant.removed == False)  # noqa: E712
    if role is not None:
        query = query.where(Participant.role == role)
    if cursor is not None:
        query = query.where(Participant.id > int(cursor))
    rows = list((await session.exec(query.order_by(Participant.id).limit(limit + 1))).all())
    items, next_cursor = page_of(rows, limit)
    return Page[ParticipantPublic](items=[service.participant_public(p) for p in items], next_cursor=next_cursor)


@router.get("/meetings/{meeting_id}/participants/{participant_id}", summary="One person in the meeting",
            response_model=ParticipantPublic, responses={200: etag_header("participant")})
async def read_participant(session: SessionDep, key: ApiKeyDep, meeting_id: int, participant_id: int,
                           response: Response):
    participant = await service.get_participant(session, await meeting_for_key(session, key, meeting_id), participant_id)
    set_etag(response, participant.version)
    return service.participant_public(participant)


@router.patch("/meetings/{meeting_id}/participants/{participant_id}", summary="Correct someone's role or place",
              description="Needs `If-Match` with the ETag you read (or `\"<version>\"` from the list).",
              response_model=ParticipantPublic,
              responses={200: etag_header("participant"), **preconditions("participant")})
async def update_participant(session: SessionDep, key: WriteKey, meeting_id: int, participant_id: int,
                             body: ParticipantUpdate, response: Response, if_match: IfMatch = None):
    meeting = await meeting_for_key(session, key, meeting_id)
    community = await get_community(session, meeting.community_id)
    participant = await service.get_participant(session, meeting, participant_id)
    version = expected_version(if_match, participant.version, "participant")
    with stale_is_412("participant"):
        participant = await service.update_participant(session, meeting, community, participant, body, version)
    set_etag(response, participant.version)
    return service.participant_public(participant)


@router.delete("/meetings/{meeting_id}/participants/{participant_id}", status_code=204,
               summary="Remove someone from the meeting")
async def remove_participant(session: SessionDep, key: WriteKey, meeting_id: int, participant_id: int):
    meeting = await meeting_for_key(session, key, meeting_id)
    participant = await service.get_participant(session, meeting, participant_id)
    await service.remove_participant(session, meeting, participant)
