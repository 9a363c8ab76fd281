"""The rules of breakout rounds: plan (with the pure allocator), adjust, launch,
run and close, and the history that keeps people meeting new faces."""

import logging
import secrets
from collections import defaultdict
from dataclasses import asdict
from datetime import timedelta
from itertools import combinations

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.breakouts import allocate as allocator
from app.breakouts.models import BreakoutMessage, BreakoutRoom, BreakoutRound, BreakoutSeat, RoundStatus
from app.breakouts.schemas import Broadcast, ChatMessage, NotesUpdate, RoundSetup
from app.communities.models import LAY_ROLES
from app.communities.service import in_id_range
from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from app.live.events import commit_and_publish, record_event
from app.meetings.models import Meeting, MeetingStatus, Participant

log = logging.getLogger("roundtable.breakouts")

MAX_CHAT_SHOWN = 50


# --- reading -------------------------------------------------------------------


async def people_here(session: AsyncSession, meeting_id: int) -> list[Participant]:
    """Everyone who joined and has not gone (in-room people may have no device)."""
    result = await session.exec(
        select(Participant)
        .where(Participant.meeting_id == meeting_id, Participant.removed == False,  # noqa: E712
               col(Participant.left_at).is_(None))
        .order_by(Participant.id)
    )
    return list(result.all())


async def round_with_status(session: AsyncSession, meeting_id: int, status: RoundStatus) -> BreakoutRound | None:
    result = await session.exec(
        select(BreakoutRound).where(BreakoutRound.meeting_id == meeting_id, BreakoutRound.status == status)
        .order_by(col(BreakoutRound.id).desc())
    )
    return result.first()


async def rounds_of(session: AsyncSession, meeting_id: int, status: RoundStatus | None = None,
                    after_id: int | None = None, limit: int | None = None) -> list[BreakoutRound]:
    """Oldest first: rounds are numbered as they are created, so id order is number order."""
    query = select(BreakoutRound).where(BreakoutRound.meeting_id == meeting_id)
    if status is not None:
        query = query.where(BreakoutRound.status == status)
    if after_id is not None:
        query = query.where(BreakoutRound.id > after_id)
    query = query.order_by(BreakoutRound.id)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def get_round(session: AsyncSession, meeting: Meeting, round_id: int) -> BreakoutRound:
    round_ = await session.get(BreakoutRound, round_id) if in_id_range(round_id) else None
    if round_ is None or round_.meeting_id != meeting.id:
        raise NotFound("There is no such breakout round in this meeting.")
    return round_


async def get_room(session: AsyncSession, round_: BreakoutRound, room_id: int) -> BreakoutRoom:
    room = await session.get(BreakoutRoom, room_id) if in_id_range(room_id) else None
    if room is None or room.round_id != round_.id:
        raise NotFound("There is no such room in this breakout round.")
    return room


async def rooms_of(session: AsyncSession, round_id: int) -> list[BreakoutRoom]:
    result = await session.exec(select(BreakoutRoom).where(BreakoutRoom.round_id == round_id).order_by(BreakoutRoom.index))
    return list(result.all())


async def seating(session: AsyncSession, round_id: int) -> dict[int, list[tuple[BreakoutSeat, Participant]]]:
    """room id -> its seats with their participants, by name."""
    result = await session.exec(
        select(BreakoutSeat, Participant)
        .join(Participant, Participant.id == BreakoutSeat.participant_id)
        .where(BreakoutSeat.round_id == round_id)
        .order_by(Participant.display_name, Participant.id)
    )
    rooms: dict[int, list] = defaultdict(list)
    for seat, participant in result.all():
        rooms[seat.room_id].append((seat, participant))
    return rooms


async def room_of(session: AsyncSession, meeting_id: int, participant_ids: list[int]) -> dict[int, int]:
    """Which room of the running round each of these people is in."""
    if not participant_ids:
        return {}
    result = await session.exec(
        select(BreakoutSeat.participant_id, BreakoutSeat.room_id)
        .join(BreakoutRound, BreakoutRound.id == BreakoutSeat.round_id)
        .where(BreakoutRound.meeting_id == meeting_id, BreakoutRound.status == RoundStatus.live,
               col(BreakoutSeat.participant_id).in_(participant_ids))
    )
    return dict(result.all())


async def messages_of(session: AsyncSession, room_id: int) -> list[BreakoutMessage]:
    result = await session.exec(
        select(BreakoutMessage).where(BreakoutMessage.room_id == room_id)
        .order_by(col(BreakoutMessage.id).desc()).limit(MAX_CHAT_SHOWN)
    )
    return list(reversed(result.all()))


