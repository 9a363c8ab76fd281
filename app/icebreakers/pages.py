"""Icebreaker pages: launch and close (facilitators), answer and join a pair (everyone),
and the community's prompt bank. Plain forms that htmx enhances."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.communities.models import Community
from app.communities.service import require_facilitator
from app.db import SessionDep
from app.errors import DomainError
from app.icebreakers import service
from app.icebreakers.bank import CATEGORIES, MODE_LABELS
from app.icebreakers.live import mine_fragment, picker_context
from app.icebreakers.schemas import MAX_ANSWER, AnswerSubmit, PromptCreate, RunLaunch
from app.live.regions import Audience, RegionContext, render_regions
from app.meetings.models import Meeting, Participant
from app.meetings.pages import FacilitatorOf, done
from app.meetings.room import render_room, room_part
from app.meetings.viewer import ParticipantOf, Viewer
from app.web.deps import CsrfChecked, SettingsDep, SignedIn, is_htmx
from app.web.forms import FormInvalid, lines, parse_form
from app.web.templating import page, render

router = APIRouter(include_in_schema=False)

ANSWERS_PER_MINUTE = 20
REGIONS = ("icebreaker", "icebreaker-results", "icebreaker-record")


# --- this person's own part of the page ---------------------------------------------------


async def personal_part(request: Request, session, meeting: Meeting, participant: Participant) -> dict:
    """This person's answer (or group) in the running icebreaker, for their page only."""
    mine: dict = {"category": request.query_params.get("icebreaker_category")}
    run = await service.current_run(session, meeting.id)
    if run is not None:
        settings = request.app.state.settings
        mine.update(run_id=run.id, participant_id=participant.id,
                    answer=await service.my_answer(session, settings.secret_keys, participant, run),
                    group=await service.my_group(session, participant, run))
    refused = getattr(request.state, "icebreaker_refused", None)  # a refused answer, shown again
    if refused is not None:
        mine.update(refused)
    return mine


@room_part
async def icebreaker_part(request: Request, session, viewer: Viewer) -> tuple[dict, dict]:
    return {}, {"icebreaker": await personal_part(request, session, viewer.meeting, viewer.participant)}


async def _updated(request: Request, session, meeting: Meeting, participant: Participant, note: str) -> Response:
    """After someone's own command: their view of the icebreaker, and a message."""
    if not is_htmx(request):
        return RedirectResponse(f"/meetings/{meeting.id}#icebreaker-heading", status_code=303)
    mine = await personal_part(request, session, meeting, participant)
    run = await service.current_run(session, meeting.id)
    ctx = RegionContext(session, meeting.id, Audience.of(participant.is_facilitator),
                        csrf_token=request.state.csrf_token)
    community = await session.get(Community, meeting.community_id)
    body = (await render_regions(ctx, ("icebreaker-results",)) + mine_fragment(community, run, mine)
            + render("_flash.html", message=note))
    return HTMLResponse(body, headers={"Vary": "HX-Request"})


# --- everyone ----------------------------------------------------------------------------


@router.post("/meetings/{meeting_id}/icebreakers/{run_id}/answer", dependencies=[CsrfChecked])
async def answer(
    request: Request, session: SessionDep, settings: SettingsDep, who: ParticipantOf, meeting_id: int, run_id: int,
    text: Annotated[str, Form(max_length=100_000)] = "",
    choice: Annotated[str, Form(max_length=100)] = "",
):
    try:
        form = parse_form(AnswerSubmit, {"text": text, "choice": choice or None})
        await request.app.state.limiter.check(
            f"icebreaker:{meeting_id}:{who.participant.id}", ANSWERS_PER_MINUTE, 60,
            "That was a lot of answers in a minute. Please wait {seconds} seconds; your answer is still in the box.",
        )
        await service.answer(session, settings.secret_keys, who.meeting, who.participant, run_id, form)
    except DomainError as exc:
        if is_htmx(request):
            raise  # a message in the page; what they typed stays in the box
        # Without JavaScript: the room again, with the message and their words kept.
        request.state.icebreaker_refused = {"error": exc.detail, "text": text[:MAX_ANSWER]}
        return await render_room(request, session, meeting_id, status_code=exc.status_code)
    return await _updated(request, session, who.meeting, who.participant,
                          "Your answer was saved. You can change it until the icebreaker closes.")


