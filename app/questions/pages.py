"""Question chat pages: ask, withdraw, vote, moderate. Plain forms that htmx enhances."""

from urllib.parse import parse_qs, urlsplit
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.breakouts.service import my_room
from app.db import SessionDep
from app.errors import DomainError, NotFound
from app.live.regions import Audience, RegionContext, render_regions
from app.meetings.models import Meeting, Participant
from app.meetings.pages import FacilitatorOf
from app.meetings.room import render_room, room_part
from app.meetings.viewer import ParticipantOf, Viewer
from app.questions import service
from app.questions.live import questions_after_posting
from app.questions.models import QuestionStatus
from app.questions.schemas import JargonAsk, QuestionAnswer, QuestionAsk
from app.web.deps import CsrfChecked, SettingsDep, is_htmx
from app.web.forms import parse_form
from app.web.security import PARTICIPANT_MAX_AGE, sign, unsign
from app.web.templating import render

router = APIRouter(include_in_schema=False)

QUESTIONS_PER_MINUTE = 5
SIGNALS_PER_MINUTE = 10
MAX_REMEMBERED = 40  # questions one browser can withdraw per meeting


# --- this browser's own questions: a capability in a cookie ---------------------


def _asked_cookie(meeting_id: int) -> str:
    return f"rt_asked{meeting_id}"


def my_tokens(request: Request, meeting_id: int) -> list[str]:
    value = unsign(request.app.state.settings.secret_keys, "asked", request.cookies.get(_asked_cookie(meeting_id), ""),
                   PARTICIPANT_MAX_AGE)
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def remember_tokens(response: Response, request: Request, meeting_id: int, tokens: list[str]) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        _asked_cookie(meeting_id), sign(settings.secret_key, "asked", tokens[-MAX_REMEMBERED:]),
        max_age=PARTICIPANT_MAX_AGE, httponly=True, samesite="lax", secure=settings.secure_cookies,
    )


@room_part
async def question_part(request: Request, session, viewer: Viewer) -> tuple[dict, dict]:
    settings = request.app.state.settings
    votes = await service.my_votes(session, settings.secret_keys, viewer.participant, viewer.meeting.id)
    mine = await service.mine(session, viewer.meeting.id, my_tokens(request, viewer.meeting.id))
    return (
        {
            "role_allowed": await service.role_attribution_allowed(session, viewer.participant),
            "my_questions": mine,
            "my_vote_ids": sorted(votes),
        },
        {"votes": votes},
    )


async def _updated(request: Request, session, meeting: Meeting, participant: Participant, note: str | None = None,
                   tokens: list[str] | None = None, posted: str | None = None) -> Response:
    """After a member's command: their own parts of the page, and the changed region
    (for a question just `posted`, that question placed in the list)."""
    if not is_htmx(request):
        response: Response = RedirectResponse(f"/meetings/{meeting.id}#questions-heading", status_code=303)
    else:
        settings = request.app.state.settings
        tokens = tokens if tokens is not None else my_tokens(request, meeting.id)
        # Posting changes no votes: the page keeps its #my-votes, and a busy meeting's
        # posts do not each work out this person's key for every open question.
        votes = (await service.my_votes(session, settings.secret_keys, participant, meeting.id)
                 if posted is None else set())
        mine = await service.mine(session, meeting.id, tokens)
        # The list as this page orders it (its address says, e.g. ?sort=time).
        sort = parse_qs(urlsplit(request.headers.get("hx-current-url", "")).query).get("sort", [None])[0]
        ctx = RegionContext(session, meeting.id, Audience.of(participant.is_facilitator, sort), personal={"votes": votes},
                            csrf_token=request.state.csrf_token)
        body = (await questions_after_posting(ctx, posted) if posted is not None
                else await render_regions(ctx, ("questions",)))
        body += render("questions/_mine.html", meeting=meeting, my_questions=mine, csrf_token=request.state.csrf_token)
        if posted is None:
            body += render("questions/_my_votes.html", my_vote_ids=sorted(votes))
        if note:
            body += render("_flash.html", message=note)
        response = HTMLResponse(body)
    if tokens is not None:
        remember_tokens(response, request, meeting.id, tokens)
    return response


# --- members -------------------------------------------------------------------------