# --- who has met whom ---------------------------------------------------------------


def identity(participant: Participant) -> str:
    """The same person across meetings: their account, else their name in this community.
    (Members have no accounts; two people with one name would count as one.)"""
    if participant.account_id is not None:
        return f"account:{participant.account_id}"
    return "name:" + " ".join(participant.display_name.casefold().split())


async def met_before(session: AsyncSession, meeting: Meeting, people: list[Participant]) -> frozenset[frozenset[int]]:
    """Pairs of these people who sat in a room together before: earlier rounds of
    this meeting and every round of the community's earlier meetings."""
    ids_by_identity: dict[str, list[int]] = defaultdict(list)
    for p in people:
        ids_by_identity[identity(p)].append(p.id)
    result = await session.exec(
        select(BreakoutSeat.room_id, Participant)
        .join(Participant, Participant.id == BreakoutSeat.participant_id)
        .join(BreakoutRound, BreakoutRound.id == BreakoutSeat.round_id)
        .join(Meeting, Meeting.id == BreakoutRound.meeting_id)
        .where(Meeting.community_id == meeting.community_id, BreakoutRound.status != RoundStatus.draft)
    )
    by_room: dict[int, set[str]] = defaultdict(set)
    for room_id, participant in result.all():
        by_room[room_id].add(identity(participant))
    pairs: set[frozenset[int]] = set()
    for identities in by_room.values():
        present = sorted(i for i in identities if i in ids_by_identity)
        for a, b in combinations(present, 2):
            for x in ids_by_identity[a]:
                for y in ids_by_identity[b]:
                    pairs.add(frozenset((x, y)))
    return frozenset(pairs)


def _person(p: Participant) -> allocator.Person:
    return allocator.Person(id=p.id, role=p.role, in_room=p.in_room, facilitator=p.is_facilitator)


def _default_name(in_room: bool | None, number: int) -> str:
    return f"Table {number}" if in_room else f"Room {number}"


def _figures_json(figures: allocator.Figures) -> dict:
    data = asdict(figures)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


# --- planning and adjusting (facilitators only; callers check permission) -----------


async def plan_round(session: AsyncSession, meeting: Meeting, form: RoundSetup) -> BreakoutRound:
    """Allocate everyone here into rooms as a draft the facilitator can preview and adjust."""
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended.")
    if await round_with_status(session, meeting.id, RoundStatus.live):
        raise Conflict("A breakout round is running. Close it before planning the next one.")
    people = await people_here(session, meeting.id)
    if len(people) < 2:
        raise Invalid("At least two people need to be here to make breakout rooms.")
    seed = form.seed if form.seed is not None else secrets.randbelow(2**31)
    request = allocator.AllocationRequest(
        people=tuple(_person(p) for p in people),
        rooms=form.rooms,
        room_size=form.room_size,
        met_before=await met_before(session, meeting, people),
        policy=allocator.Policy(separate_in_room=form.separate_in_room, lay_buddy=form.lay_buddy, lay_roles=LAY_ROLES),
        seed=seed,
    )
    try:
        allocation = allocator.allocate(request)
    except allocator.AllocationError as exc:
        raise Invalid(str(exc)) from exc

    await session.exec(delete(BreakoutRound).where(BreakoutRound.meeting_id == meeting.id,
                                                   BreakoutRound.status == RoundStatus.draft))
    done_rounds = (await session.exec(
        select(func.count()).select_from(BreakoutRound).where(BreakoutRound.meeting_id == meeting.id)
    )).one()
    round_ = BreakoutRound(
        meeting_id=meeting.id, number=done_rounds + 1, rooms_requested=form.rooms, room_size=form.room_size,
        duration_minutes=form.duration_minutes, separate_in_room=form.separate_in_room, lay_buddy=form.lay_buddy,
        prompt=form.prompt, seed=seed, figures=_figures_json(allocation.figures), problems=list(allocation.problems),
    )
    session.add(round_)
    await session.flush()
    numbering: dict[bool, int] = defaultdict(int)  # tables, and rooms (online or mixed), each from 1
    for room in allocation.rooms:
        kind = room.in_room is True
        numbering[kind] += 1
        name = form.room_names[room.index] if room.index < len(form.room_names) else _default_name(
            room.in_room, numbering[kind])
        breakout_room = BreakoutRoom(round_id=round_.id, index=room.index, name=name, in_room=room.in_room)
        session.add(breakout_room)
        await session.flush()
        for participant_id in room.members:
            session.add(BreakoutSeat(round_id=round_.id, room_id=breakout_room.id, participant_id=participant_id))
    await record_event(session, meeting.id, "breakout.planned", {"round_id": round_.id})
    await commit_and_publish(session)
    log.info("breakout round %s planned in meeting %s", round_.number, meeting.id)
    return round_


