from fastapi import APIRouter

from app.api.common import ApiKeyDep, own_community
from app.communities.schemas import CommunityPublic
from app.communities.service import get_community
from app.db import SessionDep

router = APIRouter(tags=["communities"])


@router.get("/communities", summary="The community this key belongs to", response_model=list[CommunityPublic])
async def list_communities(session: SessionDep, key: ApiKeyDep):
    return [await get_community(session, key.community_id)]


@router.get("/communities/{community_id}", summary="One community, with its roles", response_model=CommunityPublic)
async def read_community(session: SessionDep, key: ApiKeyDep, community_id: int):
    own_community(key, community_id)
    return await get_community(session, community_id)
