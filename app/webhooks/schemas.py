"""What an organiser sends to register a webhook, and what the API shows of one."""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.db import UtcDateTime
from app.webhooks.models import DeliveryStatus

# The events a webhook can ask for, with the words the community page uses. Events
# not listed here (votes, arrivals, ...) never cost a webhook lookup.
EVENT_TYPES: dict[str, str] = {
    "meeting.started": "A meeting starts",
    "meeting.ended": "A meeting ends",
    "breakout.closed": "A breakout round closes (with each room's notes)",
    "action.created": "An action is created",
    "action.updated": "An action is changed",
}
EventType = Literal["meeting.started", "meeting.ended", "breakout.closed", "action.created", "action.updated"]

MAX_URL_LENGTH = 500


def check_url_shape(value: str) -> str:
    """An http(s) address with a host and no password in it. Whether the host may be
    reached (not a private network, in production) is the service's question."""
    value = value.strip()
    if not value:
        raise ValueError("Enter the address that should receive the events, starting with https://")
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"Please keep the address under {MAX_URL_LENGTH} characters.")
    if not value.isprintable() or any(c.isspace() for c in value):
        raise ValueError("An address cannot contain spaces or invisible characters.")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        raise ValueError("This is not a web address. Enter one like https://example.org/roundtable-hook") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("The address must start with https:// (or http://).")
    if not parts.hostname:
        raise ValueError("The address needs a host name, like https://example.org/roundtable-hook")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Leave the user name and password out of the address: "
                         "the signature on each delivery proves it comes from Roundtable.")
    return value


class WebhookCreate(BaseModel):
    url: str = Field(max_length=2000, examples=["https://example.org/roundtable-hook"],
                     description="Where to POST each event (http or https, at most 500 characters)")
    events: list[EventType] = Field(max_length=20, examples=[["meeting.started", "action.created"]],
                                    description="The events to send")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url_shape(value)

    @field_validator("events", mode="before")
    @classmethod
    def _some_events(cls, value):
        # Only text can name an event (a JSON object is not hashable: no 500 for it).
        if isinstance(value, list) and any(not isinstance(v, str) or v not in EVENT_TYPES for v in value):
            raise ValueError("Choose from the events listed: " + ", ".join(EVENT_TYPES))
        return value

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str]) -> list[str]:
        chosen = [e for e in EVENT_TYPES if e in value]  # one each, in a stable order
        if not chosen:
            raise ValueError("Choose at least one event to send.")
        return chosen


class WebhookPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    active: bool = Field(description="A switched-off webhook is sent nothing")
    created_at: UtcDateTime


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Signs every delivery. Shown only in this response: store it now")


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Also the `id` in the body and the `Roundtable-Delivery` header")
    event_type: str
    meeting_id: int | None
    event_seq: int | None = Field(description="The event's sequence number in its meeting")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: UtcDateTime | None = Field(description="When the next try is due, while pending")
    last_status_code: int | None = Field(description="The HTTP status of the last try, if the receiver answered")
    last_error: str | None
    created_at: UtcDateTime
    delivered_at: UtcDateTime | None
    body: str = Field(description="The exact JSON body sent")
