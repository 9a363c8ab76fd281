import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.db import UtcDateTime

from app.communities.models import Permission, RoleOption


# Control characters (other than white space) have no place in what people type, and
# PostgreSQL refuses NUL in text outright (a 500), so they are dropped at the edge.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(value: str) -> str:
    return _CONTROL.sub("", value)


def clean_text(value: str) -> str:
    """Collapse runs of white space; a name of only spaces is no name."""
    return " ".join(strip_controls(value).split())


def clean_email(value: str) -> str:
    value = value.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or not value.isprintable():
        raise ValueError("Enter an email address like name@example.org")
    return value


def slugify(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:40]


class CommunityCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120, examples=["MSK Community of Practice"])
    purpose: str = Field(default="", max_length=2000, examples=["Turning musculoskeletal research into local care."])
    timezone: str = Field(default="Europe/London", max_length=64)
    extra_roles: list[str] = Field(default_factory=list, max_length=20, description="Roles beyond the defaults")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Give the community a name")
        return value

    @field_validator("purpose")
    @classmethod
    def _purpose(cls, value: str) -> str:
        return strip_controls(value).strip()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError("Choose a time zone from the list, such as Europe/London")
        try:
            ZoneInfo(value)
        except ZoneInfoNotFoundError as exc:  # pragma: no cover - tzdata is a dependency
            raise ValueError("Unknown time zone") from exc
        return value

    @field_validator("extra_roles")
    @classmethod
    def _roles(cls, value: list[str]) -> list[str]:
        roles = [clean_text(v)[:60] for v in value if clean_text(v)]
        if any(not slugify(r) for r in roles):
            raise ValueError("Each extra role needs at least one letter or number")
        return roles


class CommunityPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    purpose: str
    timezone: str
    roles: list[RoleOption]
    created_at: UtcDateTime


class MemberAdd(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    permission: Permission = Permission.facilitator

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return clean_email(value)


class MemberPublic(BaseModel):
    account_id: int
    display_name: str
    email: str
    permission: Permission
