from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from app.api.common import (ApiKeyDep, CONFLICT, Cursor, Limit, Page, WriteKey, meeting_for_key, own_community, page_of,
                            window_of)
from app.api.versions import IfMatch, etag_header, expected_version, preconditions, set_etag, stale_is_412
from app.communities.service import get_community
from app.db import SessionDep
from app.icebreakers import service
from app.icebreakers.models import IcebreakerRun, RunStatus
from app.icebreakers.schemas import AnswerPublic, PromptCreate, PromptPublic, PromptUpdate, RunLaunch, RunPublic
from app.meetings.models import Meeting
from app.web.forms import parse_form

router = APIRouter(tags=["icebreakers"])

PromptId = Annotated[str, Path(max_length=40, description="A built-in prompt's key, or `custom-<number>`")]


# --- the prompt bank ----------------------------------------------------------------------


@router.get(
    "/communities/{community_id}/icebreaker-prompts",
    summary="A community's icebreaker prompts",
    description="The built-in prompts and the community's own, category by category. Retired prompts are "
    "left out unless `include_retired=true`.",
    response_model=Page[PromptPublic],
)
async def list_prompts(
    session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50, cursor: Cursor = None,
    category: Annotated[str | None, Query(max_length=20, description="Only this category")] = None,
    include_retired: Annotated[bool, Query(description="Include retired prompts")] = False,
):
    own_community(key, community_id)
    prompts = await service.prompts_of(session, community_id, include_retired, category)
    # Built-in prompts have no row, so the cursor is a position.
    window, next_cursor = window_of(prompts, limit, cursor)
    return Page[PromptPublic](items=window, next_cursor=next_cursor)


def _with_etag(response: Response, prompt: PromptPublic) -> PromptPublic:
    if prompt.version is not None:  # built-in prompts cannot be changed, so they have no version
        set_etag(response, prompt.version)
    return prompt


@router.get("/communities/{community_id}/icebreaker-prompts/{prompt_id}", summary="One icebreaker prompt",
            description="A community's own prompt comes with an ETag, for `If-Match` when changing it.",
            response_model=PromptPublic, responses={200: etag_header("prompt")})
async def read_prompt(session: SessionDep, key: ApiKeyDep, community_id: int, prompt_id: PromptId, response: Response):
    own_community(key, community_id)
    return _with_etag(response, await service.get_prompt(session, community_id, prompt_id))


@router.post("/communities/{community_id}/icebreaker-prompts", status_code=201, summary="Add a prompt of the community's own",
             response_model=PromptPublic, responses=CONFLICT)
async def add_prompt(session: SessionDep, key: WriteKey, community_id: int, body: PromptCreate):
    own_community(key, community_id)
    return await service.add_prompt(session, await get_community(session, community_id), body)


@router.patch(
    "/communities/{community_id}/icebreaker-prompts/{prompt_id}",
    summary="Change one of the community's own prompts",
    description="Only the fields sent change. Needs `If-Match` with the ETag you read. Built-in prompts cannot be "
    "changed (409): retire one and add your own.",
    response_model=PromptPublic,
    responses={200: etag_header("prompt"), **CONFLICT, **preconditions("prompt")},
)
async def update_prompt(session: SessionDep, key: WriteKey, community_id: int, prompt_id: PromptId, body: PromptUpdate,
                        response: Response, if_match: IfMatch = None):
    own_community(key, community_id)
    prompt = await service.get_prompt(session, community_id, prompt_id)
    # A built-in prompt has no version: the service refuses any change to it (409).
    version = None if prompt.version is None else expected_version(if_match, prompt.version, "prompt")
    form = parse_form(PromptCreate, service.merged(prompt, body))
    with stale_is_412("prompt"):
        return _with_etag(response, await service.update_prompt(session, community_id, prompt_id, form, version))


@router.post("/communities/{community_id}/icebreaker-prompts/{prompt_id}/retire", summary="Retire a prompt",
             description="A retired prompt is kept but no longer offered when launching. Works for built-in "
             "prompts too (for this community only).", response_model=PromptPublic)
