"""Showing a new secret once (an API key, a webhook's signing secret), across the
redirect after the form that made it.

Create forms answer with a redirect (Post/Redirect/Get), so refreshing the page
cannot make a second key or webhook. The secret rides to the next page in the app's
signed-cookie mechanism (app.web.security.sign), as the account and participant do:
an API key is never stored on the server, so there is nowhere else to keep it. The
cookie is HttpOnly, only sent to this community's pages, tied to the organiser who
made the secret, and lives minutes at most; the first page that reads it deletes it,
so a refresh shows nothing.
"""

from typing import Any

from fastapi import Request, Response

from app.accounts.models import Account
from app.web.security import sign, unsign

NEW_SECRET_COOKIE = "rt_new_secret"
NEW_SECRET_SALT = "new-secret"
NEW_SECRET_MAX_AGE = 5 * 60  # long enough for a slow redirect, short enough not to linger


def _path(community_id: int) -> str:
    return f"/communities/{community_id}"


def remember_new_secret(request: Request, response: Response, account: Account, community_id: int,
                        kind: str, shown: dict[str, Any]) -> None:
    """Carry `shown` (what the page shows of the new `kind` of secret) to the next page."""
    settings = request.app.state.settings
    value = sign(settings.secret_key, NEW_SECRET_SALT,
                 {"account": account.id, "community": community_id, "kind": kind, "shown": shown})
    response.set_cookie(
        NEW_SECRET_COOKIE, value, max_age=NEW_SECRET_MAX_AGE, path=_path(community_id),
        httponly=True, samesite="strict", secure=settings.secure_cookies,
    )


def take_new_secret(request: Request, account: Account, community_id: int) -> tuple[str, dict[str, Any]] | None:
    """The kind and details of the secret to show on this page, if this organiser has
    just made one here."""
    settings = request.app.state.settings
    value = unsign(settings.secret_key, NEW_SECRET_SALT, request.cookies.get(NEW_SECRET_COOKIE), NEW_SECRET_MAX_AGE)
    if not isinstance(value, dict) or value.get("account") != account.id or value.get("community") != community_id:
        return None
    kind, shown = value.get("kind"), value.get("shown")
    return (kind, shown) if isinstance(kind, str) and isinstance(shown, dict) else None


def forget_new_secret(request: Request, response: Response, community_id: int) -> None:
    """Called by every page that could show the secret, so it is shown at most once."""
    if NEW_SECRET_COOKIE in request.cookies:
        settings = request.app.state.settings
        response.delete_cookie(NEW_SECRET_COOKIE, path=_path(community_id), httponly=True, samesite="strict",
                               secure=settings.secure_cookies)
