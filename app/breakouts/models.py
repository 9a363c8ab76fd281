"""Breakout rounds: one allocation of a meeting's participants into small rooms."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


class RoundStatus(StrEnum):
    draft = "draft"  # planned and previewed by the facilitator; nobody else sees it
    live = "live"
    closed = "closed"


class BreakoutRound(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    number: int
    status: RoundStatus = Field(default=RoundStatus.draft, max_length=10, sa_type=AutoString)
    rooms_requested: int | None = None
    room_size: int | None = None
    duration_minutes: int = 15
    separate_in_room: bool = True
    lay_buddy: bool = True
    prompt: str = Field(default="", max_length=500)
    seed: int = 0
    figures: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    problems: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    broadcast: str | None = Field(default=None, max_length=300)
    broadcast_at: datetime | None = None
    started_at: datetime | None = None
    ends_at: datetime | None = None
    closed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class BreakoutRoom(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="breakoutround.id", index=True, ondelete="CASCADE")
    index: int
    name: str = Field(max_length=60)
    in_room: bool | None = None  # a physical table, an online room, or mixed
    notes: str = Field(default="", max_length=5000)
    notes_version: int = 0
    notes_by: str | None = Field(default=None, max_length=60)
    help_requested: bool = False


class BreakoutSeat(SQLModel, table=True):
    """Who sits in which room in a round. Kept after the round: it is the history
    that lets later rounds and meetings avoid repeating groups."""

    __table_args__ = (UniqueConstraint("round_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="breakoutround.id", index=True, ondelete="CASCADE")
    room_id: int = Field(foreign_key="breakoutroom.id", index=True, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    moved_by_hand: bool = False


class BreakoutMessage(SQLModel, table=True):
    """The room chat. Named: it is a small group's conversation, not the anonymous chat."""

    id: int | None = Field(default=None, primary_key=True)
    room_id: int = Field(foreign_key="breakoutroom.id", index=True, ondelete="CASCADE")
    author_name: str = Field(max_length=60)
    author_role: str = Field(max_length=40)
    body: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
