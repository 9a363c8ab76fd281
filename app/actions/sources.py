"""Things that can be turned into an action in one step.

Each source type registers a resolver with `@action_source("type")`; a facilitator's
button then posts to `/meetings/{meeting_id}/actions/from/{type}/{id}`. Breakout
rooms and icebreaker answers register theirs the same way, in their own domain.
"""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.actions.service import SourceDraft, action_source
from app.meetings.models import Meeting
from app.questions import service as questions


@action_source("question")
async def from_question(session: AsyncSession, meeting: Meeting, source_id: str) -> SourceDraft:
    # Never the asker: an action made from an anonymous question must not name anyone.
    question = await questions.get_question(session, meeting, source_id)
    description = question.body
    if question.answer:
        description += f"\n\nAnswer given in the meeting: {question.answer}"
    return SourceDraft(title=question.body, description=description, label="a question", excerpt=question.body)
