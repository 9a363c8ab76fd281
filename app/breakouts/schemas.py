from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from app.communities.schemas import clean_text, strip_controls
from app.db import UtcDateTime
from app.breakouts.models import RoundStatus
from app.validation import WholeNumber


class RoundSetup(BaseModel):
    """How the facilitator wants the round: a number of rooms or a room size."""

    rooms: WholeNumber | None = Field(default=None, ge=1, le=200, description="How many rooms", examples=[4])
    room_size: WholeNumber | None = Field(default=None, ge=2, le=50, description="Or: about how many people per room")
    duration_minutes: WholeNumber = Field(default=15, ge=1, le=180)
    separate_in_room: StrictBool = Field(default=True, description="People in the room at tables, people online in online rooms")
    lay_buddy: StrictBool = Field(default=True, description="Lay members in twos, so nobody is the only one")
    prompt: str = Field(default="", max_length=500, description="The task or question for every room")
    room_names: list[str] = Field(default_factory=list, max_length=200, description="Names for the rooms, in order (e.g. real tables)")
    seed: WholeNumber | None = Field(default=None, ge=0, le=2**31, description="Same seed, same allocation")

    @field_validator("prompt")
    @classmethod
    def _prompt(cls, value: str) -> str:
        return strip_controls(value.replace("\r\n", "\n")).strip()

    @field_validator("room_names")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        names = [clean_text(v)[:60] for v in value]
        return [n for n in names if n]

    @model_validator(mode="after")
    def _one_of(self) -> "RoundSetup":
        if (self.rooms is None) == (self.room_size is None):
            raise ValueError("Give either a number of rooms or a room size")
        return self


class Move(BaseModel):
    participant_id: WholeNumber = Field(ge=1, le=2**31 - 1, examples=[31])
    room_id: WholeNumber = Field(ge=1, le=2**31 - 1, examples=[7])


class Broadcast(BaseModel):
    message: str = Field(min_length=1, max_length=300)

    @field_validator("message")
    @classmethod
    def _message(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Write a message")
        return value


class ChatMessage(BaseModel):
    body: str = Field(min_length=1, max_length=500)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        value = strip_controls(value).strip()
        if not value:
            raise ValueError("Write a message")
        return value


class NotesUpdate(BaseModel):
    notes: str = Field(default="", max_length=5000)
    version: WholeNumber = Field(ge=0, le=2**31 - 1, description="The notes version you started from")

    @field_validator("notes")
    @classmethod
    def _notes(cls, value: str) -> str:
        return strip_controls(value.replace("\r\n", "\n"))


class RoomNotes(BaseModel):
    notes: str = Field(max_length=5000, examples=["We agreed to trial the leaflet at two practices."])


class RoomNotesPublic(BaseModel):
    room_id: int
    notes: str
    version: int = Field(description="Grows with every save; also sent as the ETag")
    saved_by: str | None = Field(description="Who saved them last: a person in the room, or an API key")


class SeatPublic(BaseModel):
    participant_id: int
    display_name: str
    role: str
    in_room: bool
    moved_by_hand: bool


class RoomPublic(BaseModel):
    id: int
    index: int
    name: str
    in_room: bool | None
    notes: str
    notes_version: int
    help_requested: bool
    seats: list[SeatPublic]


class RoundPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    meeting_id: int
    number: int
    status: RoundStatus
    duration_minutes: int
    prompt: str
    separate_in_room: bool
    lay_buddy: bool
    figures: dict
    problems: list[str]
    broadcast: str | None
    started_at: UtcDateTime | None
    ends_at: UtcDateTime | None
    closed_at: UtcDateTime | None
    rooms: list[RoomPublic] = []
