"""Showing a new secret once (an API key, a webhook's signing secret), across the
redirect after the form that made it.

Create forms answer with a redirect (Post/Redirect/Get), so refreshing the page
cannot make a second key or webhook. The secret rides to the next page in a cookie:
an API key is never stored on the server, so there is nowhere else to keep it. The
cookie is encrypted, not just signed (a proxy's log or a saved browser trace shows
nothing), HttpOnly, only sent to this community's pages, tied to the organiser who
made the secret, one per kind (a key made in one tab and a webhook in another do not
overwrite each other), and lives minutes at most; the first page that reads it
deletes it, so a refresh shows nothing.
"""

import json
from typing import Any, Literal

from cryptography.fernet import InvalidToken
from fastapi import Request, Response

from app.accounts.models import Account
from app.web.security import fernet_for

SecretKind = Literal["api_key", "webhook"]
KINDS: tuple[SecretKind, ...] = ("api_key", "webhook")
NEW_SECRET_MAX_AGE = 5 * 60  # long enough for a slow redirect, short enough not to linger
PURPOSE = "a new secret shown once"
MAX_COOKIE = 2048  # what we write is a few hundred characters; anything longer is not ours


def _cookie(kind: SecretKind) -> str:
    return f"rt_new_{kind}"


def _path(community_id: int) -> str:
    return f"/communities/{community_id}"


def remember_new_secret(request: Request, response: Response, account: Account, community_id: int,
                        kind: SecretKind, shown: dict[str, Any]) -> None:
    """Carry `shown` (the new secret, and what the page needs to say about it; keep it
    short: ids, not addresses) to the next page."""
    settings = request.app.state.settings
    payload = json.dumps({"account": account.id, "community": community_id, "shown": shown})
    value = fernet_for(settings.secret_key, PURPOSE).encrypt(payload.encode()).decode()
    response.set_cookie(
        _cookie(kind), value, max_age=NEW_SECRET_MAX_AGE, path=_path(community_id),
        httponly=True, samesite="strict", secure=settings.secure_cookies,
    )


def take_new_secret(request: Request, account: Account, community_id: int, kind: SecretKind) -> dict[str, Any] | None:
    """What to show of the `kind` of secret this organiser has just made here, if any."""
    token = request.cookies.get(_cookie(kind))
    if not token or len(token) > MAX_COOKIE:
        return None
    fernet = fernet_for(request.app.state.settings.secret_keys, PURPOSE)
    try:
        value = json.loads(fernet.decrypt(token.encode(), ttl=NEW_SECRET_MAX_AGE))
    except (InvalidToken, ValueError):
        return None
    if not isinstance(value, dict) or value.get("account") != account.id or value.get("community") != community_id:
        return None
    shown = value.get("shown")
    return shown if isinstance(shown, dict) else None


def forget_new_secrets(request: Request, response: Response, community_id: int) -> None:
    """Called by every page that could show a secret, so each is shown at most once."""
    settings = request.app.state.settings
    for kind in KINDS:
        if _cookie(kind) in request.cookies:
            response.delete_cookie(_cookie(kind), path=_path(community_id), httponly=True, samesite="strict",
                                   secure=settings.secure_cookies)
