"""Lost updates prevented with ETags (RFC 9110), one way for everything that has a
version: actions, a community's own icebreaker prompts, participants and a breakout
room's notes.

Every read of one such thing returns `ETag: "<version>"`; a change needs `If-Match`
with it: 428 without one (or with `*`, which would let a stale write through), 412 if
the thing has changed since. The service does the write as `UPDATE ... WHERE version
= ?` and raises StaleVersion when another change got there first, so two writers can
never both win, however the requests interleave.
"""

from contextlib import contextmanager
from typing import Annotated

from fastapi import Header, Response

from app.api.common import Problem
from app.errors import PreconditionFailed, PreconditionRequired, StaleVersion


def _problem(description: str) -> dict:
    return {"model": Problem, "description": description, "content": {"application/problem+json": {}}}


def preconditions(thing: str) -> dict:
    """The 412 and 428 answers of a change guarded by If-Match, for the OpenAPI schema."""
    return {
        412: _problem(f"`If-Match` does not name the current version: someone changed the {thing} since you read it"),
        428: _problem("`If-Match` is missing: send the ETag from your last read"),
    }


def etag_header(thing: str) -> dict:
    return {"headers": {"ETag": {"description": f'The {thing}\'s version, e.g. `"3"`; send it back as `If-Match`',
                                 "schema": {"type": "string"}}}}


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=200,
                                       description='The ETag from your last read, e.g. `"3"`')]


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def _changed(thing: str, current: int) -> PreconditionFailed:
    return PreconditionFailed(f"This {thing} has changed since you read it (it is now version {current}). "
                              "Read it again and retry.")


def expected_version(if_match: str | None, current: int, thing: str) -> int:
    """RFC 9110 If-Match with strong comparison against the version now stored."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(f'Send If-Match with the ETag from your last read of this {thing}, e.g. If-Match: "3".')
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        raise PreconditionRequired('If-Match: * is not accepted here; send the ETag you read, e.g. If-Match: "3".')
    if etag(current) not in tags:
        raise _changed(thing, current)
    return current


@contextmanager
def stale_is_412(thing: str):
    """A change that lost the race in the service (changed between our check and the write)."""
    try:
        yield
    except StaleVersion as exc:
        raise _changed(thing, exc.current_version) from exc
