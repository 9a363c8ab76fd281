"""Questions and "what does that mean?" signals.

Anonymity the system can keep: an anonymous question has no author column at all,
a random id (so ids say nothing about order), a time rounded to the minute, and a
withdraw capability that only the asker's browser holds (we keep its hash). A
vote is stored as a keyed hash of (voter, question), never a participant id.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


def to_the_minute() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


class Attribution(StrEnum):
    anonymous = "anonymous"  # nobody, not even the facilitator, can see who asked
    role = "role"  # "a lay member asks"
    named = "named"


class QuestionStatus(StrEnum):
    pending = "pending"  # waiting for a facilitator to approve (premoderation)
    open = "open"
    answered = "answered"
    hidden = "hidden"


class Question(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=32)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    # Asked inside a breakout room: seen by that room and the facilitators only.
    breakout_room_id: int | None = Field(default=None, foreign_key="breakoutroom.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=1000)
    attribution: Attribution = Field(max_length=12, sa_type=AutoString)
    # Only for named questions; role-only questions keep just the role.
    author_name: str | None = Field(default=None, max_length=60)
    author_role: str | None = Field(default=None, max_length=40)
    status: QuestionStatus = Field(max_length=12, sa_type=AutoString)
    # Where a hidden question goes back to on "undo".
    status_before_hiding: QuestionStatus | None = Field(default=None, max_length=12, sa_type=AutoString)
    pinned: bool = False
    answer: str | None = Field(default=None, max_length=1000)
    vote_count: int = 0
    withdraw_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=to_the_minute)


class QuestionVote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("question_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: str = Field(foreign_key="question.id", index=True, ondelete="CASCADE", max_length=32)
    voter_key: str = Field(max_length=64)


class JargonSignal(SQLModel, table=True):
    """Someone did not understand a term. No author, random id, minute precision."""

    id: str = Field(primary_key=True, max_length=32)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    term: str = Field(default="", max_length=60)
    explained: bool = False
    created_at: datetime = Field(default_factory=to_the_minute)
