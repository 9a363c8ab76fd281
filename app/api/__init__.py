"""/api/v1: each domain's API router, under one set of conventions (app/api/common.py)."""

from fastapi import APIRouter

from app.actions.api import router as actions
from app.api.common import PROBLEMS
from app.communities.api import router as communities
from app.meetings.api import router as meetings
from app.questions.api import router as questions
from app.breakouts.api import router as breakouts
from app.icebreakers.api import router as icebreakers
from app.webhooks.api import router as webhooks

router = APIRouter(responses=PROBLEMS)
router.include_router(communities)
router.include_router(meetings)
router.include_router(questions)
router.include_router(actions)
router.include_router(breakouts)
router.include_router(icebreakers)
router.include_router(webhooks)
