from datetime import datetime

from sqlmodel import Field, SQLModel

from app.db import utcnow


class ApiKey(SQLModel, table=True):
    """A credential an integration uses for one community. Only its hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    prefix: str = Field(max_length=16)  # shown in lists so people can tell keys apart
    key_hash: str = Field(max_length=64, unique=True, index=True)
    scopes: str = Field(default="read", max_length=40)  # "read" or "read write"
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes.split()
