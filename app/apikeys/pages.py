from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.apikeys import service
from app.apikeys.schemas import ApiKeyCreate
from app.communities.models import Permission
from app.communities.pages import community_page
from app.communities.service import require_permission
from app.db import SessionDep
from app.web.deps import CsrfChecked, SignedIn
from app.web.forms import FormInvalid, parse_form
from app.web.reveal import remember_new_secret

router = APIRouter(include_in_schema=False)


@router.post("/communities/{community_id}/api-keys", dependencies=[CsrfChecked])
async def create_key(
    request: Request,
    session: SessionDep,
    account: SignedIn,
    community_id: int,
    name: Annotated[str, Form(max_length=1000)] = "",
    access: Annotated[str, Form(max_length=20)] = "read",
    expires_at: Annotated[str, Form(max_length=40)] = "",
):
    community = await require_permission(session, account, community_id, {Permission.organiser})
    try:
        form = parse_form(ApiKeyCreate, {"name": name, "access": access, "expires_at": expires_at or None})
    except FormInvalid as exc:
        return await community_page(request, session, account, community_id, 422, key_errors=exc.errors)
    key, plaintext = await service.create_key(session, community, account, form)
    # Post/Redirect/Get: a refresh of the page that shows the key must not make another.
    # The key is shown once, on the page we redirect to; never stored or logged.
    response = RedirectResponse(f"/communities/{community_id}#api-keys", status_code=303)
    remember_new_secret(request, response, account, community_id, "api_key", {"key": plaintext})
    return response


@router.post("/communities/{community_id}/api-keys/{key_id}/revoke", dependencies=[CsrfChecked])
async def revoke_key(session: SessionDep, account: SignedIn, community_id: int, key_id: int):
    community = await require_permission(session, account, community_id, {Permission.organiser})
    await service.revoke_key(session, community, key_id)
    return RedirectResponse(f"/communities/{community_id}#api-keys", status_code=303)
