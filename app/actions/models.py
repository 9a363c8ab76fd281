"""Actions: tasks with owners that belong to a community and outlive its meetings.

An action keeps the meeting it was made in (if any), where it came from (a
question, a breakout room's notes, an icebreaker answer: `source_type` +
`source_id`, with a short excerpt so the link still means something if the source
is deleted), its owners, and a history of every change. `version` grows by one on
every change to the action itself; writers say which version they saw, and a
stale one is refused (see service.update), so nobody's change is silently lost.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


class ActionStatus(StrEnum):
    proposed = "proposed"  # a member's suggestion, waiting for a facilitator
    open = "open"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"
    declined = "declined"  # a proposal a facilitator did not take up


STATUS_LABELS = {
    ActionStatus.proposed: "Proposed",
    ActionStatus.open: "Open",
    ActionStatus.in_progress: "In progress",
    ActionStatus.done: "Done",
    ActionStatus.dropped: "Dropped",
    ActionStatus.declined: "Declined",
}
# Still to do: these are carried over to the next meeting and can be overdue.
UNFINISHED = (ActionStatus.open, ActionStatus.in_progress)
# Real actions (not proposals, not declined ones).
TRACKED = (ActionStatus.open, ActionStatus.in_progress, ActionStatus.done, ActionStatus.dropped)


class Action(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    # The meeting it was created in; kept (as null) if that meeting is deleted.
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True, ondelete="SET NULL")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    status: ActionStatus = Field(default=ActionStatus.open, max_length=20, sa_type=AutoString, index=True)
    due_date: date | None = Field(default=None, index=True)
    version: int = 1
    created_by: str = Field(default="", max_length=80)
    # Where it came from, e.g. ("question", "3fa9..."), ("breakout_room", "12").
    source_type: str | None = Field(default=None, max_length=30)
    source_id: str | None = Field(default=None, max_length=64)
    source_label: str | None = Field(default=None, max_length=80)
    source_excerpt: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ActionOwner(SQLModel, table=True):
    """A member (their participant record in one of the community's meetings) or a
    named person who has no account and was perhaps never at a meeting."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    display_name: str = Field(max_length=60)
    # The name as compared (app.actions.schemas.name_key): "my actions" and the owner filter use it.
    name_key: str = Field(default="", max_length=120, index=True)
    role: str | None = Field(default=None, max_length=40)
    participant_id: int | None = Field(default=None, foreign_key="participant.id", index=True, ondelete="SET NULL")
    position: int = 0


class ActionChange(SQLModel, table=True):
    """One line of an action's history: a field that changed, or a progress note."""

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow)
    who: str = Field(max_length=80)
    # The meeting the change was made in, if any (so a meeting's review shows what it did).
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True, ondelete="SET NULL")
    # "created", "title", "description", "status", "due_date", "owners", or None for a note.
    field: str | None = Field(default=None, max_length=20)
    old: str | None = Field(default=None, max_length=2000)
    new: str | None = Field(default=None, max_length=2000)
    note: str | None = Field(default=None, max_length=1000)


class ActionFeed(SQLModel, table=True):
    """The secret address of a community's calendar of due dates. Only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", unique=True, index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
