"""An icebreaker answer can become a community action in one step. The action never
names the person who answered (anonymous runs keep no link at all)."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.actions.service import SourceDraft, action_source
from app.errors import NotFound
from app.icebreakers.models import IcebreakerAnswer, IcebreakerRun
from app.meetings.models import Meeting


@action_source("icebreaker_answer")
async def from_answer(session: AsyncSession, meeting: Meeting, source_id: str) -> SourceDraft:
    answer = await session.get(IcebreakerAnswer, source_id) if len(source_id) <= 32 else None
    run = await session.get(IcebreakerRun, answer.run_id) if answer is not None else None
    if answer is None or run is None or run.meeting_id != meeting.id or not answer.text.strip():
        raise NotFound("There is no such icebreaker answer in this meeting.")
    return SourceDraft(title=answer.text.strip()[:200], description=answer.text,
                       label="an icebreaker answer", excerpt=answer.text)
