from fastapi import APIRouter

from app.api.common import ApiKeyDep, Cursor, Limit, Page, own_community, page_of, window_of
from pydantic import BaseModel

from app.communities.models import Permission, RoleOption
from app.communities.schemas import CommunityPublic
from app.communities.service import get_community, members_of
from app.db import SessionDep

router = APIRouter(tags=["communities"])


@router.get("/communities", summary="The community this key belongs to",
            description="A key belongs to one community, so this is one page of one item; it is a page like "
            "every other list, so an integration reads every list the same way.",
            response_model=Page[CommunityPublic])
async def list_communities(session: SessionDep, key: ApiKeyDep, limit: Limit = 50, cursor: Cursor = None):
    items, next_cursor = window_of([await get_community(session, key.community_id)], limit, cursor)
    return Page[CommunityPublic](items=items, next_cursor=next_cursor)


@router.get("/communities/{community_id}", summary="One community, with its roles", response_model=CommunityPublic)
async def read_community(session: SessionDep, key: ApiKeyDep, community_id: int):
    own_community(key, community_id)
    return await get_community(session, community_id)


class MemberSummary(BaseModel):
    """An organiser or facilitator of the community (no email: integrations don't need it)."""

    account_id: int
    display_name: str
    permission: Permission


@router.get("/communities/{community_id}/members", summary="The community's organisers and facilitators",
            description="In the order their accounts were made (by `account_id`).",
            response_model=Page[MemberSummary])
async def list_members(session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50,
                       cursor: Cursor = None):
    own_community(key, community_id)
    rows = await members_of(session, community_id, after_account_id=int(cursor) if cursor else None, limit=limit + 1)
    items, next_cursor = page_of(rows, limit, key=lambda m: m.account_id)
    return Page[MemberSummary](
        items=[MemberSummary(account_id=m.account_id, display_name=m.display_name, permission=m.permission)
               for m in items],
        next_cursor=next_cursor)


@router.get("/communities/{community_id}/roles", summary="The stakeholder roles people choose from when they join",
            description="In the order the join form offers them: the defaults, then up to 20 of the community's own.",
            response_model=Page[RoleOption])
async def list_roles(session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50,
                     cursor: Cursor = None):
    own_community(key, community_id)
    items, next_cursor = window_of((await get_community(session, community_id)).role_options, limit, cursor)
    return Page[RoleOption](items=items, next_cursor=next_cursor)