@router.post("/meetings/{meeting_id}/questions", dependencies=[CsrfChecked])
async def ask(
    request: Request, session: SessionDep, asker: ParticipantOf, meeting_id: int,
    body: Annotated[str, Form(max_length=200_000)] = "",
    attribution: Annotated[str, Form(max_length=20)] = "anonymous",
    room_id: Annotated[int | None, Form()] = None,
):
    try:
        form = parse_form(QuestionAsk, {"body": body, "attribution": attribution})
        # Inside a breakout room: only its members may ask there.
        room = await my_room(session, asker.meeting, asker.participant, room_id) if room_id is not None else None
        await request.app.state.limiter.check(
            f"ask:{meeting_id}:{asker.participant.id}", QUESTIONS_PER_MINUTE, 60,
            "You have asked several questions in the last minute. Please wait {seconds} seconds and try again; "
            "your question is still in the box.",
        )
        question, token = await service.ask(session, asker.meeting, asker.participant, form, room)
    except DomainError as exc:
        if is_htmx(request):
            raise
        # Without JavaScript: show the room again with the message and their words kept.
        return await render_room(request, session, meeting_id, status_code=exc.status_code,
                                 ask_values={"body": body[:1000]}, ask_error=exc.detail)
    note = ("Your question was sent. A facilitator will review it before others see it."
            if question.status == QuestionStatus.pending else "Your question was posted.")
    return await _updated(request, session, asker.meeting, asker.participant, note,
                          tokens=[*my_tokens(request, meeting_id), token], posted=question.id)


@router.post("/meetings/{meeting_id}/questions/{question_id}/withdraw", dependencies=[CsrfChecked])
async def withdraw(request: Request, session: SessionDep, asker: ParticipantOf, meeting_id: int, question_id: str):
    tokens = my_tokens(request, meeting_id)
    await service.withdraw(session, asker.meeting, question_id, tokens)
    return await _updated(request, session, asker.meeting, asker.participant, "Your question was withdrawn.")


@router.post("/meetings/{meeting_id}/questions/{question_id}/vote", dependencies=[CsrfChecked])
async def vote(request: Request, session: SessionDep, settings: SettingsDep, asker: ParticipantOf, meeting_id: int,
               question_id: str):
    await request.app.state.limiter.check(f"vote:{meeting_id}:{asker.participant.id}", 60, 60,
                                    "That was a lot of votes in a minute. Please wait {seconds} seconds.")
    await service.toggle_vote(session, settings.secret_keys, asker.meeting, asker.participant, question_id)
    return await _updated(request, session, asker.meeting, asker.participant)


@router.post("/meetings/{meeting_id}/jargon", dependencies=[CsrfChecked])
async def jargon(request: Request, session: SessionDep, asker: ParticipantOf, meeting_id: int,
                 term: Annotated[str, Form(max_length=10_000)] = ""):
    form = parse_form(JargonAsk, {"term": term})
    await request.app.state.limiter.check(f"jargon:{meeting_id}:{asker.participant.id}", SIGNALS_PER_MINUTE, 60,
                                    "Please wait {seconds} seconds before sending another.")
    await service.signal_jargon(session, asker.meeting, form)
    note = "Thanks. The facilitator has been told, without your name."
    if not is_htmx(request):
        return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)
    return HTMLResponse(render("_flash.html", message=note))


# --- facilitators ----------------------------------------------------------------------


async def _moderated(request: Request, session, meeting_id: int) -> Response:
    from app.meetings.pages import done

    return await done(request, session, meeting_id, "questions", "question-review")


@router.post("/meetings/{meeting_id}/questions/review", dependencies=[CsrfChecked])
async def set_review(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int,
                     on: Annotated[str, Form(max_length=10)] = "true"):
    await service.set_review(session, f.meeting, on == "true")
    return await _moderated(request, session, meeting_id)


@router.post("/meetings/{meeting_id}/jargon/explained", dependencies=[CsrfChecked])
async def jargon_explained(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int):
    await service.jargon_explained(session, f.meeting)
    return await _moderated(request, session, meeting_id)


@router.post("/meetings/{meeting_id}/questions/{question_id}/{action}", dependencies=[CsrfChecked])
async def moderate(request: Request, session: SessionDep, f: FacilitatorOf, meeting_id: int, question_id: str,
                   action: str, answer: Annotated[str, Form(max_length=10_000)] = ""):
    if action not in service.MODERATION_ACTIONS:
        raise NotFound("Unknown action.")
    form = parse_form(QuestionAnswer, {"answer": answer}) if action == "answer" else None
    await service.moderate(session, f.meeting, question_id, action, form)
    return await _moderated(request, session, meeting_id)
