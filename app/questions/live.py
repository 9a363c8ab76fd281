"""The question chat's live regions."""

from sqlmodel import col, select

from app.breakouts.models import BreakoutRoom
from app.communities.models import Community
from app.live.regions import RegionContext, batches, region, refreshes
from app.meetings.live import PRESENCE_EVENTS
from app.meetings.models import Meeting
from app.questions import service
from app.questions.models import Question, QuestionStatus
from app.web.templating import env, render

SHOWN = {QuestionStatus.open, QuestionStatus.answered}


def moderation_buttons(question) -> list[tuple[str, str]]:
    """The moderation actions that make sense for a question in its state."""
    status = question.status
    if status == QuestionStatus.hidden:
        return [("unhide", "Show again")]
    buttons = []
    if status == QuestionStatus.open:
        buttons.append(("unpin", "Unpin") if question.pinned else ("pin", "Pin to top"))
        buttons.append(("answer", "Mark answered"))
    if status == QuestionStatus.answered:
        buttons.append(("reopen", "Reopen"))
    buttons.append(("hide", "Hide"))
    return buttons


env.globals["moderation_buttons"] = moderation_buttons


async def _room_names(ctx: RegionContext, questions) -> dict[int, str]:
    ids = {q.breakout_room_id for q in questions if q.breakout_room_id is not None}
    if not ids:
        return {}
    rooms = await ctx.session.exec(select(BreakoutRoom).where(col(BreakoutRoom.id).in_(ids)))
    return {r.id: r.name for r in rooms.all()}


async def _posted_in_place(ctx: RegionContext, meeting: Meeting, community: Community,
                           question_id: str) -> str | None:
    """A new question, pushed on its own and placed where the list has it, instead of
    the whole list again: at ten questions a second to a conference-sized meeting the
    whole list is most of the traffic. None: push the whole list after all."""
    question = await ctx.session.get(Question, question_id)
    if question is None or question.status == QuestionStatus.pending:
        return ""  # waiting for review (or already gone): nobody's list changes
    if question.breakout_room_id is not None:
        return None if ctx.audience.facilitator else ""  # facilitators list rooms' questions too
    if question.status != QuestionStatus.open or question.pinned:
        return None
    following, others = await service.listed_after(ctx.session, question, ctx.audience.sort)
    if not others:
        return None  # the first question replaces "No questions yet"
    target = f"beforebegin:#q-{following}" if following is not None else "beforeend:#open-questions"
    return render("questions/_question_placed.html", target=target, q=question, meeting=meeting,
                  community=community, facilitator=ctx.audience.facilitator, my_votes=set(),
                  csrf_token=ctx.csrf_token)


def _posted_id(ctx: RegionContext) -> str | None:
    """The question a pushed "question.posted" is about; None for any other render."""
    if ctx.event is None or ctx.event.type != "question.posted":
        return None
    return ctx.event.data.get("question", {}).get("id", "")


async def _awaits_review(ctx: RegionContext, question_id: str) -> bool:
    question = await ctx.session.get(Question, question_id)
    return question is not None and question.status == QuestionStatus.pending


async def questions_after_posting(ctx: RegionContext, question_id: str) -> str:
    """What the asker's own page is answered with: the new question placed in the
    list, as everyone else is pushed it (the push then replaces it, as app.js lets
    a newer copy of a placed item do), not the whole list rendered again per post."""
    meeting, community = await ctx.meeting_and_community()
    placed = await _posted_in_place(ctx, meeting, community, question_id)
    return placed if placed is not None else await questions_region(ctx)


@region("questions", depends=("facilitator", "sort"))
async def questions_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    if (posted := _posted_id(ctx)) is not None:
        placed = await _posted_in_place(ctx, meeting, community, posted)
        if placed is not None:
            return placed
    statuses = set(QuestionStatus) - {QuestionStatus.pending} if ctx.audience.facilitator else SHOWN
    questions = await service.questions_of(ctx.session, ctx.meeting_id, statuses, ctx.audience.sort)
    from_rooms = []
    if ctx.audience.facilitator:  # rooms' questions reach the facilitators too
        everywhere = await service.questions_of(ctx.session, ctx.meeting_id, statuses, ctx.audience.sort,
                                                where=service.ANYWHERE)
        from_rooms = [q for q in everywhere if q.breakout_room_id is not None]
    return render(
        "questions/_questions.html",
        meeting=meeting,
        community=community,
        pinned=[q for q in questions if q.pinned and q.status == QuestionStatus.open],
        open=[q for q in questions if q.status == QuestionStatus.open and not q.pinned],
        answered=[q for q in questions if q.status == QuestionStatus.answered],
        hidden=[q for q in questions if q.status == QuestionStatus.hidden],
        from_rooms=from_rooms,
        room_names=await _room_names(ctx, from_rooms),
        sort=ctx.audience.sort,
        facilitator=ctx.audience.facilitator,
        my_votes=ctx.personal.get("votes", set()),
        csrf_token=ctx.csrf_token,
    )


@region("question-review", depends=("facilitator",))
async def review_region(ctx: RegionContext) -> str:
    if not ctx.audience.facilitator:
        return ""
    if (posted := _posted_id(ctx)) is not None and not await _awaits_review(ctx, posted):
        return ""  # shown at once: the review list is as it was, so nothing to push
    meeting, community = await ctx.meeting_and_community()
    pending = await service.questions_of(ctx.session, ctx.meeting_id, {QuestionStatus.pending}, "time",
                                         where=service.ANYWHERE)
    jargon = await service.jargon_summary(ctx.session, ctx.meeting_id)
    return render(
        "questions/_review.html", meeting=meeting, community=community, pending=pending, jargon=jargon,
        room_names=await _room_names(ctx, pending),
        csrf_token=ctx.csrf_token,
    )


@region("ask-privacy", depends=())
async def privacy_region(ctx: RegionContext) -> str:
    count = await service.possible_authors(ctx.session, ctx.meeting_id)
    return render("questions/_privacy.html", count=count, threshold=service.ANONYMITY_THRESHOLD)


for _event in ("question.posted", "question.withdrawn", "question.voted", "questions.review_changed",
               *(f"question.{a}" for a in service.MODERATION_ACTIONS)):
    refreshes(_event, "questions", "question-review")
for _event in PRESENCE_EVENTS:  # who is here changes who could have asked
    refreshes(_event, "ask-privacy")
# In a big meeting votes come in bursts: each re-sorted the whole list for everyone.
batches("question.voted")
refreshes("jargon.signalled", "question-review")
refreshes("jargon.explained", "question-review")
