"""The room display link: lets a projector PC that nobody signs in on show a meeting."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import utcnow


class DisplayLink(SQLModel, table=True):
    """At most one per meeting. Like the join link it is a random secret in a URL,
    kept so the facilitator can copy it again; replacing it or switching it off
    stops every display that used the old one at once."""

    meeting_id: int = Field(primary_key=True, foreign_key="meeting.id", ondelete="CASCADE")
    code: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
