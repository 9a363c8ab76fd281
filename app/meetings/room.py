"""The live meeting page, assembled from every domain's parts.

Domains add to the page with `@room_part`: a function that returns extra template
context and this person's own state for the regions (e.g. their votes). Pushed
fragments are shared by an audience, so anything personal lives here.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from app.live.regions import RegionContext, all_regions, render_regions, rooms_for
from app.meetings.viewer import Viewer, resolve_viewer
from app.web.templating import page

RoomPart = Callable[[Request, AsyncSession, Viewer], Awaitable[tuple[dict, dict]]]
_parts: list[RoomPart] = []


def room_part(part: RoomPart) -> RoomPart:
    _parts.append(part)
    return part


async def render_room(request: Request, session: AsyncSession, meeting_id: int, status_code: int = 200,
                      personal: dict | None = None, **extra):
    from app.meetings.pages import join_url

    viewer = await resolve_viewer(request, session, meeting_id)
    if viewer.participant is None:
        return page(
            request, "error.html", status_code=403, title="Please join with your link",
            detail="To take part in this meeting, open the join link your facilitator sent you.",
        )
    context: dict = {}
    personal_extra, personal = personal or {}, {}
    for part in _parts:
        more_context, more_personal = await part(request, session, viewer)
        context.update(more_context)
        personal.update(more_personal)
    personal.update(personal_extra)
    sort = request.query_params.get("sort")
    room = (await rooms_for(session, meeting_id, [viewer.participant.id])).get(viewer.participant.id)
    audience = replace(viewer.audience(sort), room_id=room)
    ctx = RegionContext(session, meeting_id, audience, csrf_token=request.state.csrf_token, personal=personal)
    regions = {name: await render_regions(ctx, (name,)) for name in all_regions()}
    settings = request.app.state.settings
    response = page(
        request, "meetings/room.html", status_code=status_code, meeting=viewer.meeting,
        community=viewer.community, me=viewer.participant, facilitator=viewer.is_facilitator,
        regions=regions, sort=ctx.audience.sort,
        join_url=join_url(request, settings, viewer.meeting) if viewer.is_facilitator else None,
        **{"ask_values": {}, **context, **extra},
    )
    response.headers["Vary"] = "HX-Request, Cookie"
    response.headers["Cache-Control"] = "no-store"
    return response
