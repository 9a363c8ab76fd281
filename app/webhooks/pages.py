"""The webhooks part of the community page: organisers only, every form CSRF-checked."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.communities.models import Community, Permission
from app.communities.pages import community_page
from app.communities.service import require_permission
from app.db import SessionDep
from app.errors import DomainError, Forbidden
from app.webhooks import service
from app.webhooks.schemas import WebhookCreate
from app.web.deps import CsrfChecked, SignedIn
from app.web.forms import FormInvalid, parse_form
from app.web.reveal import remember_new_secret

router = APIRouter(include_in_schema=False)


async def organiser_of(session, account, community_id: int) -> Community:
    try:
        return await require_permission(session, account, community_id, {Permission.organiser})
    except Forbidden as exc:
        raise Forbidden("Only the community's organisers can manage webhooks.") from exc


def _back(community_id: int) -> RedirectResponse:
    return RedirectResponse(f"/communities/{community_id}#webhooks", status_code=303)


@router.post("/communities/{community_id}/webhooks", dependencies=[CsrfChecked])
async def create_webhook(
    request: Request,
    session: SessionDep,
    account: SignedIn,
    community_id: int,
    url: Annotated[str, Form(max_length=2000)] = "",
    events: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006  (FastAPI copies defaults)
):
    community = await organiser_of(session, account, community_id)
    values = {"url": url, "events": [e for e in events if e in service.EVENT_TYPES]}
    try:
        form = parse_form(WebhookCreate, {"url": url, "events": events})
        webhook, secret = await service.create_webhook(session, request.app.state.settings, community, account.id, form)
    except FormInvalid as exc:
        return await community_page(request, session, account, community_id, 422,
                                    webhook_errors=exc.errors, webhook_values=values)
    except DomainError as exc:
        return await community_page(request, session, account, community_id, exc.status_code,
                                    webhook_errors={exc.field or "form": exc.detail}, webhook_values=values)
    # Post/Redirect/Get, as for API keys: a refresh must not register it twice. The
    # secret is shown once, on the page we redirect to.
    response = _back(community_id)
    remember_new_secret(request, response, account, community_id, "webhook", {"id": webhook.id, "secret": secret})
    return response


@router.post("/communities/{community_id}/webhooks/{webhook_id}/new-secret", dependencies=[CsrfChecked])
async def new_secret(request: Request, session: SessionDep, account: SignedIn, community_id: int, webhook_id: int):
    await organiser_of(session, account, community_id)
    webhook, secret = await service.replace_secret(session, request.app.state.settings, community_id, webhook_id)
    response = _back(community_id)
    remember_new_secret(request, response, account, community_id, "webhook",
                        {"id": webhook.id, "secret": secret, "replaced": True})
    return response


@router.post("/communities/{community_id}/webhooks/{webhook_id}/switch-off", dependencies=[CsrfChecked])
async def switch_off(session: SessionDep, account: SignedIn, community_id: int, webhook_id: int):
    await organiser_of(session, account, community_id)
    await service.set_active(session, community_id, webhook_id, False)
    return _back(community_id)


@router.post("/communities/{community_id}/webhooks/{webhook_id}/switch-on", dependencies=[CsrfChecked])
async def switch_on(session: SessionDep, account: SignedIn, community_id: int, webhook_id: int):
    await organiser_of(session, account, community_id)
    await service.set_active(session, community_id, webhook_id, True)
    return _back(community_id)


@router.post("/communities/{community_id}/webhooks/{webhook_id}/delete", dependencies=[CsrfChecked])
async def delete_webhook(session: SessionDep, account: SignedIn, community_id: int, webhook_id: int):
    await organiser_of(session, account, community_id)
    await service.delete_webhook(session, community_id, webhook_id)
    return _back(community_id)


@router.post("/communities/{community_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/send-again",
             dependencies=[CsrfChecked])
async def send_again(session: SessionDep, account: SignedIn, community_id: int, webhook_id: int, delivery_id: int):
    await organiser_of(session, account, community_id)
    await service.send_again(session, community_id, webhook_id, delivery_id)
    return _back(community_id)
