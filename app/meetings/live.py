"""The meeting's live regions: its status, agenda and who is here."""

from itertools import groupby

from app.live.regions import RegionContext, batches, region, refreshes
from app.meetings import service
from app.web.templating import render


@region("status", depends=("facilitator",))
async def status_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    return render(
        "meetings/_status.html",
        meeting=meeting,
        community=community,
        facilitator=ctx.audience.facilitator,
        csrf_token=ctx.csrf_token,
    )


@region("agenda", depends=("facilitator",))
async def agenda_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    items = await service.agenda_of(ctx.session, ctx.meeting_id)
    return render(
        "meetings/_agenda.html",
        meeting=meeting,
        items=items,
        facilitator=ctx.audience.facilitator,
        csrf_token=ctx.csrf_token,
    )


MEMBER_NAMES_LIMIT = 80
FACILITATOR_NAMES_LIMIT = 150
AWAY_NAMES_LIMIT = 40


@region("presence", depends=("facilitator",))
async def presence_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    people = await service.presence_of(ctx.session, ctx.meeting_id)
    here = [p for p in people if p.live_connections > 0]
    order = {r.slug: i for i, r in enumerate(community.role_options)}
    here.sort(key=lambda p: (order.get(p.role, len(order)), p.display_name.lower()))
    groups = [(community.role_label(role), list(members)) for role, members in groupby(here, key=lambda p: p.role)]
    away = [p for p in people if p.live_connections == 0]
    # Every arrival pushes this region to everyone: past a meeting-room size list
    # the counts by role only, or a conference-sized meeting drowns in its own lists.
    listed = len(here) <= (FACILITATOR_NAMES_LIMIT if ctx.audience.facilitator else MEMBER_NAMES_LIMIT)
    return render(
        "meetings/_presence.html",
        listed=listed,
        names_limit=FACILITATOR_NAMES_LIMIT if ctx.audience.facilitator else MEMBER_NAMES_LIMIT,
        meeting=meeting,
        community=community,
        groups=groups,
        here_count=len(here),
        in_room_count=sum(1 for p in here if p.in_room),
        away=away[:AWAY_NAMES_LIMIT],
        away_more=max(0, len(away) - AWAY_NAMES_LIMIT),
        facilitator=ctx.audience.facilitator,
        csrf_token=ctx.csrf_token,
    )


refreshes("meeting.started", "status")
refreshes("meeting.ended", "status")
refreshes("agenda.changed", "agenda")
refreshes("agenda.now", "agenda")
PRESENCE_EVENTS = ("participant.joined", "participant.arrived", "participant.went", "participant.updated",
               "participant.removed", "participant.left")
for _event in PRESENCE_EVENTS:
    refreshes(_event, "presence")
# When a meeting starts, hundreds may arrive within seconds: each arrival re-rendered
# and pushed "who is here" to everyone (work growing with the square of the meeting).
# Pushed together they cost the same as a few arrivals. A facilitator's own changes
# (role, removal) stay immediate.
batches("participant.joined", "participant.arrived", "participant.went")