async def discard_draft(session: AsyncSession, meeting: Meeting, round_: BreakoutRound) -> None:
    if round_.status != RoundStatus.draft:
        raise Conflict("Only a round that has not been launched can be discarded.")
    await session.delete(round_)
    await record_event(session, meeting.id, "breakout.planned", {"round_id": None})
    await commit_and_publish(session)


async def move(session: AsyncSession, meeting: Meeting, round_: BreakoutRound, participant_id: int, room_id: int) -> None:
    """Move someone by hand (before or during the round)."""
    if round_.status == RoundStatus.closed:
        raise Conflict("This round has closed.")
    room = await session.get(BreakoutRoom, room_id) if in_id_range(room_id) else None
    participant = await session.get(Participant, participant_id) if in_id_range(participant_id) else None
    if room is None or room.round_id != round_.id:
        raise NotFound("There is no such room in this round.", field="room_id")
    if participant is None or participant.meeting_id != meeting.id or participant.removed:
        raise NotFound("That person is not in this meeting.", field="participant_id")
    seat = (await session.exec(select(BreakoutSeat).where(
        BreakoutSeat.round_id == round_.id, BreakoutSeat.participant_id == participant_id))).first()
    if seat is None:
        seat = BreakoutSeat(round_id=round_.id, room_id=room.id, participant_id=participant_id)
    seat.room_id = room.id
    seat.moved_by_hand = True
    session.add(seat)
    await session.flush()
    round_.figures = await _current_figures(session, meeting, round_)
    session.add(round_)
    await record_event(session, meeting.id, "breakout.moved", {"round_id": round_.id, "participant_id": participant_id,
                                                               "room_id": room.id})
    await commit_and_publish(session)


async def _current_figures(session: AsyncSession, meeting: Meeting, round_: BreakoutRound) -> dict:
    """The preview's figures again, for the rooms as they are after a move by hand."""
    rooms = await rooms_of(session, round_.id)
    seats = await seating(session, round_.id)
    people = {p.id: p for pairs in seats.values() for _, p in pairs}
    plain = tuple(allocator.Room(index=r.index, in_room=r.in_room,
                                 members=tuple(sorted(p.id for _, p in seats.get(r.id, [])))) for r in rooms)
    figures = allocator.measure(
        plain, {pid: _person(p) for pid, p in people.items()},
        await met_before(session, meeting, list(people.values())),
        allocator.Policy(separate_in_room=round_.separate_in_room, lay_buddy=round_.lay_buddy, lay_roles=LAY_ROLES),
    )
    return _figures_json(figures)


async def launch(session: AsyncSession, meeting: Meeting, round_: BreakoutRound) -> BreakoutRound:
    if round_.status != RoundStatus.draft:
        raise Conflict("This round has already been launched.")
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended.")
    if await round_with_status(session, meeting.id, RoundStatus.live):
        raise Conflict("Another round is running. Close it first.")
    now = utcnow()
    round_.status = RoundStatus.live
    round_.started_at = now
    round_.ends_at = now + timedelta(minutes=round_.duration_minutes)
    session.add(round_)
    await record_event(session, meeting.id, "breakout.launched", {"round_id": round_.id, "number": round_.number})
    await commit_and_publish(session)
    log.info("breakout round %s launched in meeting %s", round_.number, meeting.id)
    return round_


async def close(session: AsyncSession, meeting: Meeting, round_: BreakoutRound) -> BreakoutRound:
    """Everyone comes back to the main room; each room's notes are reported back."""
    if round_.status != RoundStatus.live:
        raise Conflict("Only a running round can be closed.")
    round_.status = RoundStatus.closed
    round_.closed_at = utcnow()
    session.add(round_)
    rooms = await rooms_of(session, round_.id)
    await session.exec(update(BreakoutRoom).where(BreakoutRoom.round_id == round_.id).values(help_requested=False))
    await record_event(session, meeting.id, "breakout.closed", {
        "round_id": round_.id, "number": round_.number,
        "rooms": [{"name": r.name, "notes": r.notes} for r in rooms],
    })
    await commit_and_publish(session)
    log.info("breakout round %s closed in meeting %s", round_.number, meeting.id)
    return round_


