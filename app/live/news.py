"""Live news for screen readers: one short sentence when something changes.

Live regions are replaced wholesale when they change, and a screen reader does not
reliably read an element that was just put in the page. So the meeting page keeps
one element that is never replaced, `#live-news` (aria-live="polite", visually
hidden), and each announced event puts a sentence in it: "A new question was
posted." Only events a person would want to hear are announced, never every
keystroke or vote; the person who acted also gets their own confirmation
(#flash). A sentence is rendered per audience like any region, so facilitators
can hear what only they see, and a breakout room hears only its own chat.

Domains add their own with `announces("event.type", speaker)`; a speaker returns
the sentence for an audience, or None to say nothing to it.
"""

from collections.abc import Awaitable, Callable

from app.live.regions import RegionContext, region, refreshes
from app.web.templating import render

Speaker = Callable[[RegionContext], Awaitable[str | None]]
_speakers: dict[str, Speaker] = {}


def announces(event_type: str, speaker: Speaker | str) -> None:
    """Say something to screen reader users when this event happens."""
    if isinstance(speaker, str):
        sentence = speaker

        async def speaker(ctx: RegionContext) -> str | None:  # noqa: F811
            return sentence

    _speakers[event_type] = speaker
    refreshes(event_type, "live-news")


@region("live-news", depends=("facilitator", "room_id"))
async def news_region(ctx: RegionContext) -> str:
    if ctx.event is None:  # the page and the snapshot: an empty, lasting container
        return render("_news.html", sentence="")
    speaker = _speakers.get(ctx.event.type)
    sentence = await speaker(ctx) if speaker is not None else None
    if not sentence:
        return ""  # nothing for this audience: send nothing
    return render("_news.html", sentence=sentence)


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- what the meeting's own domains announce ----------------------------------------


async def _agenda_now(ctx: RegionContext) -> str | None:
    from app.meetings.models import AgendaItem

    item_id = ctx.event.data.get("item_id")
    item = await ctx.session.get(AgendaItem, item_id) if item_id else None
    if item is None or item.meeting_id != ctx.meeting_id:
        return "No agenda item is under way now."
    return f"Now on the agenda: {_clip(item.title)}."


def _question(ctx: RegionContext) -> dict | None:
    """The question of the event, if this audience sees where it was asked."""
    question = ctx.event.data.get("question") or {}
    room = question.get("breakout_room_id")
    if room is not None and room != ctx.audience.room_id:
        return None
    return question


async def _question_posted(ctx: RegionContext) -> str | None:
    question = _question(ctx)
    if question is None:
        return None
    if question.get("status") == "pending":
        return "A new question is waiting for your review." if ctx.audience.facilitator else None
    return "A new question was posted."


async def _question_approved(ctx: RegionContext) -> str | None:
    return "A new question was posted." if _question(ctx) is not None else None


async def _question_pinned(ctx: RegionContext) -> str | None:
    question = _question(ctx)
    return f"A question was pinned to the top: {_clip(question.get('body', ''))}" if question else None


async def _question_answered(ctx: RegionContext) -> str | None:
    return "A question was marked as answered." if _question(ctx) is not None else None


async def _breakout_launched(ctx: RegionContext) -> str | None:
    from app.breakouts.models import BreakoutRoom

    room = await ctx.session.get(BreakoutRoom, ctx.audience.room_id) if ctx.audience.room_id else None
    if room is None:
        return "Breakout rooms have started."
    return f"Breakout rooms have started. You are in {room.name}."


async def _breakout_broadcast(ctx: RegionContext) -> str | None:
    return f"Message from the facilitator: {_clip(ctx.event.data.get('message', ''), 300)}"


async def _breakout_chat(ctx: RegionContext) -> str | None:
    from sqlmodel import col, select

    from app.breakouts.models import BreakoutMessage

    room_id = ctx.event.data.get("room_id")
    if room_id is None or room_id != ctx.audience.room_id:
        return None
    message = (await ctx.session.exec(
        select(BreakoutMessage).where(BreakoutMessage.room_id == room_id)
        .order_by(col(BreakoutMessage.created_at).desc(), col(BreakoutMessage.id).desc())
    )).first()
    return f"Room chat, {message.author_name}: {_clip(message.body)}" if message else None


async def _breakout_help(ctx: RegionContext) -> str | None:
    if not ctx.audience.facilitator:
        return None
    return f"{_clip(ctx.event.data.get('room', 'A room'), 60)} asks for help."


async def _action_created(ctx: RegionContext) -> str | None:
    action = ctx.event.data.get("action") or {}
    if action.get("status") == "proposed":
        return "A member proposed an action." if ctx.audience.facilitator else None
    return "An action was added."


announces("meeting.started", "The meeting has started.")
announces("meeting.ended", "The meeting has ended. Thank you for taking part.")
announces("agenda.now", _agenda_now)
announces("question.posted", _question_posted)
announces("question.approve", _question_approved)
announces("question.pin", _question_pinned)
announces("question.answer", _question_answered)
announces("breakout.launched", _breakout_launched)
announces("breakout.closed", "The breakout round has ended. Everyone is back together.")
announces("breakout.broadcast", _breakout_broadcast)
announces("breakout.chat", _breakout_chat)
announces("breakout.help", _breakout_help)
announces("action.created", _action_created)
announces("action.proposed", _action_created)
