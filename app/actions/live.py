"""The actions region of a meeting: carried over from earlier meetings, agreed in this
one, and (for facilitators) members' proposals."""

from app.actions import service
from app.actions import sources  # noqa: F401  (registers what can become an action)
from app.actions.models import STATUS_LABELS, TRACKED, ActionStatus
from app.communities.models import Community
from app.live.regions import RegionContext, region, refreshes
from app.web.templating import env, render

ACTION_EVENTS = ("action.created", "action.proposed", "action.updated", "action.noted", "action.deleted")


def status_buttons(status: ActionStatus) -> list[tuple[str, str]]:
    """One-click changes that make sense for an action in its state: (new status, label)."""
    if status == ActionStatus.proposed:
        return [("open", "Accept"), ("declined", "Decline")]
    if status == ActionStatus.open:
        return [("in_progress", "Started"), ("done", "Done"), ("dropped", "Drop")]
    if status == ActionStatus.in_progress:
        return [("done", "Done"), ("dropped", "Drop")]
    return [("open", "Reopen")]


def day(value, with_weekday: bool = True) -> str:
    if value is None:
        return ""
    return value.strftime("%a %-d %b %Y" if with_weekday else "%-d %B %Y")


env.globals["action_status_buttons"] = status_buttons
env.globals["ACTION_STATUS_LABELS"] = STATUS_LABELS
env.filters["action_day"] = day


def carried_label(action, meetings: dict, community: Community, today) -> str:
    """"Carried from 12 March" (the meeting it was agreed in), or when it was added."""
    meeting = meetings.get(action.meeting_id)
    when = service.meeting_day(meeting, community) if meeting else service.local_day(action.created_at, community)
    text = when.strftime("%-d %B") if when.year == today.year else when.strftime("%-d %B %Y")
    return f"Carried from {text}" if meeting else f"Added between meetings, {text}"


async def actions_context(ctx: RegionContext) -> dict:
    meeting, community = await ctx.meeting_and_community()
    carried = await service.carried_over(ctx.session, meeting)
    here = await service.meeting_actions(ctx.session, meeting, TRACKED)
    proposals = (await service.meeting_actions(ctx.session, meeting, (ActionStatus.proposed,))
                 if ctx.audience.facilitator else [])
    everything = carried + here + proposals
    owners = await service.owners_of(ctx.session, [a.id for a in everything])
    today = service.today_in(community)
    origins = await service.meetings_by_id(ctx.session, {a.meeting_id for a in carried if a.meeting_id})
    return {
        "meeting": meeting, "community": community, "carried": carried, "here": here, "proposals": proposals,
        "owners": owners, "today": today, "overdue": {a.id for a in everything if service.is_overdue(a, today)},
        "carried_from": {a.id: carried_label(a, origins, community, today) for a in carried},
        "review_item": await service.has_review_item(ctx.session, meeting.id) if ctx.audience.facilitator else True,
    }


@region("actions", depends=("facilitator",))
async def actions_region(ctx: RegionContext) -> str:
    context = await actions_context(ctx)
    return render("actions/_actions.html", facilitator=ctx.audience.facilitator, csrf_token=ctx.csrf_token, **context)


for _event in ACTION_EVENTS:
    refreshes(_event, "actions")
refreshes("agenda.changed", "actions")  # the "add a review item" button goes once there is one
