"""The rules of the question chat: asking, withdrawing, voting, moderating."""

import logging
import secrets
from collections import Counter

from sqlalchemy import and_, delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.breakouts.models import BreakoutRoom, BreakoutSeat
from app.breakouts.service import room_of
from app.errors import Conflict, Invalid, NotFound
from app.live.events import commit_and_publish, record_event
from app.meetings.models import Meeting, MeetingStatus, Participant
from app.questions.models import Attribution, JargonSignal, Question, QuestionStatus, QuestionVote
from app.questions.schemas import JargonAsk, JargonSummary, JargonTerm, QuestionAnswer, QuestionAsk, QuestionPublic
from app.web.security import Keys, hash_secret, keyed_hashes

# Below this many possible authors, a question is easy to attribute.
ANONYMITY_THRESHOLD = 5

log = logging.getLogger("roundtable.questions")


def _random_id() -> str:
    return secrets.token_hex(8)


def public(question: Question) -> QuestionPublic:
    return QuestionPublic.model_validate(question)


def _event_data(question: Question) -> dict:
    data = {"question": public(question).model_dump(mode="json")}
    if question.breakout_room_id is not None:
        data["room_id"] = question.breakout_room_id  # only that room's pages need it
    return data


# --- who could have asked ------------------------------------------------------


async def possible_authors(session: AsyncSession, meeting_id: int, role: str | None = None,
                           room_id: int | None = None) -> int:
    """People who joined and have not gone (in the room, for a breakout question):
    anyone of them could have asked."""
    query = select(func.count()).select_from(Participant).where(
        Participant.meeting_id == meeting_id,
        Participant.removed == False,  # noqa: E712
        col(Participant.left_at).is_(None),
    )
    if role is not None:
        query = query.where(Participant.role == role)
    if room_id is not None:
        query = query.join(BreakoutSeat, BreakoutSeat.participant_id == Participant.id).where(
            BreakoutSeat.room_id == room_id)
    return (await session.exec(query)).one()


async def role_attribution_allowed(session: AsyncSession, participant: Participant, room_id: int | None = None) -> bool:
    return await possible_authors(session, participant.meeting_id, participant.role, room_id) >= ANONYMITY_THRESHOLD


# --- asking --------------------------------------------------------------------