@router.post("/meetings/{meeting_id}/icebreakers/{run_id}/join", dependencies=[CsrfChecked])
async def join_a_group(request: Request, session: SessionDep, who: ParticipantOf, meeting_id: int, run_id: int):
    group = await service.join_a_group(session, who.meeting, who.participant, run_id)
    others = [m.participant.display_name for m in group if m.participant.id != who.participant.id]
    note = ("You are now with " + " and ".join(others) + ".") if others else "You are in a group."
    return await _updated(request, session, who.meeting, who.participant, note)


# --- facilitators ------------------------------------------------------------------------


def _flag(value: str) -> bool:
    return value.lower() in ("true", "on", "yes", "1")


@router.post("/meetings/{meeting_id}/icebreakers", dependencies=[CsrfChecked])
async def launch(
    request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
    prompt_id: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    mode: Annotated[str, Form(max_length=1000)] = "",
    choices: Annotated[str, Form(max_length=100_000)] = "",
    anonymous: Annotated[str, Form(max_length=10)] = "true",
    group_size: Annotated[str, Form(max_length=100)] = "2",
    minutes: Annotated[str, Form(max_length=100)] = "5",
    include_facilitators: Annotated[str, Form(max_length=10)] = "false",
    save_to_bank: Annotated[str, Form(max_length=10)] = "false",
    category: Annotated[str, Form(max_length=1000)] = "",
):
    form = parse_form(RunLaunch, {
        "prompt_id": prompt_id or None, "text": text, "mode": mode or None, "choices": lines(choices),
        "anonymous": _flag(anonymous), "group_size": group_size, "minutes": minutes,
        "include_facilitators": _flag(include_facilitators), "save_to_bank": _flag(save_to_bank),
        "category": category or None,
    })
    await service.launch(session, f.meeting, f.community, form)
    return await done(request, session, meeting_id, *REGIONS)


@router.post("/meetings/{meeting_id}/icebreakers/{run_id}/close", dependencies=[CsrfChecked])
async def close(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, run_id: int):
    await service.close(session, f.meeting, run_id)
    return await done(request, session, meeting_id, *REGIONS)


@router.get("/meetings/{meeting_id}/icebreakers/picker")
async def picker(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
                 icebreaker_category: str | None = None):
    """The picker for one category (htmx swaps it in; without JavaScript the room page
    takes the same `icebreaker_category` parameter)."""
    body = render("icebreakers/_picker.html", meeting=f.meeting, community=f.community,
                  picker=await picker_context(session, f.community, icebreaker_category),
                  csrf_token=request.state.csrf_token)
    return HTMLResponse(body, headers={"Vary": "HX-Request", "Cache-Control": "no-store"})


# --- the community's prompt bank (facilitators and organisers) -----------------------------


async def bank_page(request: Request, session, account, community_id: int, status_code: int = 200, **extra):
    community = await require_facilitator(session, account, community_id)
    prompts = await service.prompts_of(session, community_id, include_retired=True)
    return page(
        request, "icebreakers/bank.html", status_code=status_code, community=community,
        active={c: [p for p in prompts if p.category == c and not p.retired] for c in CATEGORIES},
        retired=[p for p in prompts if p.retired], categories=CATEGORIES, modes=MODE_LABELS,
        **{"values": {}, "errors": {}, **extra},
    )


def _prompt_data(category: str, mode: str, text: str, choices: str) -> dict:
    return {"category": category, "mode": mode or None, "text": text, "choices": lines(choices)}


