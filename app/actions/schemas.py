"""What an action looks like coming in (pages and API alike) and going out."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from app.actions.models import ActionStatus
from app.communities.schemas import clean_text, strip_controls
from app.communities.service import MAX_ID
from app.db import UtcDateTime
from app.validation import WholeNumber, from_form

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_NOTE = 1000
MAX_NAME = 60
MAX_OWNERS = 10
MAX_SEARCH = 100
EARLIEST_DUE = date(2000, 1, 1)
LATEST_DUE = date(2100, 12, 31)


def name_key(name: str) -> str:
    """How owner names are compared: case and spacing do not matter ("ana  SMITH" is "Ana Smith")."""
    return " ".join(name.split()).casefold()


def _long_text(value: str) -> str:
    # Keep line breaks, drop control characters (PostgreSQL refuses NUL), trim the ends.
    return strip_controls(value.replace("\r\n", "\n")).strip()


def parse_due_date(value, blank_is_none: bool = False):
    """A due date is a calendar day. Past days are allowed (and shown as overdue). A form's
    empty date box means no date; in JSON that is null (the schema says so)."""
    if value is None or isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            if blank_is_none:
                return None
            raise ValueError("Enter a date like 2027-06-03, or null for no due date.")
        try:
            parsed = date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text)
        except ValueError:
            raise ValueError("Enter a real date as year-month-day, like 2027-06-03.") from None
    else:
        raise ValueError("Enter the due date as text, like 2027-06-03.")
    if parsed is not None and not EARLIEST_DUE <= parsed <= LATEST_DUE:
        raise ValueError("Choose a due date between the years 2000 and 2100.")
    return parsed


def parse_status(value, allowed: tuple[ActionStatus, ...] = tuple(ActionStatus)):
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value not in {s.value for s in allowed}:
        raise ValueError("Choose one of: " + ", ".join(s.value for s in allowed))
    return ActionStatus(value)


class OwnerIn(BaseModel):
    """An owner: a participant of one of the community's meetings, or a named person."""

    participant_id: WholeNumber | None = Field(default=None, ge=1, le=MAX_ID,
                                       description="A participant of one of this community's meetings")
    name: str | None = Field(default=None, max_length=MAX_NAME, description="Someone named, with or without an account",
                             examples=["Dr Priya Shah"])
    role: str | None = Field(default=None, max_length=40, description="Their role's slug, for a named person (optional)",
                             examples=["gp"])

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return clean_text(value) or None if value is not None else None

    @model_validator(mode="after")
    def _one_of(self) -> "OwnerIn":
        if self.participant_id is None and not self.name:
            raise ValueError("Give each owner a name, or the id of a participant")
        if self.participant_id is not None and self.name:
            raise ValueError("Give an owner either a participant id or a name, not both")
        return self


def _owners(value: list[OwnerIn]) -> list[OwnerIn]:
    if len(value) > MAX_OWNERS:
        raise ValueError(f"An action can have at most {MAX_OWNERS} owners")
    return value


class ActionCreate(BaseModel):
    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["Share the new referral form with GP practices"])
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    due_date: date | None = Field(default=None, description="A day (year-month-day); a past day is allowed and shown "
                                  "as overdue", examples=["2027-06-03"])
    owners: list[OwnerIn] = Field(default_factory=list, max_length=50)
    status: Literal[ActionStatus.open, ActionStatus.in_progress] = ActionStatus.open
    meeting_id: WholeNumber | None = Field(default=None, ge=1, le=MAX_ID, description="The meeting it was agreed in, if any")

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Give the action a short title")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _long_text(value)

    @field_validator("due_date", mode="before")
    @classmethod
    def _due(cls, value, info: ValidationInfo):
        return parse_due_date(value, blank_is_none=from_form(info))

    @field_validator("owners")
    @classmethod
    def _check_owners(cls, value: list[OwnerIn]) -> list[OwnerIn]:
        return _owners(value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value):
        # Leave it out for `open`; null or "" is not a status (the schema says so too).
        status = parse_status(value, (ActionStatus.open, ActionStatus.in_progress))
        if status is None:
            raise ValueError("Choose one of: open, in_progress (or leave status out for open)")
        return status


class ActionUpdate(BaseModel):
    """Only the fields sent are changed; `due_date: null` clears the date."""

    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE)
    description: str | None = Field(default=None, max_length=MAX_DESCRIPTION)
    due_date: date | None = Field(default=None, examples=["2027-07-01"])
    owners: list[OwnerIn] | None = Field(default=None, max_length=50)
    status: ActionStatus | None = Field(default=None, examples=["in_progress"])
    note: str | None = Field(default=None, max_length=MAX_NOTE, description="A progress note added to the history",
                             examples=["Draft sent to the practice managers."])

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = clean_text(value)
        if not value:
            raise ValueError("Give the action a short title")
        return value

    @field_validator("description", "note")
    @classmethod
    def _long(cls, value: str | None) -> str | None:
        return None if value is None else _long_text(value)

    @field_validator("due_date", mode="before")
    @classmethod
    def _due(cls, value, info: ValidationInfo):
        return parse_due_date(value, blank_is_none=from_form(info))

    @field_validator("owners")
    @classmethod
    def _check_owners(cls, value: list[OwnerIn] | None) -> list[OwnerIn] | None:
        return None if value is None else _owners(value)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value):
        return parse_status(value)


class ActionNote(BaseModel):
    note: str = Field(min_length=1, max_length=MAX_NOTE, examples=["Spoke to the practice managers' forum."])

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        value = _long_text(value)
        if not value:
            raise ValueError("Write the note first")
        return value


class ActionFilters(BaseModel):
    """The views of a community's actions, as query parameters."""

    status: list[ActionStatus] = Field(default_factory=list, max_length=6)
    owner: str = Field(default="", max_length=MAX_NAME)
    meeting_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    overdue: bool = False
    q: str = Field(default="", max_length=MAX_SEARCH)

    @field_validator("status", mode="before")
    @classmethod
    def _each_once(cls, value):
        # `?status=done&status=done` asks for the same view as one `done` (and is not a 500).
        return list(dict.fromkeys(value)) if isinstance(value, list) else value

    @field_validator("owner", "q")
    @classmethod
    def _clean(cls, value: str) -> str:
        return clean_text(value)


class OwnerPublic(BaseModel):
    display_name: str
    role: str | None
    participant_id: int | None = Field(description="Set when the owner is a participant of one of the meetings")


class SourcePublic(BaseModel):
    type: str = Field(description="What it was made from: `question`, `breakout_room`, `icebreaker_answer`, ...")
    id: str
    label: str | None
    excerpt: str | None


class ActionPublic(BaseModel):
    id: int
    community_id: int
    meeting_id: int | None = Field(description="The meeting it was created in, if any")
    title: str
    description: str
    status: ActionStatus
    due_date: date | None
    overdue: bool = Field(description="Open or in progress, with a due date before today (community time zone)")
    owners: list[OwnerPublic]
    version: int = Field(description="Grows with every change; also sent as the ETag")
    created_by: str
    created_at: UtcDateTime
    updated_at: UtcDateTime
    source: SourcePublic | None


class ActionChangePublic(BaseModel):
    at: UtcDateTime
    who: str
    meeting_id: int | None
    field: str | None = Field(description="The field that changed; null for a progress note")
    old: str | None
    new: str | None
    note: str | None
