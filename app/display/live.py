"""The room display's live regions: what a projector shows the people in the room.

Each is registered with `display=True`: only display sockets and the display page
render them, and a display is sent nothing else (app/live/regions.py). The
display has no controls, so nothing here carries a form or a CSRF token.
"""

import base64

from app.breakouts import service as breakouts
from app.breakouts.models import RoundStatus
from app.icebreakers.live import DISPLAY_EVENTS as ICEBREAKER_EVENTS
from app.icebreakers.live import icebreaker_display
from app.live.regions import RegionContext, region, refreshes
from app.meetings import service as meetings
from app.questions import service as questions
from app.questions.models import QuestionStatus
from app.web.templating import render

MAX_NAMES_PER_TABLE = 12  # a projector is read from across the room


def qr_data_uri(url: str) -> str:
    """The join link's QR code as an image the page carries itself (rendered here, on
    the server; the page's Content-Security-Policy allows data: images)."""
    from app.meetings.pages import join_qr_svg

    return "data:image/svg+xml;base64," + base64.b64encode(join_qr_svg(url, scale=10)).decode()


@region("display-status", display=True, depends=())
async def status_region(ctx: RegionContext) -> str:
    meeting, _ = await ctx.meeting_and_community()
    return render("display/_status.html", meeting=meeting)


@region("display-agenda", display=True, depends=())
async def agenda_region(ctx: RegionContext) -> str:
    items = await meetings.agenda_of(ctx.session, ctx.meeting_id)
    index = next((i for i, item in enumerate(items) if item.is_now), None)
    now = items[index] if index is not None else None
    upcoming = items[index + 1] if index is not None and index + 1 < len(items) else None
    return render("display/_agenda.html", now=now, upcoming=upcoming, has_agenda=bool(items))


@region("display-question", display=True, depends=())
async def question_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    shown = await questions.questions_of(ctx.session, ctx.meeting_id, {QuestionStatus.open})
    pinned = [q for q in shown if q.pinned]
    return render("display/_question.html", community=community, pinned=pinned, waiting=len(shown) - len(pinned))


@region("display-breakout", display=True, depends=())
async def breakout_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    live = await breakouts.round_with_status(ctx.session, ctx.meeting_id, RoundStatus.live)
    tables, online_rooms = [], 0
    if live is not None:
        seats = await breakouts.seating(ctx.session, live.id)
        for room in await breakouts.rooms_of(ctx.session, live.id):
            # Who sits where matters to the people in the room, some of whom have no
            # device: name them; people online see their room on their own screen.
            here = [p.display_name for _, p in seats.get(room.id, []) if p.in_room and not p.removed and not p.left_at]
            if here:
                tables.append((room, here[:MAX_NAMES_PER_TABLE], max(len(here) - MAX_NAMES_PER_TABLE, 0)))
            else:
                online_rooms += 1
    return render("display/_breakout.html", round=live, community=community, tables=tables, online_rooms=online_rooms)


@region("display-join", display=True, depends=("origin",))
async def join_region(ctx: RegionContext) -> str:
    meeting, _ = await ctx.meeting_and_community()
    url = f"{ctx.audience.origin}/j/{meeting.join_code}" if meeting.join_code and ctx.audience.origin else None
    return render("display/_join.html", url=url, qr=qr_data_uri(url) if url else None,
                  ended=meeting.status == "ended")


# The icebreakers domain renders its running icebreaker large for the display.
region("icebreaker-display", display=True, depends=())(icebreaker_display)

refreshes("meeting.started", "display-status", "display-join")
refreshes("meeting.ended", "display-status", "display-join")
refreshes("meeting.join_link_changed", "display-join")
refreshes("agenda.changed", "display-agenda")
refreshes("agenda.now", "display-agenda")
for _event in ("question.posted", "question.withdrawn", "question.voted", "questions.review_changed",
               *(f"question.{a}" for a in questions.MODERATION_ACTIONS)):
    refreshes(_event, "display-question")
for _event in ("breakout.launched", "breakout.closed", "breakout.moved", "breakout.broadcast",
               "participant.updated", "participant.removed", "participant.left"):
    refreshes(_event, "display-breakout")
for _event in ICEBREAKER_EVENTS:
    refreshes(_event, "icebreaker-display")