@router.get("/communities/{community_id}/icebreakers")
async def show_bank(request: Request, session: SessionDep, account: SignedIn, community_id: int):
    return await bank_page(request, session, account, community_id)


@router.post("/communities/{community_id}/icebreakers", dependencies=[CsrfChecked])
async def add_prompt(
    request: Request, session: SessionDep, account: SignedIn, community_id: int,
    category: Annotated[str, Form(max_length=1000)] = "",
    mode: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    choices: Annotated[str, Form(max_length=100_000)] = "",
):
    community = await require_facilitator(session, account, community_id)
    values = {"category": category, "mode": mode, "text": text[:300], "choices": choices[:1000]}
    try:
        form = parse_form(PromptCreate, _prompt_data(category, mode, text, choices))
        await service.add_prompt(session, community, form)
    except FormInvalid as exc:
        return await bank_page(request, session, account, community_id, 422, values=values, errors=exc.errors)
    except DomainError as exc:
        return await bank_page(request, session, account, community_id, exc.status_code, values=values,
                               errors={"form": exc.detail})
    return RedirectResponse(f"/communities/{community_id}/icebreakers#category-{form.category}", status_code=303)


@router.get("/communities/{community_id}/icebreakers/{prompt_id}/edit")
async def edit_prompt_form(request: Request, session: SessionDep, account: SignedIn, community_id: int, prompt_id: str):
    community = await require_facilitator(session, account, community_id)
    prompt = await service.get_prompt(session, community_id, prompt_id)
    if prompt.source != "community":
        return RedirectResponse(f"/communities/{community_id}/icebreakers", status_code=303)
    values = {"category": prompt.category, "mode": prompt.mode, "text": prompt.text, "choices": "\n".join(prompt.choices)}
    return page(request, "icebreakers/edit.html", community=community, prompt=prompt, values=values, errors={},
                categories=CATEGORIES, modes=MODE_LABELS)


@router.post("/communities/{community_id}/icebreakers/{prompt_id}", dependencies=[CsrfChecked])
async def update_prompt(
    request: Request, session: SessionDep, account: SignedIn, community_id: int, prompt_id: str,
    category: Annotated[str, Form(max_length=1000)] = "",
    mode: Annotated[str, Form(max_length=1000)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
    choices: Annotated[str, Form(max_length=100_000)] = "",
):
    community = await require_facilitator(session, account, community_id)
    prompt = await service.get_prompt(session, community_id, prompt_id)
    try:
        form = parse_form(PromptCreate, _prompt_data(category, mode, text, choices))
    except FormInvalid as exc:
        values = {"category": category, "mode": mode, "text": text[:300], "choices": choices[:1000]}
        return page(request, "icebreakers/edit.html", status_code=422, community=community, prompt=prompt,
                    values=values, errors=exc.errors, categories=CATEGORIES, modes=MODE_LABELS)
    await service.update_prompt(session, community_id, prompt.id, form)
    return RedirectResponse(f"/communities/{community_id}/icebreakers#category-{form.category}", status_code=303)


@router.post("/communities/{community_id}/icebreakers/{prompt_id}/retire", dependencies=[CsrfChecked])
async def retire_prompt(session: SessionDep, account: SignedIn, community_id: int, prompt_id: str):
    await require_facilitator(session, account, community_id)
    prompt = await service.set_retired(session, community_id, prompt_id, True)
    return RedirectResponse(f"/communities/{community_id}/icebreakers#category-{prompt.category}", status_code=303)


@router.post("/communities/{community_id}/icebreakers/{prompt_id}/restore", dependencies=[CsrfChecked])
async def restore_prompt(session: SessionDep, account: SignedIn, community_id: int, prompt_id: str):
    await require_facilitator(session, account, community_id)
    prompt = await service.set_retired(session, community_id, prompt_id, False)
    return RedirectResponse(f"/communities/{community_id}/icebreakers#category-{prompt.category}", status_code=303)
