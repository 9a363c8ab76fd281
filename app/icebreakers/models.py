"""Icebreakers: a community's own prompts, and each run of an icebreaker in a meeting.

The built-in prompts live in app/icebreakers/bank.py; a community stores only the
prompts it writes (`IcebreakerPrompt`) and the built-in ones it retired
(`RetiredBuiltinPrompt`).

An answer carries no participant id: "one answer per person, editable until close"
is kept by a keyed hash of (participant, run), as question votes are. In an
anonymous run it carries nothing else about its author either: no name, no role,
a random id and a time rounded to the minute. Pair-up groups are named by nature
(each pair must find each other), and are kept as the history of who has met.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow
from app.icebreakers.bank import Mode


def to_the_minute() -> datetime:
    return utcnow().replace(second=0, microsecond=0)


class RunStatus(StrEnum):
    running = "running"
    closed = "closed"


class IcebreakerPrompt(SQLModel, table=True):
    """A prompt a community wrote for itself."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    category: str = Field(max_length=20)
    mode: Mode = Field(max_length=12, sa_type=AutoString)
    text: str = Field(max_length=300)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    retired: bool = False
    # Grows with every change (edit, retire, restore): the API's ETag.
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RetiredBuiltinPrompt(SQLModel, table=True):
    """A built-in prompt this community no longer wants offered."""

    __table_args__ = (UniqueConstraint("community_id", "prompt_key"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    prompt_key: str = Field(max_length=40)
    retired_at: datetime = Field(default_factory=utcnow)


class IcebreakerRun(SQLModel, table=True):
    """One icebreaker launched in a meeting. The prompt is copied in, so the record
    stays true when the bank changes."""

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    # Where the prompt came from: a built-in key, "custom-<id>", or None (written on the spot).
    prompt_id: str | None = Field(default=None, max_length=40)
    category: str | None = Field(default=None, max_length=20)
    mode: Mode = Field(max_length=12, sa_type=AutoString)
    text: str = Field(max_length=300)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    anonymous: bool = True
    group_size: int = 2  # pair up: 2 (pairs) or 3 (threes)
    status: RunStatus = Field(default=RunStatus.running, max_length=10, sa_type=AutoString)
    launched_at: datetime = Field(default_factory=utcnow)
    ends_at: datetime | None = None  # pair up: when the talking time is over
    closed_at: datetime | None = None


class IcebreakerAnswer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("run_id", "answer_key"),)

    id: str = Field(primary_key=True, max_length=32)  # random: ids say nothing about who or when
    run_id: int = Field(foreign_key="icebreakerrun.id", index=True, ondelete="CASCADE")
    answer_key: str = Field(max_length=64)  # keyed hash of (participant, run)
    position: int  # order on the wall; kept when an answer is changed
    text: str = Field(default="", max_length=280)
    choice: int | None = None  # polls: index into the run's choices
    # Only in named runs.
    author_name: str | None = Field(default=None, max_length=60)
    author_role: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=to_the_minute)


class IcebreakerGroupMember(SQLModel, table=True):
    """Pair up: who was grouped with whom (also the history of who has met)."""

    __table_args__ = (UniqueConstraint("run_id", "participant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="icebreakerrun.id", index=True, ondelete="CASCADE")
    group_no: int
    participant_id: int = Field(foreign_key="participant.id", index=True, ondelete="CASCADE")
    joined_late: bool = False
