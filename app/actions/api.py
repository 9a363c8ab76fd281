"""Actions over REST: list (views, pagination), create, read, update, delete, history,
progress notes. The same validation and rules as the pages (app/actions/service.py).

Lost updates are prevented with ETags (RFC 9110): every read returns `ETag: "<version>"`;
PATCH and DELETE need `If-Match` with it (428 without one, 412 if the action has
changed since).
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from app.actions import service
from app.actions.models import ActionStatus
from app.actions.schemas import ActionChangePublic, ActionCreate, ActionFilters, ActionNote, ActionPublic, ActionUpdate
from app.actions.service import Actor
from app.api.common import (CONFLICT, ApiKeyDep, Cursor, Limit, Page, WriteKey, own_community, page_of,
                            window_of)
from app.communities.models import Community
from app.communities.service import MAX_ID, get_community
from app.api.versions import IfMatch, etag, etag_header, expected_version, preconditions, stale_is_412
from app.db import SessionDep

router = APIRouter(tags=["actions"])


PRECONDITIONS = preconditions("action")
ETAG_HEADER = etag_header("action")["headers"]


def _actor(key) -> Actor:
    return Actor(f"{key.name} (API)"[:80])


async def _community_for_action(session, key, action_id: int) -> tuple[Community, object]:
    community = await get_community(session, key.community_id)
    return community, await service.get_action(session, community.id, action_id)


@router.get(
    "/communities/{community_id}/actions",
    summary="A community's actions, with filters",
    description="Without `status`, proposals and declined proposals are left out. `owner` matches an owner's name "
    "(case and spacing ignored); `q` searches titles, descriptions and owners' names. `sort=due` orders by due date "
    "(undated last), `sort=created` by creation.",
    response_model=Page[ActionPublic],
)
async def list_actions(
    session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50, cursor: Cursor = None,
    status: Annotated[list[ActionStatus] | None, Query(description="Only these statuses (repeatable)")] = None,
    owner: Annotated[str, Query(max_length=60, description="An owner's name")] = "",
    meeting_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only actions created in this meeting")] = None,
    overdue: Annotated[bool, Query(description="Only open or in-progress actions past their due date")] = False,
    q: Annotated[str, Query(max_length=100, description="Text to search for")] = "",
    sort: Annotated[Literal["due", "created"], Query(description="Order")] = "due",
):
    own_community(key, community_id)
    community = await get_community(session, community_id)
    filters = ActionFilters(status=status or [], owner=owner, meeting_id=meeting_id, overdue=overdue, q=q)
    if sort == "created":
        rows = await service.list_actions(session, community, filters, sort="id",
                                          after_id=int(cursor) if cursor else None, limit=limit + 1)
        items, next_cursor = page_of(rows, limit)
    else:
        # Due dates are not unique, so the cursor is a position in this ordering.
        items, next_cursor = window_of(await service.list_actions(session, community, filters), limit, cursor)
    return Page[ActionPublic](items=await service.publics(session, community, items), next_cursor=next_cursor)


@router.post(
    "/communities/{community_id}/actions", status_code=201, summary="Create an action",
    description="Owners are participants of the community's meetings (`participant_id`) or named people (`name`, "
    "optional `role`). A past due date is accepted; the action then shows `overdue: true`.",
    response_model=ActionPublic, responses={201: {"headers": ETAG_HEADER}, **CONFLICT},
)
async def create_action(session: SessionDep, key: WriteKey, community_id: int, body: ActionCreate, response: Response):
    own_community(key, community_id)
    community = await get_community(session, community_id)
    action = await service.create(session, community, _actor(key), body)
    response.headers["ETag"] = etag(action.version)
    response.headers["Location"] = f"/api/v1/actions/{action.id}"
    return await service.public_one(session, community, action)


@router.get("/actions/{action_id}", summary="One action", response_model=ActionPublic,
            responses={200: {"headers": ETAG_HEADER}})
async def read_action(session: SessionDep, key: ApiKeyDep, action_id: int, response: Response):
    community, action = await _community_for_action(session, key, action_id)
    response.headers["ETag"] = etag(action.version)
    return await service.public_one(session, community, action)


@router.patch(
    "/actions/{action_id}", summary="Change an action",
    description="Send only the fields to change (`due_date: null` clears it; `owners` replaces the list; `note` adds "
    "a progress note). Needs `If-Match` with the ETag you read.",
    response_model=ActionPublic, responses={200: {"headers": ETAG_HEADER}, **PRECONDITIONS},
)
async def update_action(session: SessionDep, key: WriteKey, action_id: int, body: ActionUpdate, response: Response,
                        if_match: IfMatch = None):
    community, action = await _community_for_action(session, key, action_id)
    version = expected_version(if_match, action.version, "action")
    with stale_is_412("action"):
        action = await service.update(session, community, action_id, _actor(key), body, version)
    response.headers["ETag"] = etag(action.version)
    return await service.public_one(session, community, action)


@router.delete("/actions/{action_id}", status_code=204, summary="Delete an action and its history",
               description="Needs `If-Match` with the ETag you read. To keep the record, set `status` to `dropped` "
               "instead.", responses=PRECONDITIONS)
async def delete_action(session: SessionDep, key: WriteKey, action_id: int, if_match: IfMatch = None):
    community, action = await _community_for_action(session, key, action_id)
    version = expected_version(if_match, action.version, "action")
    with stale_is_412("action"):
        await service.delete_action(session, community, action_id, _actor(key), version)
    return Response(status_code=204)


@router.get("/actions/{action_id}/history", summary="Every change to an action, oldest first, with progress notes",
            response_model=Page[ActionChangePublic])
async def action_history(session: SessionDep, key: ApiKeyDep, action_id: int, limit: Limit = 50,
                         cursor: Cursor = None):
    _, action = await _community_for_action(session, key, action_id)
    window, next_cursor = window_of(await service.history(session, action.id), limit, cursor)
    return Page[ActionChangePublic](items=[service.change_public(c) for c in window], next_cursor=next_cursor)


@router.post("/actions/{action_id}/notes", status_code=201, summary="Add a progress note",
             description="Notes never conflict, so no `If-Match` is needed.", response_model=ActionPublic)
async def add_note(session: SessionDep, key: WriteKey, action_id: int, body: ActionNote, response: Response):
    community, action = await _community_for_action(session, key, action_id)
    action = await service.add_note(session, community, action.id, _actor(key), body.note)
    response.headers["ETag"] = etag(action.version)
    return await service.public_one(session, community, action)

