"""Showing a new API key once, across the redirect after the form that created it.

The create form answers with a redirect (Post/Redirect/Get), so refreshing the page
cannot make a second key. The key rides to the next page in the app's signed-cookie
mechanism (app.web.security.sign), as the account and participant do: the key is never
stored on the server, so there is nowhere else to keep it. The cookie is HttpOnly, only
sent to this community's pages, tied to the organiser who made the key, and lives
minutes at most; the first page that reads it deletes it, so a refresh shows nothing.
"""

from fastapi import Request, Response

from app.accounts.models import Account
from app.web.security import sign, unsign

NEW_KEY_COOKIE = "rt_new_key"
NEW_KEY_SALT = "new-api-key"
NEW_KEY_MAX_AGE = 5 * 60  # long enough for a slow redirect, short enough not to linger


def _path(community_id: int) -> str:
    return f"/communities/{community_id}"


def remember_new_key(request: Request, response: Response, account: Account, community_id: int, plaintext: str) -> None:
    settings = request.app.state.settings
    value = sign(settings.secret_key, NEW_KEY_SALT, {"account": account.id, "community": community_id, "key": plaintext})
    response.set_cookie(
        NEW_KEY_COOKIE, value, max_age=NEW_KEY_MAX_AGE, path=_path(community_id),
        httponly=True, samesite="strict", secure=settings.secure_cookies,
    )


def take_new_key(request: Request, account: Account, community_id: int) -> str | None:
    """The key to show on this page, if this organiser has just made one here."""
    settings = request.app.state.settings
    value = unsign(settings.secret_key, NEW_KEY_SALT, request.cookies.get(NEW_KEY_COOKIE), NEW_KEY_MAX_AGE)
    if not isinstance(value, dict) or value.get("account") != account.id or value.get("community") != community_id:
        return None
    key = value.get("key")
    return key if isinstance(key, str) else None


def forget_new_key(request: Request, response: Response, community_id: int) -> None:
    """Called by every page that could show the key, so it is shown at most once."""
    if NEW_KEY_COOKIE in request.cookies:
        settings = request.app.state.settings
        response.delete_cookie(NEW_KEY_COOKIE, path=_path(community_id), httponly=True, samesite="strict",
                               secure=settings.secure_cookies)
