from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import utcnow


class MeetingEvent(SQLModel, table=True):
    """Every event of a meeting, kept so a reconnecting integration can catch up.

    Written in the same transaction as the change it describes (an outbox), and
    published only after that transaction commits. Never holds an anonymous author.
    """

    __table_args__ = (UniqueConstraint("meeting_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    seq: int
    type: str = Field(max_length=60)
    data: dict = Field(sa_column=Column(JSON, nullable=False))
    # To the minute only: finer times, set beside an arrival or a vote, could help
    # tell who posted an anonymous question. `seq` gives the order.
    created_at: datetime = Field(default_factory=lambda: utcnow().replace(second=0, microsecond=0))


class LiveWorker(SQLModel, table=True):
    """A running app process that holds live sockets, seen alive at its last heartbeat.
    When a process dies without closing its sockets (killed, host lost), another one
    finds the stale heartbeat and takes its people out of "who is here"."""

    id: str = Field(primary_key=True, max_length=32)
    heartbeat_at: datetime = Field(default_factory=utcnow, index=True)


class LiveHold(SQLModel, table=True):
    """How many of one participant's sockets a worker holds: what to undo if it dies."""

    worker_id: str = Field(foreign_key="liveworker.id", primary_key=True, max_length=32, ondelete="CASCADE")
    participant_id: int = Field(foreign_key="participant.id", primary_key=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    connections: int = 0