async def broadcast(session: AsyncSession, meeting: Meeting, round_: BreakoutRound, form: Broadcast) -> None:
    if round_.status != RoundStatus.live:
        raise Conflict("Messages go to a running round.")
    round_.broadcast = form.message
    round_.broadcast_at = utcnow()
    session.add(round_)
    await record_event(session, meeting.id, "breakout.broadcast", {"round_id": round_.id, "message": form.message})
    await commit_and_publish(session)


async def clear_help(session: AsyncSession, meeting: Meeting, room: BreakoutRoom) -> None:
    room.help_requested = False
    session.add(room)
    await record_event(session, meeting.id, "breakout.help_cleared", {"room_id": room.id})
    await commit_and_publish(session)


async def place_latecomer(session: AsyncSession, meeting: Meeting, participant: Participant) -> int | None:
    """Someone arrived while a round runs: seat them in the best-fitting room."""
    round_ = await round_with_status(session, meeting.id, RoundStatus.live)
    if round_ is None or participant.removed:
        return None
    if (await room_of(session, meeting.id, [participant.id])):
        return None
    rooms = await rooms_of(session, round_.id)
    seats = await seating(session, round_.id)
    seated = {p.id: p for pairs in seats.values() for _, p in pairs}
    plain_rooms = tuple(
        allocator.Room(index=r.index, in_room=r.in_room, members=tuple(sorted(p.id for _, p in seats.get(r.id, []))))
        for r in rooms
    )
    index = allocator.place_latecomer(
        plain_rooms, {pid: _person(p) for pid, p in seated.items()}, _person(participant),
        await met_before(session, meeting, [*seated.values(), participant]),
        allocator.Policy(separate_in_room=round_.separate_in_room, lay_buddy=round_.lay_buddy, lay_roles=LAY_ROLES),
    )
    room = next(r for r in rooms if r.index == index)
    session.add(BreakoutSeat(round_id=round_.id, room_id=room.id, participant_id=participant.id))
    await record_event(session, meeting.id, "breakout.moved", {"round_id": round_.id, "participant_id": participant.id,
                                                               "room_id": room.id})
    await commit_and_publish(session)
    return room.id


# --- inside a room (its members) --------------------------------------------------------


async def my_room(session: AsyncSession, meeting: Meeting, participant: Participant, room_id: int) -> BreakoutRoom:
    room = await session.get(BreakoutRoom, room_id) if in_id_range(room_id) else None
    seats = await room_of(session, meeting.id, [participant.id])
    if room is None or seats.get(participant.id) != room_id:
        raise Forbidden("You are not in that breakout room.")
    return room


async def chat(session: AsyncSession, meeting: Meeting, participant: Participant, room: BreakoutRoom,
               form: ChatMessage) -> None:
    session.add(BreakoutMessage(room_id=room.id, author_name=participant.display_name, author_role=participant.role,
                                body=form.body))
    await record_event(session, meeting.id, "breakout.chat", {"room_id": room.id})
    await commit_and_publish(session)


async def save_notes(session: AsyncSession, meeting: Meeting, by: str, room: BreakoutRoom,
                     form: NotesUpdate) -> BreakoutRoom:
    """Shared notes with no silent overwrite: saving from an old version is a conflict
    (StaleVersion). `by` is who saved them: a person in the room, or an API key."""
    result = await session.exec(
        update(BreakoutRoom)
        .where(BreakoutRoom.id == room.id, BreakoutRoom.notes_version == form.version)
        .values(notes=form.notes.replace("\r\n", "\n"), notes_version=BreakoutRoom.notes_version + 1,
                notes_by=by[:60])
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        await session.rollback()
        await session.refresh(room)
        raise StaleVersion("Someone else in your room saved the notes first. Their version is shown above; "
                           "your text is still in the box, so you can add it and save again.",
                           room.notes_version, field="notes")
    await record_event(session, meeting.id, "breakout.notes", {"room_id": room.id})
    await commit_and_publish(session)
    await session.refresh(room)
    return room


async def ask_for_help(session: AsyncSession, meeting: Meeting, room: BreakoutRoom) -> None:
    room.help_requested = True
    session.add(room)
    await record_event(session, meeting.id, "breakout.help", {"room_id": room.id, "room": room.name})
    await commit_and_publish(session)
