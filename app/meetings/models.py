from datetime import datetime
from enum import StrEnum

from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


class MeetingStatus(StrEnum):
    scheduled = "scheduled"
    live = "live"
    ended = "ended"


class Meeting(SQLModel, table=True):
    """One live session of a community."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=160)
    scheduled_at: datetime | None = None
    venue: str = Field(default="", max_length=200)
    # Stored as text, not a database enum, so new statuses need no type migration.
    status: MeetingStatus = Field(default=MeetingStatus.scheduled, max_length=20, sa_type=AutoString)
    # The secret in the join link; None while the link is revoked.
    join_code: str | None = Field(default=None, max_length=64, unique=True, index=True)
    # Premoderation: questions wait for a facilitator's approval before others see them.
    review_questions: bool = False
    # Last sequence number given to an event of this meeting (see app/live/events.py).
    event_seq: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class AgendaItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    position: int
    title: str = Field(max_length=200)
    is_now: bool = False


class Participant(SQLModel, table=True):
    """One person's attendance at one meeting."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    display_name: str = Field(max_length=60)
    role: str = Field(max_length=40)
    in_room: bool = False
    # Set when a signed-in organiser or facilitator takes part as themselves.
    account_id: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    is_facilitator: bool = False
    # How many live sockets this person has open, across every worker; >0 means "here".
    live_connections: int = 0
    joined_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = None
    left_at: datetime | None = None
    removed: bool = False
    # Grows with every correction of role or place (the API's ETag; presence does not count).
    version: int = 0
    # Imported from a roster before the meeting; the first person to join with the
    # same name and role takes this place (and any room planned for it).
    from_roster: bool = False
