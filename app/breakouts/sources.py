"""A breakout room's notes can become a community action in one step."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.actions.service import SourceDraft, action_source
from app.breakouts.models import BreakoutRoom
from app.breakouts.service import get_round
from app.communities.service import in_id_range
from app.errors import NotFound
from app.meetings.models import Meeting


@action_source("breakout_room", one_per_source=False)
async def from_room_notes(session: AsyncSession, meeting: Meeting, source_id: str) -> SourceDraft:
    room = await session.get(BreakoutRoom, int(source_id)) if source_id.isdigit() and in_id_range(int(source_id)) else None
    if room is None:
        raise NotFound("There is no such breakout room in this meeting.")
    round_ = await get_round(session, meeting, room.round_id)  # NotFound unless it is this meeting's
    if not room.notes.strip():
        raise NotFound("That room saved no notes to turn into an action.")
    first_line = room.notes.strip().splitlines()[0]
    return SourceDraft(title=first_line[:200], description=room.notes,
                       label=f"{room.name}'s notes (breakout round {round_.number})", excerpt=room.notes)
