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


class AccountSession(SQLModel, table=True):
    """One browser signed in to an account. Its cookie carries a random token; only
    the token's hash is kept, so a copy of the database signs nobody in. Logging out
    deletes the row: a copy of the cookie taken earlier stops working with it."""

    id: str = Field(primary_key=True, max_length=64)  # SHA-256 of the token, hex
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
