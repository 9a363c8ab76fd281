from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


class Permission(StrEnum):
    """What someone may do in a community (not their stakeholder role)."""

    organiser = "organiser"
    facilitator = "facilitator"
    member = "member"


FACILITATING = {Permission.organiser, Permission.facilitator}


class RoleOption(BaseModel):
    """A stakeholder role a community uses: a stable slug and the words people see."""

    model_config = ConfigDict(frozen=True)
    slug: str
    label: str


DEFAULT_ROLES: tuple[RoleOption, ...] = (
    RoleOption(slug="lay", label="Lay member or patient"),
    RoleOption(slug="carer", label="Carer"),
    RoleOption(slug="clinician", label="Clinician"),
    RoleOption(slug="gp", label="GP"),
    RoleOption(slug="commissioner", label="Commissioner"),
    RoleOption(slug="manager", label="Service manager"),
    RoleOption(slug="academic", label="Academic or researcher"),
    RoleOption(slug="facilitator", label="Facilitator"),
    RoleOption(slug="other", label="Other"),
)
# Roles whose people the breakout allocator keeps from being the only one in a room.
LAY_ROLES = frozenset({"lay", "carer"})


class CommunityBase(SQLModel):
    name: str = Field(min_length=1, max_length=120)
    purpose: str = Field(default="", max_length=2000)
    timezone: str = Field(default="Europe/London", max_length=64)


class Community(CommunityBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    roles: list[dict] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def role_options(self) -> list[RoleOption]:
        return [RoleOption(**r) for r in self.roles]

    def role_label(self, slug: str) -> str:
        for role in self.role_options:
            if role.slug == slug:
                return role.label
        return slug


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    permission: Permission = Field(max_length=20, sa_type=AutoString)
    created_at: datetime = Field(default_factory=utcnow)
