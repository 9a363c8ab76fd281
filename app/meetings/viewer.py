"""Who is looking at a meeting: a member, or a facilitator taking part as themselves."""

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.communities.models import FACILITATING, Community
from app.communities.service import permission_in
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
