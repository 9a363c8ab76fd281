"""Room display links: make, replace, switch off, and find a meeting by one."""

import logging
import re
import secrets

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.display.models import DisplayLink
from app.errors import NotFound
from app.meetings.models import Meeting

log = logging.getLogger("roundtable.display")

CODE_BYTES = 18  # 24 URL-safe characters, as hard to guess as the join link


def link_listener(meeting_id: int) -> int:
    """The id displays opened with a meeting's display link listen under on the live
    hub (no participant has a negative id), so switching the link off reaches them."""
    return -meeting_id


async def link_of(session: AsyncSession, meeting_id: int) -> DisplayLink | None:
    return await session.get(DisplayLink, meeting_id)


async def make_link(session: AsyncSession, meeting: Meeting) -> DisplayLink:
    """A new display link; the old one (if any) stops working."""
    link = await session.get(DisplayLink, meeting.id)
    if link is None:
        link = DisplayLink(meeting_id=meeting.id, code="")
    link.code = secrets.token_urlsafe(CODE_BYTES)
    session.add(link)
    await session.commit()
    log.info("meeting %s: display link made", meeting.id)
    return link


async def switch_off(session: AsyncSession, meeting: Meeting) -> None:
    link = await session.get(DisplayLink, meeting.id)
    if link is not None:
        await session.delete(link)
        await session.commit()
        log.info("meeting %s: display link switched off", meeting.id)


async def meeting_by_code(session: AsyncSession, code: str) -> Meeting:
    gone = NotFound("This display link does not work. It may have been replaced or switched off: "
                    "ask the facilitator for the current one.")
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", code or ""):  # also keeps NUL away from PostgreSQL
        raise gone
    link = (await session.exec(select(DisplayLink).where(DisplayLink.code == code))).first()
    if link is None:
        raise gone
    meeting = await session.get(Meeting, link.meeting_id)
    if meeting is None:
        raise gone
    return meeting
