from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import utcnow


class Account(SQLModel, table=True):
    """An organiser or facilitator who signs in. Members join meetings without one."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
