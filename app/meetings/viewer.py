"""Who is looking at a meeting: a member, or a facilitator taking part as themselves."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.communities.models import FACILITATING, Community
from app.communities.service import permission_in
from app.db import SessionDep
from app.errors import Forbidden
from app.live.regions import Audience
from app.meetings import service
from app.meetings.models import Meeting, Participant
from app.web.deps import get_current_account, participant_from_cookie


@dataclass
class Viewer:
    meeting: Meeting
    community: Community
    account: Account | None
    participant: Participant | None
    is_facilitator: bool

    def audience(self, sort: str | None = None) -> Audience:
        return Audience.of(self.is_facilitator, sort)


async def resolve_viewer(connection: HTTPConnection, session: AsyncSession, meeting_id: int) -> Viewer:
    meeting = await service.get_meeting(session, meeting_id)
    community = await session.get(Community, meeting.community_id)
    account = await get_current_account(connection, session)
    is_facilitator = (await permission_in(session, account, meeting.community_id)) in FACILITATING
    if is_facilitator:
        participant = await service.facilitator_participant(session, meeting, account)
    else:
        participant = await participant_from_cookie(connection, session, meeting)
    return Viewer(meeting, community, account, participant, is_facilitator)


# --- who may send a member's command (ask, vote, chat in a room, answer an icebreaker) ---


class Asker:
    def __init__(self, meeting: Meeting, participant: Participant):
        self.meeting = meeting
        self.participant = participant


async def current_participant(request: Request, session: SessionDep, meeting_id: int) -> Asker:
    viewer = await resolve_viewer(request, session, meeting_id)  # facilitators take part too
    if viewer.participant is None:
        raise Forbidden("Join the meeting with your link first.")
    return Asker(viewer.meeting, viewer.participant)


ParticipantOf = Annotated[Asker, Depends(current_participant)]
