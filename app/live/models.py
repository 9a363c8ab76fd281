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