def _check_open(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended, so new questions are closed.")


async def ask(session: AsyncSession, meeting: Meeting, participant: Participant, form: QuestionAsk,
              room: BreakoutRoom | None = None) -> tuple[Question, str]:
    """Post a question to the meeting, or inside the asker's breakout room. Returns it
    and the withdraw token, which only the asker's browser keeps; the database holds
    its hash and, for anonymous questions, nothing else."""
    _check_open(meeting)
    room_id = room.id if room is not None else None
    if form.attribution == Attribution.role and not await role_attribution_allowed(session, participant, room_id):
        raise Invalid(
            "So few people here share your role that others could guess it was you. "
            "Ask anonymously or with your name instead.",
            field="attribution",
        )
    token = secrets.token_urlsafe(24)
    question = Question(
        id=_random_id(),
        meeting_id=meeting.id,
        breakout_room_id=room_id,
        body=form.body,
        attribution=form.attribution,
        author_name=participant.display_name if form.attribution == Attribution.named else None,
        author_role=participant.role if form.attribution != Attribution.anonymous else None,
        status=QuestionStatus.pending if meeting.review_questions else QuestionStatus.open,
        withdraw_hash=hash_secret(token),
    )
    session.add(question)
    await session.flush()
    await record_event(session, meeting.id, "question.posted", _event_data(question))
    await commit_and_publish(session)
    log.info("a question was posted in meeting %s", meeting.id)  # never who, never what
    return question, token


async def mine(session: AsyncSession, meeting_id: int, tokens: list[str]) -> list[Question]:
    if not tokens:
        return []
    hashes = [hash_secret(t) for t in tokens]
    result = await session.exec(
        select(Question).where(Question.meeting_id == meeting_id, col(Question.withdraw_hash).in_(hashes))
    )
    return sorted(result.all(), key=lambda q: (q.created_at, q.id))


async def withdraw(session: AsyncSession, meeting: Meeting, question_id: str, tokens: list[str]) -> None:
    question = await session.get(Question, question_id)
    if question is None or question.meeting_id != meeting.id or question.withdraw_hash not in {hash_secret(t) for t in tokens}:
        raise NotFound("That question is not one this browser asked, or it has already been withdrawn.")
    await session.delete(question)
    data = {"question_id": question.id}
    if question.breakout_room_id is not None:
        data["room_id"] = question.breakout_room_id
    await record_event(session, meeting.id, "question.withdrawn", data)
    await commit_and_publish(session)


# --- voting --------------------------------------------------------------------


def voter_keys(keys: Keys, participant_id: int, question_id: str) -> list[str]:
    """Who voted is a keyed hash: enough to stop double votes and take one back. Under
    SECRET_KEY first, then each fallback (a vote cast before the key changed)."""
    return keyed_hashes(keys, f"vote:{participant_id}:{question_id}")


async def toggle_vote(session: AsyncSession, keys: Keys, meeting: Meeting, participant: Participant, question_id: str) -> bool:
    """Upvote, or take the upvote back. Returns whether the participant now votes for it."""
    question = await _visible_question(session, meeting, question_id)
    if question.breakout_room_id is not None and (
        await room_of(session, meeting.id, [participant.id])).get(participant.id) != question.breakout_room_id:
        raise NotFound("There is no such question in this meeting.")
    if question.status != QuestionStatus.open:
        raise Conflict("Only open questions can be voted on.")
    mine = voter_keys(keys, participant.id, question.id)
    removed = await session.exec(
        delete(QuestionVote).where(QuestionVote.question_id == question.id, col(QuestionVote.voter_key).in_(mine))
    )
    voted = removed.rowcount == 0
    if voted:
        session.add(QuestionVote(question_id=question.id, voter_key=mine[0]))
    await session.exec(
        update(Question)
        .where(Question.id == question.id)
        # Taking back removes every copy (under an old key and the new, if a worker
        # not yet given the new key counted one too).
        .values(vote_count=Question.vote_count + (1 if voted else -removed.rowcount))
        .execution_options(synchronize_session=False)
    )
    try:
        await session.flush()
    except IntegrityError as exc:  # the same person voting twice at the same instant
        await session.rollback()
        raise Conflict("Your vote was already counted.") from exc
    await session.refresh(question)
    data = {"question_id": question.id, "votes": question.vote_count}
    if question.breakout_room_id is not None:
        data["room_id"] = question.breakout_room_id
    await record_event(session, meeting.id, "question.voted", data)
    await commit_and_publish(session)
    return voted


async def my_votes(session: AsyncSession, keys: Keys, participant: Participant, meeting_id: int) -> set[str]:
    """The ids of the open questions this person has voted for (votes are keyed
    hashes, so each question's key is worked out and looked for)."""
    ids = (await session.exec(
        select(Question.id).where(Question.meeting_id == meeting_id, Question.status == QuestionStatus.open)
    )).all()
    if not ids:
        return set()
    question_of = {key: question_id for question_id in ids for key in voter_keys(keys, participant.id, question_id)}
    result = await session.exec(select(QuestionVote.voter_key).where(col(QuestionVote.voter_key).in_(list(question_of))))
    return {question_of[k] for k in result.all()}


# --- reading -------------------------------------------------------------------


MAIN, ANYWHERE = "main", "anywhere"


async def questions_of(
    session: AsyncSession, meeting_id: int, statuses: set[QuestionStatus] | None = None, sort: str = "votes",
    where: str | int = MAIN,
) -> list[Question]:
    """Questions of the main room (MAIN), of one breakout room (its id), or ANYWHERE."""
    query = select(Question).where(Question.meeting_id == meeting_id)
    if where == MAIN:
        query = query.where(col(Question.breakout_room_id).is_(None))
    elif where != ANYWHERE:
        query = query.where(Question.breakout_room_id == where)
    if statuses:
        query = query.where(col(Question.status).in_([s.value for s in statuses]))
    if sort == "time":
        query = query.order_by(col(Question.created_at).desc(), Question.id)
    else:
        query = query.order_by(col(Question.vote_count).desc(), col(Question.created_at).desc(), Question.id)
    return list((await session.exec(query)).all())


async def listed_after(session: AsyncSession, question: Question, sort: str = "votes") -> tuple[str | None, bool]:
    """Where an open, unpinned main-room question stands in its list (the order
    `questions_of` gives): the id of the next one, and whether any other is listed.
    Two small queries, not the whole list, for each question posted."""
    listed = (Question.meeting_id == question.meeting_id, col(Question.breakout_room_id).is_(None),
              Question.status == QuestionStatus.open, Question.pinned == False, Question.id != question.id)  # noqa: E712
    later = or_(Question.created_at < question.created_at,
                and_(Question.created_at == question.created_at, Question.id > question.id))
    if sort == "time":
        after = later
        order = (col(Question.created_at).desc(), Question.id)
    else:
        after = or_(Question.vote_count < question.vote_count, and_(Question.vote_count == question.vote_count, later))
        order = (col(Question.vote_count).desc(), col(Question.created_at).desc(), Question.id)
    following = (await session.exec(select(Question.id).where(*listed, after).order_by(*order).limit(1))).first()
    if following is not None:
        return following, True
    others = (await session.exec(select(Question.id).where(*listed).limit(1))).first()
    return None, others is not None


async def _visible_question(session: AsyncSession, meeting: Meeting, question_id: str) -> Question:
    question = await session.get(Question, question_id) if len(question_id) <= 32 else None
    if question is None or question.meeting_id != meeting.id or question.status in (QuestionStatus.pending, QuestionStatus.hidden):
        raise NotFound("There is no such question in this meeting.")
    return question


# --- moderation (facilitators only; callers check permission) -------------------


async def get_question(session: AsyncSession, meeting: Meeting, question_id: str) -> Question:
    question = await session.get(Question, question_id) if len(question_id) <= 32 else None
    if question is None or question.meeting_id != meeting.id:
        raise NotFound("There is no such question in this meeting.")
    return question


async def _moderated(session: AsyncSession, meeting: Meeting, question: Question, action: str) -> Question:
    session.add(question)
    await record_event(session, meeting.id, f"question.{action}", _event_data(question))
    await commit_and_publish(session)
    log.info("question moderated in meeting %s: %s", meeting.id, action)
    return question


async def moderate(session: AsyncSession, meeting: Meeting, question_id: str, action: str,
                   form: QuestionAnswer | None = None) -> Question:
    """One entry point for every moderation action, shared by pages and the API."""
    question = await get_question(session, meeting, question_id)
    if action == "approve":
        if question.status != QuestionStatus.pending:
            raise Conflict("Only a question waiting for review can be approved.")
        question.status = QuestionStatus.open
    elif action == "hide":
        if question.status == QuestionStatus.hidden:
            raise Conflict("That question is already hidden.")
        question.status_before_hiding = question.status
        question.status = QuestionStatus.hidden
        question.pinned = False
    elif action == "unhide":
        if question.status != QuestionStatus.hidden:
            raise Conflict("Only a hidden question can be shown again.")
        question.status = question.status_before_hiding or QuestionStatus.open
        question.status_before_hiding = None
    elif action == "answer":
        if question.status in (QuestionStatus.hidden, QuestionStatus.pending):
            raise Conflict("Approve or show the question before answering it.")
        question.status = QuestionStatus.answered
        if form is not None and form.answer:
            question.answer = form.answer
    elif action == "reopen":
        if question.status != QuestionStatus.answered:
            raise Conflict("Only an answered question can be reopened.")
        question.status = QuestionStatus.open
    elif action == "pin":
        if question.status in (QuestionStatus.hidden, QuestionStatus.pending):
            raise Conflict("Approve or show the question before pinning it.")
        await session.exec(
            update(Question)
            .where(Question.meeting_id == meeting.id, Question.id != question.id)
            .values(pinned=False)
            .execution_options(synchronize_session=False)
        )
        question.pinned = True
    elif action == "unpin":
        question.pinned = False
    else:
        raise NotFound("Unknown action.")
    return await _moderated(session, meeting, question, action)


MODERATION_ACTIONS = ("approve", "hide", "unhide", "answer", "reopen", "pin", "unpin")


async def set_review(session: AsyncSession, meeting: Meeting, on: bool) -> Meeting:
    meeting.review_questions = on
    session.add(meeting)
    await record_event(session, meeting.id, "questions.review_changed", {"review": on})
    await commit_and_publish(session)
    return meeting


# --- "what does that mean?" -------------------------------------------------------


async def signal_jargon(session: AsyncSession, meeting: Meeting, form: JargonAsk) -> None:
    _check_open(meeting)
    session.add(JargonSignal(id=_random_id(), meeting_id=meeting.id, term=form.term))
    await record_event(session, meeting.id, "jargon.signalled", {"term": form.term})
    await commit_and_publish(session)


async def jargon_summary(session: AsyncSession, meeting_id: int) -> JargonSummary:
    result = await session.exec(
        select(JargonSignal.term).where(JargonSignal.meeting_id == meeting_id, JargonSignal.explained == False)  # noqa: E712
    )
    terms = list(result.all())
    counts = Counter(t.strip().lower() for t in terms if t.strip())
    named = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return JargonSummary(waiting=len(terms), terms=[JargonTerm(term=t, count=n) for t, n in named])


async def jargon_explained(session: AsyncSession, meeting: Meeting) -> None:
    await session.exec(
        update(JargonSignal)
        .where(JargonSignal.meeting_id == meeting.id, JargonSignal.explained == False)  # noqa: E712
        .values(explained=True)
        .execution_options(synchronize_session=False)
    )
    await record_event(session, meeting.id, "jargon.explained", {})
    await commit_and_publish(session)
