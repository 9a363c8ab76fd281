from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from app.db import UtcDateTime

from app.communities.schemas import clean_text
from app.meetings.models import MeetingStatus


def _required_text(value: str, message: str) -> str:
    value = clean_text(value)
    if not value:
        raise ValueError(message)
    return value


class AgendaItemCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200, examples=["Actions from last time"])

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _required_text(value, "Give the agenda item a title")


class AgendaItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    position: int
    title: str
    is_now: bool


class MeetingCreate(BaseModel):
    title: str = Field(min_length=1, max_length=160, examples=["Spring meeting: back pain pathway"])
    scheduled_at: datetime | None = Field(
        default=None,
        description="Start time. Without a zone it is read in the community's time zone.",
        examples=["2026-12-03T14:00:00"],
    )
    venue: str = Field(default="", max_length=200, examples=["Room 2, Health Innovation Hub"])
    agenda: list[str] = Field(default_factory=list, max_length=40, examples=[["Welcome", "Icebreaker", "Breakouts"]])

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _required_text(value, "Give the meeting a title")

    @field_validator("scheduled_at", mode="before")
    @classmethod
    def _text_time(cls, value):
        # A bare number would be read as seconds since 1970: a meeting in 1970, not an error.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("Send the start time as text, like 2026-12-03T14:00:00")
        return value

    @field_validator("venue")
    @classmethod
    def _venue(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("agenda")
    @classmethod
    def _agenda(cls, value: list[str]) -> list[str]:
        items = [clean_text(v) for v in value if clean_text(v)]
        if any(len(v) > 200 for v in items):
            raise ValueError("Keep each agenda item under 200 characters")
        return items


class MeetingPublic(BaseModel):
    id: int
    community_id: int
    title: str
    scheduled_at: UtcDateTime | None
    venue: str
    status: MeetingStatus
    started_at: UtcDateTime | None
    ended_at: UtcDateTime | None
    last_event_seq: int
    agenda: list[AgendaItemPublic]


class JoinRequest(BaseModel):
    display_name: str = Field(min_length=1, max_length=60, examples=["Sam"])
    role: str = Field(min_length=1, max_length=40, examples=["lay"])
    in_room: StrictBool = False

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _required_text(value, "Enter the name you would like others to see")


class ParticipantUpdate(BaseModel):
    role: str | None = Field(default=None, min_length=1, max_length=40, examples=["carer"])
    in_room: StrictBool | None = Field(default=None, examples=[True])


class ParticipantPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    display_name: str
    role: str
    in_room: bool
    is_facilitator: bool
    version: int = Field(description="Grows with every correction of role or place; also sent as the ETag")
    present: bool
    joined_at: UtcDateTime
    left_at: UtcDateTime | None
