"""Breakout regions: each person's own room while a round runs, the report back
after it, and the facilitator's controls. Pages are grouped by room, so a room's
chat is rendered once per room and reaches only that room."""

from app.breakouts import service
from app.breakouts import sources  # noqa: F401  (room notes -> actions)
from app.questions import service as questions
from app.questions.models import QuestionStatus
from app.breakouts.models import RoundStatus
from app.live.regions import RegionContext, groups_by, region, refreshes, regroups
from app.meetings.service import after_join
from app.web.templating import render

ROOM_EVENTS = {"breakout.chat", "breakout.notes", "breakout.help", "breakout.help_cleared"}
QUESTION_EVENTS = ("question.posted", "question.withdrawn", "question.voted",
                   *(f"question.{a}" for a in questions.MODERATION_ACTIONS))

groups_by(service.room_of)
after_join.append(service.place_latecomer)  # a latecomer goes straight to a room
regroups("breakout.launched", "breakout.closed", "breakout.moved")


def _other_room(ctx: RegionContext) -> bool:
    """An event of one room (its chat, notes, questions) concerns only that room's pages;
    a question event without a room is the main room's, not any breakout's."""
    event = ctx.event
    if event is None:
        return False
    if event.type in ROOM_EVENTS:
        return event.data.get("room_id") != ctx.audience.room_id
    if event.type in QUESTION_EVENTS:
        return event.data.get("room_id") is None or event.data.get("room_id") != ctx.audience.room_id
    return False


@region("breakout", depends=("room_id",))
async def breakout_region(ctx: RegionContext) -> str:
    if _other_room(ctx):
        return ""
    meeting, community = await ctx.meeting_and_community()
    live = await service.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.live)
    context = {"meeting": meeting, "community": community, "csrf_token": ctx.csrf_token, "round": live,
               "room": None, "seats": [], "messages": [], "report": None, "report_rooms": [],
               # What this person typed, when the page is shown again after a conflict.
               "notes_draft": ctx.personal.get("notes_draft"), "notes_version": ctx.personal.get("notes_version")}
    if live is not None and ctx.audience.room_id is not None:
        rooms = await service.rooms_of(ctx.session, live.id)
        room = next((r for r in rooms if r.id == ctx.audience.room_id), None)
        if room is not None:
            seats = await service.seating(ctx.session, live.id)
            context.update(
                room=room, seats=seats.get(room.id, []), messages=await service.messages_of(ctx.session, room.id),
                room_questions=await questions.questions_of(
                    ctx.session, ctx.meeting_id, {QuestionStatus.open, QuestionStatus.answered}, where=room.id),
                possible_authors=await questions.possible_authors(ctx.session, ctx.meeting_id, room_id=room.id),
                threshold=questions.ANONYMITY_THRESHOLD, my_votes=ctx.personal.get("votes", set()),
                facilitator=False,
            )
    if live is None:
        closed = await service.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.closed)
        if closed is not None:
            context.update(report=closed, report_rooms=await service.rooms_of(ctx.session, closed.id))
    return render("breakouts/_breakout.html", **context)


@region("breakout-control", depends=("facilitator",))
async def control_region(ctx: RegionContext) -> str:
    if not ctx.audience.facilitator or (ctx.event is not None and ctx.event.type == "breakout.chat"):
        return ""
    meeting, community = await ctx.meeting_and_community()
    current = (await service.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.live)
               or await service.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.draft))
    rooms, seats, unseated = [], {}, []
    if current is not None:
        rooms = await service.rooms_of(ctx.session, current.id)
        seats = await service.seating(ctx.session, current.id)
        seated = {p.id for pairs in seats.values() for _, p in pairs}
        unseated = [p for p in await service.people_here(ctx.session, ctx.meeting_id) if p.id not in seated]
    here = len(await service.people_here(ctx.session, ctx.meeting_id))
    last_closed = await service.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.closed)
    reported = await service.rooms_of(ctx.session, last_closed.id) if last_closed and current is None else []
    return render(
        "breakouts/_control.html", meeting=meeting, community=community, round=current, rooms=rooms, seats=seats,
        unseated=unseated, here=here, rounds=await service.rounds_of(ctx.session, ctx.meeting_id),
        last_closed=last_closed, reported=[r for r in reported if r.notes.strip()],
        csrf_token=ctx.csrf_token,
    )


for _event in QUESTION_EVENTS:
    refreshes(_event, "breakout")
for _event in ("breakout.planned", "breakout.moved", "breakout.launched", "breakout.closed", "breakout.broadcast",
               *ROOM_EVENTS):
    refreshes(_event, "breakout", "breakout-control")
# People arriving or leaving change who can be placed and who shows as gone.
for _event in ("participant.joined", "participant.went", "participant.removed", "participant.left",
               "participant.updated"):
    refreshes(_event, "breakout", "breakout-control")
