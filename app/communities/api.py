from fastapi import APIRouter

from app.api.common import ApiKeyDep, own_community
from pydantic import BaseModel

from app.communities.models import Permission, RoleOption
from app.communities.schemas import CommunityPublic
from app.communities.service import get_community, members_of
from app.db import SessionDep

router = APIRouter(tags=["communities"])


@router.get("/communities", summary="The community this key belongs to", response_model=list[CommunityPublic])
async def list_communities(session: SessionDep, key: ApiKeyDep):
    return [await get_community(session, key.community_id)]


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
            response_model=list[MemberSummary])
async def list_members(session: SessionDep, key: ApiKeyDep, community_id: int):
    own_community(key, community_id)
    return [MemberSummary(account_id=m.account_id, display_name=m.display_name, permission=m.permission)
            for m in await members_of(session, community_id)]


@router.get("/communities/{community_id}/roles", summary="The stakeholder roles people choose from when they join",
            response_model=list[RoleOption])
async def list_roles(session: SessionDep, key: ApiKeyDep, community_id: int):
    own_community(key, community_id)
    return (await get_community(session, community_id)).role_options
