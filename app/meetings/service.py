"""The rules of meetings: creating them, joining, running them live, presence."""

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.communities.models import Community
from app.communities.service import in_id_range
from app.db import utcnow, write_versioned
from app.errors import Conflict, Invalid, NotFound, StaleVersion
from app.live.events import commit_and_publish, record_event
from app.live.models import LiveHold, LiveWorker
from app.meetings.models import AgendaItem, Meeting, MeetingStatus, Participant
from app.meetings.schemas import (
    AgendaItemCreate,
    AgendaItemPublic,
    JoinRequest,
    MeetingCreate,
    MeetingPublic,
    ParticipantPublic,
    ParticipantUpdate,
)

log = logging.getLogger("roundtable.meetings")

MAX_PARTICIPANTS = 5000
MAX_AGENDA_ITEMS = 40


def to_utc(value: datetime, timezone: str) -> datetime:
    """A time someone typed without a zone means the community's local time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(UTC)


def new_join_code() -> str:
    return secrets.token_urlsafe(18)


# --- reading ---------------------------------------------------------------


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id) if in_id_range(meeting_id) else None
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting


async def meeting_by_join_code(session: AsyncSession, code: str) -> Meeting:
    meeting = None
    # Codes are URL-safe base64 (new_join_code); anything else, such as a NUL that
    # PostgreSQL refuses in a query, cannot match and never reaches the database.
    if re.fullmatch(r"[A-Za-z0-9_-]{10,64}", code):
        meeting = (await session.exec(select(Meeting).where(Meeting.join_code == code))).first()
    if meeting is None:
        raise NotFound(
            "This join link does not work. It may have been replaced with a new one. "
            "Please ask the meeting's facilitator for the current link."
        )
    return meeting


async def agenda_of(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    result = await session.exec(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
    )
    return list(result.all())


async def meetings_of(session: AsyncSession, community_id: int) -> list[Meeting]:
    result = await session.exec(
        select(Meeting)
        .where(Meeting.community_id == community_id)
        .order_by(col(Meeting.scheduled_at).desc(), col(Meeting.id).desc())
    )
    return list(result.all())


async def participants_of(session: AsyncSession, meeting_id: int) -> list[Participant]:
    result = await session.exec(
        select(Participant)
        .where(Participant.meeting_id == meeting_id, Participant.removed == False)  # noqa: E712
        .order_by(Participant.display_name, Participant.id)
    )
    return list(result.all())


async def presence_of(session: AsyncSession, meeting_id: int) -> list:
    """Who joined and is not removed, as plain rows with just what "who is here" shows:
    it is rendered for everyone on every burst of arrivals, and making 100 ORM
    objects each time cost more than the rest of the rendering."""
    result = await session.exec(
        select(Participant.id, Participant.display_name, Participant.role, Participant.in_room,
               Participant.is_facilitator, Participant.live_connections)
        .where(Participant.meeting_id == meeting_id, Participant.removed == False)  # noqa: E712
        .order_by(Participant.display_name, Participant.id)
    )
    return list(result.all())


async def get_participant(session: AsyncSession, meeting: Meeting, participant_id: int) -> Participant:
    participant = await session.get(Participant, participant_id) if in_id_range(participant_id) else None
    if participant is None or participant.meeting_id != meeting.id or participant.removed:
        raise NotFound("That person is not in this meeting.")
    return participant


async def meeting_public(session: AsyncSession, meeting: Meeting) -> MeetingPublic:
    agenda = await agenda_of(session, meeting.id)
    return MeetingPublic(
        id=meeting.id,
        community_id=meeting.community_id,
        title=meeting.title,
        scheduled_at=meeting.scheduled_at,
        venue=meeting.venue,
        status=meeting.status,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        last_event_seq=meeting.event_seq,
        agenda=[AgendaItemPublic.model_validate(item) for item in agenda],
    )


def participant_public(participant: Participant) -> ParticipantPublic:
    return ParticipantPublic(
        id=participant.id,
        display_name=participant.display_name,
        role=participant.role,
        in_room=participant.in_room,
        is_facilitator=participant.is_facilitator,
        version=participant.version,
        present=participant.live_connections > 0,
        joined_at=participant.joined_at,
        left_at=participant.left_at,
    )


# --- setting up --------------------------------------------------------------


async def create_meeting(session: AsyncSession, community: Community, form: MeetingCreate) -> Meeting:
    meeting = Meeting(
        community_id=community.id,
        title=form.title,
        venue=form.venue,
        scheduled_at=to_utc(form.scheduled_at, community.timezone) if form.scheduled_at else None,
        join_code=new_join_code(),
    )
    session.add(meeting)
    await session.flush()
    for position, title in enumerate(form.agenda):
        session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title))
    await session.commit()
    log.info("meeting %s created in community %s", meeting.id, community.id)
    return meeting


async def regenerate_join_link(session: AsyncSession, meeting: Meeting) -> Meeting:
    meeting.join_code = new_join_code()
    session.add(meeting)
    # No code in the event (events are kept and fed to integrations): the room
    # display re-renders its QR code from the database.
    await record_event(session, meeting.id, "meeting.join_link_changed", {})
    await commit_and_publish(session)
    return meeting


async def revoke_join_link(session: AsyncSession, meeting: Meeting) -> Meeting:
    meeting.join_code = None
    session.add(meeting)
    await record_event(session, meeting.id, "meeting.join_link_changed", {})
    await commit_and_publish(session)
    return meeting


# --- joining -----------------------------------------------------------------


def check_role(community: Community, role: str) -> str:
    if role not in {r.slug for r in community.role_options}:
        raise Invalid("Choose one of the roles in the list.", field="role")
    return role


def ensure_joinable(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended, so it cannot be joined any more.")


# Other domains react to someone joining (e.g. a running breakout round seats them).
JoinHook = Callable[[AsyncSession, Meeting, Participant], Awaitable[object]]
after_join: list[JoinHook] = []


async def join(session: AsyncSession, meeting: Meeting, community: Community, form: JoinRequest,
               from_roster: bool = False) -> Participant:
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended, so it cannot be joined any more.")
    check_role(community, form.role)
    participant = None if from_roster else await _roster_place(session, meeting, form)
    if participant is None:
        count = (
            await session.exec(select(func.count()).select_from(Participant).where(Participant.meeting_id == meeting.id))
        ).one()
        if count >= MAX_PARTICIPANTS:
            raise Conflict("This meeting is full.")
        participant = Participant(meeting_id=meeting.id, display_name=form.display_name, role=form.role,
                                  in_room=form.in_room, from_roster=from_roster)
    else:
        participant.from_roster = False
        participant.in_room = form.in_room
    session.add(participant)
    await session.flush()
    await record_event(session, meeting.id, "participant.joined", {"participant": _event_person(participant)})
    await commit_and_publish(session)
    log.info("participant %s joined meeting %s", participant.id, meeting.id)
    if not from_roster:
        for hook in after_join:
            await hook(session, meeting, participant)
    return participant


async def _roster_place(session: AsyncSession, meeting: Meeting, form: JoinRequest) -> Participant | None:
    """An unclaimed roster entry with this name and role, if there is one."""
    result = await session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting.id, Participant.from_roster == True,  # noqa: E712
            Participant.removed == False, Participant.role == form.role,  # noqa: E712
            func.lower(Participant.display_name) == form.display_name.lower(),
        ).order_by(Participant.id)
    )
    return result.first()


async def facilitator_participant(session: AsyncSession, meeting: Meeting, account: Account) -> Participant:
    """A facilitator takes part as themselves: one participant record per account."""
    result = await session.exec(
        select(Participant).where(Participant.meeting_id == meeting.id, Participant.account_id == account.id)
    )
    participant = result.first()
    if participant is not None:
        if participant.removed or not participant.is_facilitator:
            participant.removed = False
            participant.is_facilitator = True
            session.add(participant)
            await session.commit()
        return participant
    participant = Participant(
        meeting_id=meeting.id,
        display_name=account.display_name[:60],
        role="facilitator",
        in_room=False,
        account_id=account.id,
        is_facilitator=True,
    )
    session.add(participant)
    await session.flush()
    await record_event(session, meeting.id, "participant.joined", {"participant": _event_person(participant)})
    await commit_and_publish(session)
    return participant


async def leave(session: AsyncSession, participant: Participant) -> None:
    participant.left_at = utcnow()
    participant.removed = True
    session.add(participant)
    await record_event(session, participant.meeting_id, "participant.left", {"participant_id": participant.id})
    await commit_and_publish(session)
    await session.info["hub"].tell_participant(participant.id, "removed")


def _event_person(participant: Participant) -> dict:
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "role": participant.role,
        "in_room": participant.in_room,
    }


# --- running the meeting (facilitators only; callers check permission) -------


async def start_meeting(session: AsyncSession, meeting: Meeting) -> Meeting:
    if meeting.status != MeetingStatus.scheduled:
        raise Conflict("Only a meeting that has not started yet can be started.")
    meeting.status = MeetingStatus.live
    meeting.started_at = utcnow()
    session.add(meeting)
    await record_event(session, meeting.id, "meeting.started", {})
    await commit_and_publish(session)
    return meeting


async def end_meeting(session: AsyncSession, meeting: Meeting) -> Meeting:
    if meeting.status != MeetingStatus.live:
        raise Conflict("Only a meeting that is running can be ended.")
    meeting.status = MeetingStatus.ended
    meeting.ended_at = utcnow()
    session.add(meeting)
    await record_event(session, meeting.id, "meeting.ended", {})
    await commit_and_publish(session)
    return meeting


async def add_agenda_item(session: AsyncSession, meeting: Meeting, form: AgendaItemCreate) -> AgendaItem:
    items = await agenda_of(session, meeting.id)
    if len(items) >= MAX_AGENDA_ITEMS:
        raise Conflict(f"An agenda can have at most {MAX_AGENDA_ITEMS} items.")
    item = AgendaItem(meeting_id=meeting.id, position=(items[-1].position + 1) if items else 0, title=form.title)
    session.add(item)
    await session.flush()
    await record_event(session, meeting.id, "agenda.changed", {"item_id": item.id, "title": item.title})
    await commit_and_publish(session)
    return item


async def set_agenda_now(session: AsyncSession, meeting: Meeting, item_id: int | None) -> list[AgendaItem]:
    """Move the "now" marker to one item (or clear it with None)."""
    items = await agenda_of(session, meeting.id)
    if item_id is not None and item_id not in {i.id for i in items}:
        raise NotFound("That agenda item is not in this meeting.")
    for item in items:
        item.is_now = item.id == item_id
        session.add(item)
    await record_event(session, meeting.id, "agenda.now", {"item_id": item_id})
    await commit_and_publish(session)
    return items


async def update_participant(
    session: AsyncSession, meeting: Meeting, community: Community, participant: Participant, form: ParticipantUpdate,
    expected_version: int | None = None,
) -> Participant:
    """Correct someone's role or place. With `expected_version` (the API's If-Match) the
    write is `UPDATE ... WHERE version = ?`, so a correction made meanwhile is never
    silently overwritten (StaleVersion); the facilitator's page corrects what it shows."""
    values: dict = {}
    if form.role is not None:
        values["role"] = check_role(community, form.role)
    if form.in_room is not None:
        values["in_room"] = form.in_room
    if not values:
        return participant
    if not await write_versioned(session, participant, expected_version, **values):
        raise StaleVersion("Someone else changed this person's role or place first.", participant.version)
    await record_event(session, meeting.id, "participant.updated", {"participant": _event_person(participant)})
    await commit_and_publish(session)
    return participant


