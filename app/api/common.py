"""Conventions every /api/v1 endpoint follows: key auth, problem details, pagination."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field

from app.apikeys.models import ApiKey
from app.apikeys.service import key_for
from app.communities.service import MAX_ID
from app.db import SessionDep
from app.errors import DomainError, Forbidden, NotFound

T = TypeVar("T")


class FieldProblem(BaseModel):
    field: str | None = Field(description="The field at fault, dotted for nested fields")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = None


def _problem(description: str) -> dict:
    # "model" puts Problem in the components (and, as FastAPI does, under application/json);
    # the schema must also be under the media type the errors are actually sent as.
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"model": Problem, "description": description,
            "content": {"application/problem+json": {"schema": schema}}}


PROBLEMS = {
    401: _problem("No API key, or the key is unknown, revoked or expired"),
    403: _problem("The key lacks the scope this needs"),
    404: _problem("Not found, or not in the key's community"),
    422: _problem("The request was not valid; `errors` names each field at fault"),
    # Any request with a key counts towards its limit (settings.api_requests_per_minute).
    429: {**_problem("This key has made too many requests this minute"),
          "headers": {"Retry-After": {"description": "Seconds to wait before trying again",
                                      "schema": {"type": "integer"}}}},
}
CONFLICT = {409: _problem("The request conflicts with the current state")}


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last page")


class Unauthorized(DomainError):
    status_code = 401
    title = "Unauthorized"


bearer = HTTPBearer(auto_error=False, description="An API key created by a community organiser")


async def api_key(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None:
        raise Unauthorized("Send an API key: 'Authorization: Bearer <key>'.")
    key = await key_for(session, credentials.credentials)
    if key is None:
        raise Unauthorized("This API key is not valid: it may have been revoked or have expired.")
    await request.app.state.limiter.check(
        f"api:{key.id}", request.app.state.settings.api_requests_per_minute, 60,
        "This API key has made too many requests. Try again in {seconds} seconds.",
    )
    request.state.api_key = key
    return key


ApiKeyDep = Annotated[ApiKey, Depends(api_key)]


def needs_write(key: ApiKeyDep) -> ApiKey:
    if not key.allows("write"):
        raise Forbidden("This API key can only read. Ask an organiser for a key with write access.")
    return key


WriteKey = Annotated[ApiKey, Depends(needs_write)]


async def meeting_for_key(session, key: ApiKey, meeting_id: int):
    """The meeting, if it belongs to the key's community; otherwise the same 404 as
    for a meeting that does not exist."""
    from app.meetings.service import get_meeting

    meeting = await get_meeting(session, meeting_id)
    if meeting.community_id != key.community_id:
        raise NotFound("There is no such meeting.")
    return meeting


def own_community(key: ApiKey, community_id: int) -> None:
    """A key never reaches another community's data: it looks exactly like absence."""
    if key.community_id != community_id:
        raise NotFound("There is no such community.")


Limit = Annotated[int, Query(ge=1, le=100, description="How many items per page")]


def _cursor_in_range(value: str | None) -> str | None:
    if value is not None and int(value) > MAX_ID:
        raise ValueError("This is not a cursor from this API; pass back `next_cursor` from the previous page")
    return value


Cursor = Annotated[str | None, Query(max_length=20, pattern=r"^\d+$", description="From `next_cursor` of the previous page"),
                   AfterValidator(_cursor_in_range)]


def page_of(items: list, limit: int, key=lambda item: item.id) -> tuple[list, str | None]:
    """Callers fetch limit+1 rows ordered by id; the extra one says there is more."""
    if len(items) > limit:
        return items[:limit], str(key(items[limit - 1]))
    return items, None


def window_of(items: list, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """A page of a list that is already whole in memory (short, capped lists, or an
    order with no unique key): the cursor is a position in it."""
    start = int(cursor) if cursor else 0
    return items[start:start + limit], str(start + limit) if start + limit < len(items) else None