async def retire_prompt(session: SessionDep, key: WriteKey, community_id: int, prompt_id: PromptId):
    own_community(key, community_id)
    return await service.set_retired(session, community_id, prompt_id, True)


@router.post("/communities/{community_id}/icebreaker-prompts/{prompt_id}/restore", summary="Offer a retired prompt again",
             response_model=PromptPublic)
async def restore_prompt(session: SessionDep, key: WriteKey, community_id: int, prompt_id: PromptId):
    own_community(key, community_id)
    return await service.set_retired(session, community_id, prompt_id, False)


# --- a meeting's icebreakers -------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/icebreakers",
    summary="A meeting's icebreakers",
    description="Each run with its prompt, mode and results: poll counts, words with their counts, or the pairs. "
    "Oldest first.",
    response_model=Page[RunPublic],
)
async def list_runs(
    session: SessionDep, key: ApiKeyDep, meeting_id: int, limit: Limit = 50, cursor: Cursor = None,
    status: Annotated[RunStatus | None, Query(description="Only running or only closed icebreakers")] = None,
):
    await meeting_for_key(session, key, meeting_id)
    runs = await service.runs_of(session, meeting_id, status, after_id=int(cursor) if cursor else None,
                                 limit=limit + 1)
    items, next_cursor = page_of(runs, limit)
    return Page[RunPublic](items=[await service.run_public(session, r) for r in items], next_cursor=next_cursor)


@router.post(
    "/meetings/{meeting_id}/icebreakers",
    status_code=201,
    summary="Launch an icebreaker",
    description="From the bank with `prompt_id`, or written on the spot with `text`, `mode` (and `choices` for a "
    "poll). Everyone in the meeting sees it at once. One icebreaker runs at a time (409 otherwise).",
    response_model=RunPublic,
    responses=CONFLICT,
)
async def launch(session: SessionDep, key: WriteKey, meeting_id: int, body: RunLaunch):
    meeting = await meeting_for_key(session, key, meeting_id)
    community = await get_community(session, meeting.community_id)
    return await service.run_public(session, await service.launch(session, meeting, community, body))


async def _run(session, key, meeting_id: int, run_id: int) -> tuple[Meeting, IcebreakerRun]:
    meeting = await meeting_for_key(session, key, meeting_id)
    return meeting, await service.get_run(session, meeting, run_id)


@router.get("/meetings/{meeting_id}/icebreakers/{run_id}", summary="One icebreaker, with its results",
            response_model=RunPublic)
async def read_run(session: SessionDep, key: ApiKeyDep, meeting_id: int, run_id: int):
    _, run = await _run(session, key, meeting_id, run_id)
    return await service.run_public(session, run)


@router.post("/meetings/{meeting_id}/icebreakers/{run_id}/close", summary="Close an icebreaker",
             description="Answers can no longer be given or changed; the icebreaker stays in the meeting's record.",
             response_model=RunPublic, responses=CONFLICT)
async def close(session: SessionDep, key: WriteKey, meeting_id: int, run_id: int):
    meeting, run = await _run(session, key, meeting_id, run_id)
    return await service.run_public(session, await service.close(session, meeting, run.id))


@router.get(
    "/meetings/{meeting_id}/icebreakers/{run_id}/answers",
    summary="An icebreaker's answers",
    description="In the order they were first given. Answers to anonymous icebreakers carry nothing about who "
    "gave them; times are rounded to the minute.",
    response_model=Page[AnswerPublic],
)
async def list_answers(session: SessionDep, key: ApiKeyDep, meeting_id: int, run_id: int, limit: Limit = 50,
                       cursor: Cursor = None):
    _, run = await _run(session, key, meeting_id, run_id)
    answers = await service.answers_of(session, run.id, after_position=int(cursor) if cursor else None,
                                       limit=limit + 1)
    items, next_cursor = page_of(answers, limit, key=lambda a: a.position)
    return Page[AnswerPublic](items=[service.answer_public(run, a) for a in items], next_cursor=next_cursor)