async def remove_participant(session: AsyncSession, meeting: Meeting, participant: Participant) -> None:
    participant.removed = True
    participant.left_at = utcnow()
    session.add(participant)
    await record_event(session, meeting.id, "participant.removed", {"participant_id": participant.id})
    await commit_and_publish(session)
    await session.info["hub"].tell_participant(participant.id, "removed")
    log.info("participant %s removed from meeting %s", participant.id, meeting.id)


# --- presence ------------------------------------------------------------------


async def connected(session: AsyncSession, participant_id: int, meeting_id: int,
                    worker_id: str | None = None) -> None:
    """A live socket opened. Counted in the database so every worker agrees who is here,
    and held in the name of the worker that has it (`worker_id`), so it can be undone
    if that worker dies."""
    if worker_id is not None:
        await _hold(session, worker_id, participant_id, meeting_id, +1)
    result = await session.exec(
        update(Participant)
        .where(Participant.id == participant_id)
        .values(live_connections=Participant.live_connections + 1, last_seen_at=utcnow(), left_at=None)
        .returning(Participant.live_connections)
        .execution_options(synchronize_session=False)
    )
    if result.scalar_one() == 1:
        await record_event(session, meeting_id, "participant.arrived", {"participant_id": participant_id})
    await commit_and_publish(session)


