"""Action pages: in the live meeting (propose, add, change, make one from a question),
the community's action list with its views and exports, and the calendar feed.

Plain forms that htmx enhances in the meeting room. Facilitator commands are checked
on the server (FacilitatorOf, require_facilitator); members can only propose.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.actions import service
from app.actions.export import actions_calendar, actions_csv
from app.actions.live import day
from app.actions.models import STATUS_LABELS, TRACKED, ActionStatus
from app.actions.schemas import ActionCreate, ActionFilters, ActionUpdate
from app.actions.service import ActionConflict, Actor
from app.communities.models import Community, Permission
from app.communities.service import permission_in, require_facilitator, require_permission
from app.db import SessionDep
from app.errors import DomainError, Forbidden, Invalid, NotFound
from app.live.regions import Audience, RegionContext, render_regions
from app.meetings import service as meetings
from app.meetings.models import Meeting
from app.meetings.pages import FacilitatorOf
from app.meetings.room import render_room, room_part
from app.meetings.schemas import AgendaItemCreate
from app.meetings.viewer import Viewer, resolve_viewer
from app.web.deps import CsrfChecked, SignedIn, is_htmx
from app.web.forms import FormInvalid, lines, parse_form
from app.web.templating import env, page, render

router = APIRouter(include_in_schema=False)

PROPOSALS_PER_MINUTE = 5
SHOWN_ON_PAGE = 500
GROUPS = {"": "No grouping", "owner": "Owner", "status": "Status", "meeting": "Meeting"}

Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=100)]


# --- turning forms into the shared models -------------------------------------------


def _owners_from_text(text: str) -> list[dict]:
    return [{"name": line} for line in lines(text)]


def _version(value: str) -> int:
    if not value.isdigit() or len(value) > 9:
        raise Invalid("This form is out of date. Reload the page and try again.", field="version")
    return int(value)


def _status_form(status: str) -> ActionUpdate:
    form = parse_form(ActionUpdate, {"status": status})
    if form.status is None:
        raise Invalid("Choose a status.", field="status")
    return form


def _form_errors(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, FormInvalid):
        return {k.split(".")[0]: v for k, v in exc.errors.items()}
    return {(exc.field or "form").split(".")[0]: exc.detail}


def _past_note(action, community: Community) -> str:
    if action.due_date is not None and action.due_date < service.today_in(community):
        return " Its due date has already passed, so it shows as overdue."
    return ""


# --- in the meeting room ----------------------------------------------------------------


@room_part
async def actions_part(request: Request, session, viewer: Viewer) -> tuple[dict, dict]:
    mine = await service.my_actions(session, viewer.community, viewer.participant)
    return (
        {
            "my_actions": mine,
            "my_action_owners": await service.owners_of(session, [a.id for a in mine]),
            "action_today": service.today_in(viewer.community),
            "action_values": {},
            "action_errors": {},
        },
        {},
    )


async def _room_updated(request: Request, session, meeting: Meeting, facilitator: bool, note: str | None = None,
                        error: bool = False) -> Response:
    """After a command in the room: the actions region (htmx) or back to the room."""
    if not is_htmx(request):
        return RedirectResponse(f"/meetings/{meeting.id}#actions-heading", status_code=303)
    ctx = RegionContext(session, meeting.id, Audience.of(facilitator), csrf_token=request.state.csrf_token)
    body = await render_regions(ctx, ("actions",))
    if note:
        body += render("_flash.html", message=note, error=error)
    return HTMLResponse(body, headers={"Vary": "HX-Request"})


def _viewer_actor(viewer: Viewer) -> Actor:
    return Actor(viewer.participant.display_name, viewer.meeting.id)


@router.post("/meetings/{meeting_id}/actions", dependencies=[CsrfChecked])
async def add_in_meeting(
    request: Request, session: SessionDep, meeting_id: int,
    title: Text = "", description: Text = "", owners: Text = "", due_date: Short = "",
):
    """Facilitators add an action; anyone else taking part proposes one."""
    viewer = await resolve_viewer(request, session, meeting_id)
    if viewer.participant is None:
        raise Forbidden("Join the meeting with your link first.")
    values = {"title": title, "description": description, "owners": owners, "due_date": due_date}
    try:
        form = parse_form(ActionCreate, {"title": title, "description": description, "due_date": due_date,
                                         "owners": _owners_from_text(owners)})
        if not viewer.is_facilitator:
            await request.app.state.limiter.check(
                f"propose:{meeting_id}:{viewer.participant.id}", PROPOSALS_PER_MINUTE, 60,
                "You have proposed several actions in the last minute. Please wait {seconds} seconds; "
                "your proposal is still in the form.",
            )
        action = await service.create(session, viewer.community, _viewer_actor(viewer), form,
                                      proposed=not viewer.is_facilitator)
    except DomainError as exc:
        if is_htmx(request):
            raise
        return await render_room(request, session, meeting_id, status_code=exc.status_code,
                                 action_values={k: v[:2000] for k, v in values.items()},
                                 action_errors=_form_errors(exc))
    if viewer.is_facilitator:
        note = f"Action added: {action.title}.{_past_note(action, viewer.community)}"
    else:
        note = "Thank you. Your proposal was sent to the facilitators; it appears for everyone once they accept it."
    return await _room_updated(request, session, viewer.meeting, viewer.is_facilitator, note)


@router.post("/meetings/{meeting_id}/actions/review-item", dependencies=[CsrfChecked])
async def add_review_item(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    if not await service.has_review_item(session, meeting_id):
        await meetings.add_agenda_item(session, f.meeting, AgendaItemCreate(title=service.REVIEW_AGENDA_TITLE))
    from app.meetings.pages import done

    return await done(request, session, meeting_id, "agenda", "actions")


@router.post("/meetings/{meeting_id}/actions/from/{source_type}/{source_id}", dependencies=[CsrfChecked])
async def from_source(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, source_type: str,
                      source_id: str):
    """One step from a question (or a breakout room's notes, an icebreaker answer) to an action."""
    viewer = await resolve_viewer(request, session, meeting_id)
    actor = Actor(viewer.participant.display_name if viewer.participant else "A facilitator", meeting_id)
    action = await service.create_from_source(session, f.community, f.meeting, actor, source_type, source_id)
    return await _room_updated(request, session, f.meeting, True,
                               f"Action made: {action.title[:80]}. Open it to add owners and a due date.")


@router.post("/meetings/{meeting_id}/actions/{action_id}/status", dependencies=[CsrfChecked])
async def status_in_meeting(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, action_id: int,
                            status: Short = "", version: Short = ""):
    viewer = await resolve_viewer(request, session, meeting_id)
    form = _status_form(status)
    try:
        action = await service.update(session, f.community, action_id, _viewer_actor(viewer), form, _version(version))
    except ActionConflict as exc:
        current = exc.current
        note = (f"Someone else changed “{current.title[:60]}” just now: it is {STATUS_LABELS[current.status].lower()}. "
                "Nothing was changed; check it and try again.")
        if not is_htmx(request):
            raise
        response = await _room_updated(request, session, f.meeting, True, note, error=True)
        response.status_code = 409
        return response
    label = STATUS_LABELS[action.status].lower()
    return await _room_updated(request, session, f.meeting, True, f"“{action.title[:60]}” is now {label}.")


@router.get("/meetings/{meeting_id}/actions/{action_id}")
async def action_in_meeting(request: Request, session: SessionDep, meeting_id: int, action_id: int):
    viewer = await resolve_viewer(request, session, meeting_id)
    if viewer.participant is None:
        raise Forbidden("Join the meeting with your link first.")
    action = await service.get_action(session, viewer.community.id, action_id)
    if not viewer.is_facilitator and action.status not in TRACKED:
        raise NotFound("There is no such action in this community.")
    return await _detail_page(request, session, viewer.community, action, _meeting_urls(meeting_id),
                              editable=viewer.is_facilitator, saved=request.query_params.get("saved") == "1")


@router.post("/meetings/{meeting_id}/actions/{action_id}", dependencies=[CsrfChecked])
async def edit_in_meeting(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, action_id: int,
                          title: Text = "", description: Text = "", owners: Text = "", due_date: Short = "",
                          status: Short = "", note: Text = "", version: Short = ""):
    viewer = await resolve_viewer(request, session, meeting_id)
    values = {"title": title, "description": description, "owners": owners, "due_date": due_date,
              "status": status, "note": note, "version": version}
    return await _edit(request, session, f.community, action_id, _viewer_actor(viewer), values,
                       _meeting_urls(meeting_id))


def _meeting_urls(meeting_id: int) -> dict:
    return {"base": f"/meetings/{meeting_id}/actions", "back": f"/meetings/{meeting_id}#actions-heading",
            "back_label": "Back to the meeting"}


# --- the action page (details, history, edit form), in either context -----------------------


def _values_of(action, owners) -> dict:
    return {
        "title": action.title, "description": action.description,
        "owners": "\n".join(o.display_name for o in owners),
        "due_date": action.due_date.isoformat() if action.due_date else "",
        "status": str(action.status), "note": "", "version": str(action.version),
    }


async def _detail_page(request: Request, session, community: Community, action, urls: dict, editable: bool,
                       status_code: int = 200, values: dict | None = None, errors: dict | None = None,
                       conflict=None, saved: bool = False):
    owners = (await service.owners_of(session, [action.id]))[action.id]
    changes = await service.history(session, action.id)
    meetings_by_id = await service.meetings_by_id(
        session, {c.meeting_id for c in changes if c.meeting_id} | ({action.meeting_id} if action.meeting_id else set()))
    today = service.today_in(community)
    statuses = list(TRACKED)
    if action.status == ActionStatus.proposed:
        statuses = [ActionStatus.proposed, ActionStatus.open, ActionStatus.in_progress, ActionStatus.declined]
    elif action.status == ActionStatus.declined:
        statuses = [ActionStatus.declined, *TRACKED]
    return page(
        request, "actions/detail.html", status_code=status_code, community=community, action=action, owners=owners,
        changes=changes, meetings=meetings_by_id, overdue=service.is_overdue(action, today), editable=editable,
        values=values or _values_of(action, owners), errors=errors or {}, conflict=conflict,
        conflict_owners=(await service.owners_of(session, [conflict.id]))[conflict.id] if conflict else [],
        statuses=statuses, labels=STATUS_LABELS, saved=saved, **urls,
    )


async def _edit(request: Request, session, community: Community, action_id: int, actor: Actor, values: dict,
                urls: dict) -> Response:
    action = await service.get_action(session, community.id, action_id)
    try:
        version = _version(values["version"])
        form = parse_form(ActionUpdate, {
            "title": values["title"], "description": values["description"], "due_date": values["due_date"],
            "status": values["status"] or None, "note": values["note"] or None,
            "owners": _owners_from_text(values["owners"]),
        })
        await service.update(session, community, action_id, actor, form, version)
    except ActionConflict as exc:
        # Show what it says now, and keep what they typed, ready to save over it on purpose.
        current = exc.current
        kept = {**values, "version": str(current.version)}
        return await _detail_page(request, session, community, current, urls, True, status_code=409,
                                  values=kept, conflict=current)
    except DomainError as exc:
        return await _detail_page(request, session, community, action, urls, True, status_code=exc.status_code,
                                  values=values, errors=_form_errors(exc))
    return RedirectResponse(f"{urls['base']}/{action_id}?saved=1", status_code=303)


# --- the community's actions, outside meetings ---------------------------------------------


def _community_urls(community_id: int) -> dict:
    return {"base": f"/communities/{community_id}/actions", "back": f"/communities/{community_id}/actions",
            "back_label": "Back to all actions"}


def _filters_from(request: Request) -> tuple[ActionFilters, dict, dict[str, str]]:
    params = request.query_params
    raw = {
        "status": [s for s in params.getlist("status")[:10] if s],
        "owner": params.get("owner", "")[:1000],
        "meeting_id": params.get("meeting_id", "")[:20] or None,
        "overdue": params.get("overdue") in ("1", "true", "on"),
        "q": params.get("q", "")[:1000],
    }
    options = {"mine": params.get("mine") in ("1", "true", "on"),
               "group": params.get("group", "") if params.get("group", "") in GROUPS else ""}
    try:
        return parse_form(ActionFilters, raw), options, {}
    except FormInvalid as exc:
        return ActionFilters(), options, exc.errors


async def _mine_for_account(session, community: Community, account) -> tuple[list[int], list[str]]:
    return await service.participant_ids_of_account(session, community.id, account.id), [account.display_name]


async def _filtered(session, community: Community, account, filters: ActionFilters, mine: bool):
    ids, names = (await _mine_for_account(session, community, account)) if mine else (None, None)
    return await service.list_actions(session, community, filters, participant_ids=ids, names=names)


def _grouped(items, group: str, labels_of_meeting: dict[int, str]) -> list[tuple[str, list]]:
    if not group:
        return [("", items)]
    groups: dict[str, list] = {}
    for item in items:
        if group == "status":
            keys = [STATUS_LABELS[item.status]]
        elif group == "meeting":
            keys = [labels_of_meeting.get(item.meeting_id, "Not from a meeting")]
        else:
            keys = [o.display_name for o in item.owners] or ["No owner yet"]
        for key in keys:
            groups.setdefault(key, []).append(item)
    if group == "status":
        order = [STATUS_LABELS[s] for s in ActionStatus]
        return sorted(groups.items(), key=lambda kv: order.index(kv[0]))
    return sorted(groups.items(), key=lambda kv: kv[0].casefold())


async def _meeting_labels(session, community: Community) -> dict[int, str]:
    return {m.id: f"{m.title} ({day(service.meeting_day(m, community), False)})"
            for m in await meetings.meetings_of(session, community.id)}


async def _list_page(request: Request, session, account, community: Community, status_code: int = 200, **extra):
    filters, options, filter_errors = _filters_from(request)
    actions = await _filtered(session, community, account, filters, options["mine"]) if not filter_errors else []
    items = await service.publics(session, community, actions[:SHOWN_ON_PAGE])
    labels = await _meeting_labels(session, community)
    permission = await permission_in(session, account, community.id)
    query = request.url.query
    feed = await service.feed_of(session, community.id) if permission == Permission.organiser else None
    return page(
        request, "actions/list.html", status_code=status_code if not filter_errors else 422, community=community,
        groups=_grouped(items, options["group"], labels), count=len(actions), shown=len(items), filters=filters,
        options=options, filter_errors=filter_errors, meeting_labels=labels, labels=STATUS_LABELS,
        statuses=list(ActionStatus), group_names=GROUPS, csv_url=f"/communities/{community.id}/actions.csv"
        + (f"?{query}" if query else ""), is_organiser=permission == Permission.organiser, feed=feed,
        **{"values": {}, "errors": {}, "feed_url": None, **extra},
    )


@router.get("/communities/{community_id}/actions")
async def community_actions(request: Request, session: SessionDep, account: SignedIn, community_id: int):
    community = await require_facilitator(session, account, community_id)
    return await _list_page(request, session, account, community)


@router.get("/communities/{community_id}/actions.csv")
async def community_actions_csv(request: Request, session: SessionDep, account: SignedIn, community_id: int):
    community = await require_facilitator(session, account, community_id)
    filters, options, errors = _filters_from(request)
    if errors:
        raise Invalid(next(iter(errors.values())), field=next(iter(errors)))
    actions = await _filtered(session, community, account, filters, options["mine"])
    items = await service.publics(session, community, actions)
    text = actions_csv(items, await _meeting_labels(session, community))
    name = f"actions-community-{community.id}-{service.today_in(community).isoformat()}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.post("/communities/{community_id}/actions", dependencies=[CsrfChecked])
async def add_in_community(request: Request, session: SessionDep, account: SignedIn, community_id: int,
                           title: Text = "", description: Text = "", owners: Text = "", due_date: Short = ""):
    community = await require_facilitator(session, account, community_id)
    values = {"title": title, "description": description, "owners": owners, "due_date": due_date}
    try:
        form = parse_form(ActionCreate, {"title": title, "description": description, "due_date": due_date,
                                         "owners": _owners_from_text(owners)})
        action = await service.create(session, community, Actor(account.display_name), form)
    except DomainError as exc:
        return await _list_page(request, session, account, community, exc.status_code,
                                values={k: v[:2000] for k, v in values.items()}, errors=_form_errors(exc))
    return RedirectResponse(f"/communities/{community_id}/actions/{action.id}?saved=1", status_code=303)


@router.post("/communities/{community_id}/actions/feed", dependencies=[CsrfChecked])
async def make_feed(request: Request, session: SessionDep, account: SignedIn, community_id: int):
    community = await require_permission(session, account, community_id, {Permission.organiser})
    token = await service.new_feed(session, community, account.id)
    settings = request.app.state.settings
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return await _list_page(request, session, account, community, feed_url=f"{base}/feeds/actions/{token}.ics")


@router.post("/communities/{community_id}/actions/feed/revoke", dependencies=[CsrfChecked])
async def revoke_feed(session: SessionDep, account: SignedIn, community_id: int):
    community = await require_permission(session, account, community_id, {Permission.organiser})
    await service.revoke_feed(session, community)
    return RedirectResponse(f"/communities/{community_id}/actions#calendar", status_code=303)


@router.get("/communities/{community_id}/actions/{action_id}")
async def action_in_community(request: Request, session: SessionDep, account: SignedIn, community_id: int,
                              action_id: int):
    community = await require_facilitator(session, account, community_id)
    action = await service.get_action(session, community_id, action_id)
    return await _detail_page(request, session, community, action, _community_urls(community_id), editable=True,
                              saved=request.query_params.get("saved") == "1")


@router.post("/communities/{community_id}/actions/{action_id}", dependencies=[CsrfChecked])
async def edit_in_community(request: Request, session: SessionDep, account: SignedIn, community_id: int,
                            action_id: int, title: Text = "", description: Text = "", owners: Text = "",
                            due_date: Short = "", status: Short = "", note: Text = "", version: Short = ""):
    community = await require_facilitator(session, account, community_id)
    values = {"title": title, "description": description, "owners": owners, "due_date": due_date,
              "status": status, "note": note, "version": version}
    return await _edit(request, session, community, action_id, Actor(account.display_name), values,
                       _community_urls(community_id))


@router.post("/communities/{community_id}/actions/{action_id}/status", dependencies=[CsrfChecked])
async def status_in_community(request: Request, session: SessionDep, account: SignedIn, community_id: int,
                              action_id: int, status: Short = "", version: Short = ""):
    community = await require_facilitator(session, account, community_id)
    form = _status_form(status)
    await service.update(session, community, action_id, Actor(account.display_name), form, _version(version))
    back = request.headers.get("referer", "")
    target = f"/communities/{community_id}/actions"
    # Back to the same filtered view, if that is where the button was.
    if "?" in back and back.split("?")[0].endswith(target):
        target += "?" + back.split("?", 1)[1][:1000]
    return RedirectResponse(target, status_code=303)


# --- the calendar feed: a secret, revocable address -------------------------------------------


@router.get("/feeds/actions/{token}.ics")
async def calendar_feed(request: Request, session: SessionDep, token: str):
    community = await service.community_for_feed(session, token)
    actions = await service.list_actions(session, community, ActionFilters(status=[ActionStatus.open,
                                                                                    ActionStatus.in_progress]))
    items = await service.publics(session, community, actions)
    settings = request.app.state.settings
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    body = actions_calendar(community.name, items, f"{base}/communities/{community.id}/actions",
                            request.url.hostname or "roundtable")
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"})


def list_url(community_id: int, **params) -> str:
    query = urlencode([(k, v) for k, v in params.items() if v not in (None, "", False)], doseq=True)
    return f"/communities/{community_id}/actions" + (f"?{query}" if query else "")


env.globals["actions_list_url"] = list_url
