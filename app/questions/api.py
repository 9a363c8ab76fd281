from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.api.common import ApiKeyDep, CONFLICT, Cursor, Limit, Page, WriteKey, meeting_for_key
from app.db import SessionDep
from app.questions import service
from app.questions.models import QuestionStatus
from app.questions.schemas import JargonSummary, QuestionAnswer, QuestionPublic

router = APIRouter(tags=["questions"])

Action = Literal["approve", "hide", "unhide", "answer", "reopen", "pin", "unpin"]


@router.get(
    "/meetings/{meeting_id}/questions",
    summary="A meeting's questions",
    description="Anonymous questions carry no author; times are rounded to the minute. "
    "Questions waiting for review are included only when asked for by `status=pending`.",
    response_model=Page[QuestionPublic],
)
async def list_questions(
    session: SessionDep, key: ApiKeyDep, meeting_id: int, limit: Limit = 50, cursor: Cursor = None,
    status: Annotated[list[QuestionStatus] | None, Query(description="Only these statuses (repeatable)")] = None,
    sort: Annotated[Literal["votes", "time"], Query(description="Most votes first, or newest first")] = "votes",
):
    await meeting_for_key(session, key, meeting_id)
    statuses = set(status) if status else {QuestionStatus.open, QuestionStatus.answered}
    questions = await service.questions_of(session, meeting_id, statuses, sort, where=service.ANYWHERE)
    # Question ids are random, so the cursor is a position in this ordering.
    start = int(cursor) if cursor else 0
    window = questions[start:start + limit]
    next_cursor = str(start + limit) if start + limit < len(questions) else None
    return Page[QuestionPublic](items=[service.public(q) for q in window], next_cursor=next_cursor)


@router.post(
    "/meetings/{meeting_id}/questions/{question_id}/{action}",
    summary="Moderate a question",
    description="`approve` a question waiting for review; `hide` it (and `unhide` to undo); `answer` marks it "
    "answered, with an optional short written answer; `reopen` brings it back from the answered list; `pin` "
    "shows it at the top for everyone (one at a time); `unpin`.",
    response_model=QuestionPublic,
    responses=CONFLICT,
)
async def moderate_question(
    session: SessionDep, key: WriteKey, meeting_id: int, question_id: str, action: Action,
    body: QuestionAnswer | None = None,
):
    meeting = await meeting_for_key(session, key, meeting_id)
    return service.public(await service.moderate(session, meeting, question_id, action, body))


@router.get("/meetings/{meeting_id}/jargon", summary="Terms people asked to have explained",
            response_model=JargonSummary)
async def jargon(session: SessionDep, key: ApiKeyDep, meeting_id: int):
    await meeting_for_key(session, key, meeting_id)
    return await service.jargon_summary(session, meeting_id)
