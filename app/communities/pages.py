from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.apikeys import service as apikey_service
from app.communities import service
from app.communities.models import FACILITATING, Permission
from app.communities.schemas import CommunityCreate, MemberAdd
from app.db import SessionDep
from app.errors import DomainError
from app.meetings.service import meetings_of
from app.web.deps import CsrfChecked, CurrentAccount, SignedIn
from app.web.forms import FormInvalid, lines, parse_form
from app.web.reveal import forget_new_secrets, take_new_secret
from app.web.templating import page
from app.webhooks import service as webhook_service

router = APIRouter(include_in_schema=False)

COMMON_TIMEZONES = ["Europe/London", "Europe/Dublin", "Europe/Paris", "UTC"]


def timezone_choices() -> list[str]:
    return COMMON_TIMEZONES + sorted(available_timezones() - set(COMMON_TIMEZONES))


@router.get("/")
async def home(request: Request, session: SessionDep, account: CurrentAccount):
    communities = await service.communities_of(session, account) if account else []
    return page(request, "home.html", communities=communities)


@router.get("/communities/new")
async def new_community_form(request: Request, account: SignedIn):
    return page(request, "communities/new.html", values={"timezone": "Europe/London"}, errors={},
                timezones=timezone_choices())


@router.post("/communities", dependencies=[CsrfChecked])
async def create_community(
    request: Request,
    session: SessionDep,
    account: SignedIn,
    name: Annotated[str, Form(max_length=2000)] = "",
    purpose: Annotated[str, Form(max_length=10000)] = "",
    timezone: Annotated[str, Form(max_length=100)] = "Europe/London",
    extra_roles: Annotated[str, Form(max_length=5000)] = "",
):
    values = {"name": name, "purpose": purpose, "timezone": timezone, "extra_roles": extra_roles}
    try:
        form = parse_form(
            CommunityCreate,
            {"name": name, "purpose": purpose, "timezone": timezone, "extra_roles": lines(extra_roles)},
        )
    except FormInvalid as exc:
        return page(request, "communities/new.html", status_code=422, values=values, errors=exc.errors,
                    timezones=timezone_choices())
    community = await service.create_community(session, account, form)
    return RedirectResponse(f"/communities/{community.id}", status_code=303)


async def community_page(request: Request, session, account, community_id: int, status_code: int = 200, **extra):
    permission = await service.permission_in(session, account, community_id)
    community = await service.require_permission(session, account, community_id, set(Permission))
    organiser = permission == Permission.organiser
    settings = request.app.state.settings
    return page(
        request,
        "communities/show.html",
        status_code=status_code,
        community=community,
        permission=permission,
        can_facilitate=permission in FACILITATING,
        is_organiser=organiser,
        meetings=await meetings_of(session, community_id),
        members=await service.members_of(session, community_id),
        api_keys=await apikey_service.keys_of(session, community_id) if organiser else [],
        webhooks=await webhook_service.section(session, settings, community_id) if organiser else None,
        **{"meeting_values": {}, "meeting_errors": {}, "member_errors": {}, "key_errors": {}, "new_key": None, **extra},
    )


@router.get("/communities/{community_id}")
async def show_community(request: Request, session: SessionDep, account: SignedIn, community_id: int):
    new_key = take_new_secret(request, account, community_id, "api_key")
    new_webhook = take_new_secret(request, account, community_id, "webhook")
    response = await community_page(request, session, account, community_id,
                                    new_key=new_key and new_key.get("key"), new_webhook=new_webhook)
    forget_new_secrets(request, response, community_id)
    if new_key or new_webhook:
        response.headers["Cache-Control"] = "no-store"  # not from the cache, nor the back button
    return response


@router.post("/communities/{community_id}/members", dependencies=[CsrfChecked])
async def add_member(
    request: Request,
    session: SessionDep,
    account: SignedIn,
    community_id: int,
    email: Annotated[str, Form(max_length=1000)] = "",
    permission: Annotated[str, Form(max_length=20)] = "facilitator",
):
    community = await service.require_permission(session, account, community_id, {Permission.organiser})
    try:
        form = parse_form(MemberAdd, {"email": email, "permission": permission})
        await service.add_member(session, community, form)
    except FormInvalid as exc:
        return await community_page(request, session, account, community_id, 422, member_errors=exc.errors)
    except DomainError as exc:
        return await community_page(request, session, account, community_id, exc.status_code,
                                    member_errors={"email": exc.detail})
    return RedirectResponse(f"/communities/{community_id}#members", status_code=303)
