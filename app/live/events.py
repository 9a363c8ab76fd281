"""Live events: recorded with the change that caused them, published after commit.

A service calls `record_event` inside its transaction and `commit_and_publish` to
finish it. The per-meeting sequence number comes from an atomic UPDATE on the
meeting row, so it stays unique and ordered however many workers write.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.live.models import MeetingEvent
from app.meetings.models import Meeting

PENDING = "pending_events"


@dataclass(frozen=True)
class LiveEvent:
    meeting_id: int
    seq: int
    type: str
    data: dict[str, Any]
    at: str  # ISO time, whole seconds, UTC

    @property
    def topic(self) -> str:
        return meeting_topic(self.meeting_id)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def feed_json(self) -> str:
        """The form integrations get on the event feed (and in webhooks)."""
        return json.dumps({"type": self.type, "meeting": self.meeting_id, "seq": self.seq, "time": self.at,
                           "data": self.data}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "LiveEvent":
        return cls(**json.loads(text))

    @classmethod
    def from_row(cls, row: MeetingEvent) -> "LiveEvent":
        return cls(row.meeting_id, row.seq, row.type, row.data, row.created_at.isoformat().replace("+00:00", "Z"))


# Called inside record_event, in the event's own transaction, after its row is added:
# what a hook writes commits or rolls back with the event (webhooks queue their
# deliveries here, app/webhooks/service.py). A hook must be cheap for events it ignores.
on_record: list[Callable[[AsyncSession, "LiveEvent"], Awaitable[None]]] = []


def meeting_topic(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def participant_topic(participant_id: int) -> str:
    return f"participant:{participant_id}"


async def record_event(session: AsyncSession, meeting_id: int, type_: str, data: dict[str, Any]) -> LiveEvent:
    result = await session.exec(
        update(Meeting)
        .where(Meeting.id == meeting_id)
        .values(event_seq=Meeting.event_seq + 1)
        .returning(Meeting.event_seq)
        .execution_options(synchronize_session=False)
    )
    seq = result.scalar_one()
    row = MeetingEvent(meeting_id=meeting_id, seq=seq, type=type_, data=data)
    session.add(row)
    event = LiveEvent.from_row(row)
    session.info.setdefault(PENDING, []).append(event)
    for hook in on_record:
        await hook(session, event)
    return event


async def commit_and_publish(session: AsyncSession) -> list[LiveEvent]:
    """Commit, then publish what the transaction recorded: nothing seen can be lost."""
    await session.commit()
    events: list[LiveEvent] = session.info.pop(PENDING, [])
    hub = session.info.get("hub")
    if hub is not None:
        for event in events:
            await hub.publish(event)
    return events