async def disconnected(session: AsyncSession, participant_id: int, meeting_id: int,
                       worker_id: str | None = None) -> None:
    if worker_id is not None:
        await _hold(session, worker_id, participant_id, meeting_id, -1)
    await _let_go(session, participant_id, meeting_id, 1)
    await commit_and_publish(session)


async def _let_go(session: AsyncSession, participant_id: int, meeting_id: int, sockets: int) -> None:
    """Count `sockets` fewer for this person; at none, they have gone."""
    result = await session.exec(
        update(Participant)
        .where(Participant.id == participant_id, Participant.live_connections > 0)
        .values(live_connections=case((Participant.live_connections > sockets, Participant.live_connections - sockets),
                                      else_=0),
                last_seen_at=utcnow())
        .returning(Participant.live_connections)
        .execution_options(synchronize_session=False)
    )
    remaining = result.scalar_one_or_none()
    if remaining == 0:
        await session.exec(
            update(Participant)
            .where(Participant.id == participant_id, Participant.live_connections == 0)
            .values(left_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await record_event(session, meeting_id, "participant.went", {"participant_id": participant_id})


async def _hold(session: AsyncSession, worker_id: str, participant_id: int, meeting_id: int, change: int) -> None:
    """One socket more (or fewer) that this worker holds for this person."""
    if change > 0:
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        # The worker's row may have been swept while it was stalled: it is alive again.
        await session.exec(insert(LiveWorker).values(id=worker_id, heartbeat_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["id"]))
        await session.exec(
            insert(LiveHold)
            .values(worker_id=worker_id, participant_id=participant_id, meeting_id=meeting_id, connections=change)
            .on_conflict_do_update(index_elements=["worker_id", "participant_id"],
                                   set_={"connections": LiveHold.connections + change})
        )
        return
    await session.exec(
        update(LiveHold)
        .where(LiveHold.worker_id == worker_id, LiveHold.participant_id == participant_id)
        .values(connections=LiveHold.connections + change)
        .execution_options(synchronize_session=False)
    )
    await session.exec(delete(LiveHold).where(LiveHold.worker_id == worker_id, LiveHold.connections <= 0))


async def worker_alive(session: AsyncSession, worker_id: str) -> bool:
    """A worker's heartbeat. False if it had no row: at start-up, or because others
    took it for gone (then its sockets must reconnect: their presence was undone)."""
    now = utcnow()
    result = await session.exec(update(LiveWorker).where(LiveWorker.id == worker_id).values(heartbeat_at=now)
                                .execution_options(synchronize_session=False))
    if result.rowcount == 0:
        session.add(LiveWorker(id=worker_id, heartbeat_at=now))
    await session.commit()
    return result.rowcount == 1


async def worker_stopped(session: AsyncSession, worker_id: str) -> None:
    """A clean shutdown: its sockets are closed and counted out already."""
    await session.exec(delete(LiveWorker).where(LiveWorker.id == worker_id))
    await session.commit()


async def sweep_gone_workers(session: AsyncSession, silent_since: datetime) -> list[str]:
    """Workers silent since then are taken as gone: the people whose sockets they held
    are counted out (and shown as gone when nothing else holds them). Deleting the
    worker's row first makes exactly one sweeper do it, however many run."""
    silent = list((await session.exec(select(LiveWorker.id).where(LiveWorker.heartbeat_at < silent_since))).all())
    if not silent:
        return []
    # Read what they held before deleting them (the delete cascades to their holds).
    holds = list((await session.exec(select(LiveHold).where(col(LiveHold.worker_id).in_(silent)))).all())
    gone = set((await session.exec(
        delete(LiveWorker).where(col(LiveWorker.id).in_(silent), LiveWorker.heartbeat_at < silent_since)
        .returning(LiveWorker.id)
    )).scalars().all())
    for hold in holds:
        if hold.worker_id in gone:
            await _let_go(session, hold.participant_id, hold.meeting_id, hold.connections)
    if gone:
        log.warning("live: %s worker(s) stopped answering; their sockets no longer count as present", len(gone))
    await commit_and_publish(session)
    return sorted(gone)


async def reset_presence(session: AsyncSession) -> None:
    """On start-up of a single-process deployment nobody can still be connected."""
    await session.exec(
        update(Participant).where(Participant.live_connections > 0).values(live_connections=0)
    )
    await session.exec(delete(LiveHold))
    await session.exec(delete(LiveWorker))
    await session.commit()
