"""Icebreaker live regions.

- `icebreaker`: the running prompt and the way to answer it, for everyone; the
  facilitator also sees the close button, or the prompt picker when none runs.
  It changes only on launch and close, so nobody's half-typed answer is wiped
  by other people's answers.
- `icebreaker-results`: the live wall, poll chart, word cloud or list of pairs.
- `icebreaker-record`: the closed icebreakers of this meeting.

What one person has done (their answer, their partner) is never in a shared
fragment: `#my-icebreaker` sits next to the `icebreaker` region, comes with their
page (`ctx.personal["icebreaker"]`, from the room part in pages.py) and with the
response to their own command, and is emptied by the push that launches or closes
an icebreaker. The snapshot a socket gets on every (re)connect leaves it alone.

The room display (projector) can show the current icebreaker large with
`icebreaker_display`: register it as a region and refresh it on DISPLAY_EVENTS.
"""

from collections import Counter

from app.communities.models import Community
from app.icebreakers import service
from app.icebreakers import sources  # noqa: F401  (answers -> actions)
from app.icebreakers.bank import CATEGORIES, MODE_LABELS
from app.icebreakers.models import RunStatus
from app.live.news import announces
from app.live.regions import RegionContext, batches, region, refreshes
from app.web.templating import env, render

env.globals["icebreaker_modes"] = MODE_LABELS
env.globals["icebreaker_categories"] = CATEGORIES

DISPLAY_EVENTS = ("icebreaker.launched", "icebreaker.answered", "icebreaker.closed", "icebreaker.regrouped")


async def picker_context(session, community: Community, category: str | None) -> dict:
    """The facilitator's prompt picker: one category at a time, so it stays short."""
    prompts = await service.prompts_of(session, community.id)
    counts = Counter(p.category for p in prompts)
    if category not in CATEGORIES:
        category = next((c for c in CATEGORIES if counts[c]), next(iter(CATEGORIES)))
    return {"category": category, "counts": counts, "prompts": [p for p in prompts if p.category == category]}


@region("icebreaker", depends=("facilitator",))
async def icebreaker_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    run = await service.current_run(ctx.session, ctx.meeting_id)
    mine = ctx.personal.get("icebreaker") or {}
    if run is None or mine.get("run_id") != run.id:  # nothing of theirs in this run (or none runs)
        mine = {"category": mine.get("category"), "error": mine.get("error")}
    picker = None
    if ctx.audience.facilitator and run is None:
        picker = await picker_context(ctx.session, community, mine.get("category"))
    html = render("icebreakers/_icebreaker.html", meeting=meeting, community=community, run=run, mine=mine,
                  draft=mine.get("text") or "", facilitator=ctx.audience.facilitator, picker=picker,
                  csrf_token=ctx.csrf_token)
    if "icebreaker" in ctx.personal:  # their page: their own answer or partner, outside the shared region
        html += mine_fragment(community, run, mine)
    elif ctx.event is not None and ctx.event.type in ("icebreaker.launched", "icebreaker.closed"):
        html += mine_fragment(community, None, {})  # a new icebreaker, or none: nothing of theirs yet
    return html


def mine_fragment(community: Community, run, mine: dict) -> str:
    """`#my-icebreaker`: one person's answer or partner. Never part of a pushed region
    (the snapshot on every reconnect would wipe it), only of their page and responses."""
    return render("icebreakers/_mine.html", community=community, run=run, mine=mine)


@region("icebreaker-results", depends=("facilitator",))
async def results_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    run = await service.current_run(ctx.session, ctx.meeting_id)
    view = await service.view_of(ctx.session, run) if run is not None else None
    # Facilitators can turn an answer into an action in one step.
    return render("icebreakers/_results.html", meeting=meeting, community=community, run=run, view=view,
                  large=False, csrf_token=ctx.csrf_token, to_action=ctx.audience.facilitator)


@region("icebreaker-record", depends=())
async def record_region(ctx: RegionContext) -> str:
    meeting, community = await ctx.meeting_and_community()
    runs = await service.runs_of(ctx.session, ctx.meeting_id, RunStatus.closed, newest_first=True)
    views = [await service.view_of(ctx.session, run) for run in runs]
    return render("icebreakers/_record.html", meeting=meeting, community=community, views=views)


async def icebreaker_display(ctx: RegionContext) -> str:
    """The current icebreaker, large, for the room display: `<div id="icebreaker-display">`."""
    meeting, community = await ctx.meeting_and_community()
    run = await service.current_run(ctx.session, ctx.meeting_id)
    view = await service.view_of(ctx.session, run) if run is not None else None
    return render("icebreakers/_display.html", meeting=meeting, community=community, run=run, view=view, large=True)


refreshes("icebreaker.launched", "icebreaker", "icebreaker-results")
refreshes("icebreaker.answered", "icebreaker-results")
batches("icebreaker.answered")  # a whole room answers a poll within seconds: show the counts together
refreshes("icebreaker.regrouped", "icebreaker-results")
refreshes("icebreaker.closed", "icebreaker", "icebreaker-results", "icebreaker-record")


async def _launched(ctx: RegionContext) -> str | None:
    """Said once to screen reader users (app/live/news.py): what started, in full."""
    text = ctx.event.data.get("text", "")
    if ctx.event.data.get("mode") == "pair_up":
        return f"Pair up has started. Find your partner in the list of pairs: {text}"
    return f"An icebreaker has started: {text}"


announces("icebreaker.launched", _launched)
announces("icebreaker.closed", "The icebreaker has closed.")
