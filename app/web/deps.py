"""Typed dependencies: who is asking, and what they may do."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from app.accounts import service as accounts
from app.accounts.models import Account
from app.config import Settings
from app.db import SessionDep
from app.meetings.models import Meeting, Participant
from app.web.security import (
    ACCOUNT_COOKIE,
    ACCOUNT_MAX_AGE,
    ACCOUNT_SALT,
    PARTICIPANT_MAX_AGE,
    participant_cookie,
    unsign,
    verify_csrf,
)


def is_htmx(request: HTTPConnection) -> bool:
    """The request came from htmx (answer with fragments), not a plain form post."""
    return request.headers.get("hx-request") == "true"


class LoginRequired(Exception):
    """Raised by page routes that need a signed-in organiser; becomes a redirect."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def get_settings_dep(connection: HTTPConnection) -> Settings:
    return connection.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_current_account(connection: HTTPConnection, session: SessionDep) -> Account | None:
    settings: Settings = connection.app.state.settings
    token = unsign(settings.secret_keys, ACCOUNT_SALT, connection.cookies.get(ACCOUNT_COOKIE), ACCOUNT_MAX_AGE)
    if not isinstance(token, str):
        return None
    account = await accounts.account_for(session, token)
    connection.state.account = account  # for the page layout
    return account


CurrentAccount = Annotated[Account | None, Depends(get_current_account)]


async def require_account(request: Request, account: CurrentAccount) -> Account:
    if account is None:
        raise LoginRequired(request.url.path)
    return account


SignedIn = Annotated[Account, Depends(require_account)]
CsrfChecked = Depends(verify_csrf)


async def participant_from_cookie(connection: HTTPConnection, session: SessionDep, meeting: Meeting) -> Participant | None:
    """The participant this browser joined the meeting as, if it still may take part."""
    settings: Settings = connection.app.state.settings
    value = unsign(
        settings.secret_keys, "participant", connection.cookies.get(participant_cookie(meeting.id)), PARTICIPANT_MAX_AGE
    )
    if not isinstance(value, int):
        return None
    participant = await session.get(Participant, value)
    if participant is None or participant.meeting_id != meeting.id or participant.removed:
        return None
    return participant
