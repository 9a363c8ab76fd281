"""The rules of actions: creating, proposing, changing without lost updates, carrying
over to the next meeting, and the views people need.

Every change says who made it (a display name, not an account: members have none)
and, when it happened in a meeting, which one. Changes are published to the meeting
they were made in and to every meeting of the community not yet ended (people may
be waiting in a meeting's room before it starts), so everyone watching the actions
sees them within a second.
"""

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_
from sqlalchemy import update as sql_update
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.actions.models import (
    STATUS_LABELS,
    TRACKED,
    UNFINISHED,
    Action,
    ActionChange,
    ActionFeed,
    ActionOwner,
    ActionStatus,
)
from app.actions.schemas import (
    ActionChangePublic,
    ActionCreate,
    ActionFilters,
    ActionPublic,
    ActionUpdate,
    OwnerIn,
    OwnerPublic,
    SourcePublic,
    name_key,
)
from app.communities.models import Community
from app.communities.service import in_id_range
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound, StaleVersion
from app.webhooks.service import queue_community_event
from app.live.events import commit_and_publish, record_event
from app.meetings.models import AgendaItem, Meeting, MeetingStatus, Participant
from app.web.security import hash_secret

log = logging.getLogger("roundtable.actions")

MAX_ACTIONS_PER_COMMUNITY = 5000
REVIEW_AGENDA_TITLE = "Review of actions from earlier meetings"


# --- who is acting, and where ------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who made a change (as shown in the history) and the meeting it was made in."""

    name: str
    meeting_id: int | None = None


class ActionConflict(StaleVersion):
    """Someone else changed the action since this person loaded it."""

    def __init__(self, current: Action):
        super().__init__(
            "Someone else changed this action while you were editing it. "
            "Nothing was saved: check what it says now, then save your changes again if you still want them.",
            current_version=current.version,
        )
        self.current = current


# --- time --------------------------------------------------------------------------


def today_in(community: Community) -> date:
    return utcnow().astimezone(ZoneInfo(community.timezone)).date()


def is_overdue(action: Action, today: date) -> bool:
    return action.due_date is not None and action.due_date < today and action.status in UNFINISHED


def local_day(value: datetime | None, community: Community) -> date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(ZoneInfo(community.timezone)).date()


def meeting_day(meeting: Meeting, community: Community) -> date:
    return local_day(meeting.scheduled_at or meeting.started_at or meeting.created_at, community)


# --- reading -----------------------------------------------------------------------


async def get_action(session: AsyncSession, community_id: int, action_id: int) -> Action:
    # A number past the database's ids is simply no such action (not a driver error).
    action = await session.get(Action, action_id, populate_existing=True) if in_id_range(action_id) else None
    if action is None or action.community_id != community_id:
        raise NotFound("There is no such action in this community.")
    return action


async def owners_of(session: AsyncSession, action_ids: list[int]) -> dict[int, list[ActionOwner]]:
    found: dict[int, list[ActionOwner]] = {i: [] for i in action_ids}
    if not action_ids:
        return found
    result = await session.exec(
        select(ActionOwner).where(col(ActionOwner.action_id).in_(action_ids)).order_by(ActionOwner.position, ActionOwner.id)
    )
    for owner in result.all():
        found[owner.action_id].append(owner)
    return found


def public(action: Action, owners: list[ActionOwner], today: date) -> ActionPublic:
    source = None
    if action.source_type:
        source = SourcePublic(type=action.source_type, id=action.source_id or "", label=action.source_label,
                              excerpt=action.source_excerpt)
    return ActionPublic(
        id=action.id, community_id=action.community_id, meeting_id=action.meeting_id, title=action.title,
        description=action.description, status=action.status, due_date=action.due_date,
        overdue=is_overdue(action, today),
        owners=[OwnerPublic(display_name=o.display_name, role=o.role, participant_id=o.participant_id) for o in owners],
        version=action.version, created_by=action.created_by, created_at=action.created_at,
        updated_at=action.updated_at, source=source,
    )


async def public_one(session: AsyncSession, community: Community, action: Action) -> ActionPublic:
    owners = await owners_of(session, [action.id])
    return public(action, owners[action.id], today_in(community))


async def publics(session: AsyncSession, community: Community, actions: list[Action]) -> list[ActionPublic]:
    owners = await owners_of(session, [a.id for a in actions])
    today = today_in(community)
    return [public(a, owners[a.id], today) for a in actions]


async def history(session: AsyncSession, action_id: int) -> list[ActionChange]:
    result = await session.exec(
        select(ActionChange).where(ActionChange.action_id == action_id).order_by(ActionChange.at, ActionChange.id)
    )
    return list(result.all())


def change_public(change: ActionChange) -> ActionChangePublic:
    return ActionChangePublic(at=change.at, who=change.who, meeting_id=change.meeting_id, field=change.field,
                              old=change.old, new=change.new, note=change.note)


def _ordered(query):
    # By due date, undated last, then oldest first.
    return query.order_by(col(Action.due_date).is_(None), col(Action.due_date), col(Action.id))


async def list_actions(session: AsyncSession, community: Community, filters: ActionFilters,
                       participant_ids: list[int] | None = None, names: list[str] | None = None,
                       sort: str = "due", after_id: int | None = None, limit: int | None = None) -> list[Action]:
    """A community's actions through the views people use. `participant_ids`/`names`
    select "my actions"; without a status filter, proposals and declined ones are left out."""
    query = select(Action).where(Action.community_id == community.id)
    statuses = filters.status or list(TRACKED)
    query = query.where(col(Action.status).in_([s.value for s in statuses]))
    if filters.overdue:
        query = query.where(col(Action.status).in_([s.value for s in UNFINISHED]),
                            col(Action.due_date).is_not(None), col(Action.due_date) < today_in(community))
    if filters.meeting_id is not None:
        query = query.where(Action.meeting_id == filters.meeting_id)
    if filters.owner:
        query = query.where(col(Action.id).in_(
            select(ActionOwner.action_id).where(ActionOwner.name_key == name_key(filters.owner))))
    if participant_ids is not None or names is not None:
        query = query.where(col(Action.id).in_(_owned_by(participant_ids or [], names or [])))
    if filters.q:
        needle = filters.q
        query = query.where(or_(
            col(Action.title).icontains(needle, autoescape=True),
            col(Action.description).icontains(needle, autoescape=True),
            col(Action.id).in_(select(ActionOwner.action_id).where(
                col(ActionOwner.display_name).icontains(needle, autoescape=True))),
        ))
    if sort == "id":
        if after_id is not None:
            query = query.where(Action.id > after_id)
        query = query.order_by(col(Action.id))
    else:
        query = _ordered(query)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


def _owned_by(participant_ids: list[int], names: list[str]):
    keys = [name_key(n) for n in names if n.strip()]
    conditions = []
    if participant_ids:
        conditions.append(col(ActionOwner.participant_id).in_(participant_ids))
    if keys:
        conditions.append(col(ActionOwner.name_key).in_(keys))
    return select(ActionOwner.action_id).where(or_(*conditions) if conditions else False)


async def my_actions(session: AsyncSession, community: Community, participant: Participant) -> list[Action]:
    """A member's unfinished actions in this community.

    Members have no accounts, so "me" across meetings is: owners linked to this
    participant record, or owners with the same name (case and spacing ignored).
    Two people with the same name see each other's actions; someone who joins under
    another name ("Dr Shah", then "Priya") is not matched. Accounts (facilitators)
    also match every participant record of their account."""
    participant_ids = [participant.id]
    if participant.account_id is not None:
        participant_ids = await participant_ids_of_account(session, community.id, participant.account_id)
    filters = ActionFilters(status=list(UNFINISHED))
    return await list_actions(session, community, filters, participant_ids=participant_ids,
                              names=[participant.display_name])


async def participant_ids_of_account(session: AsyncSession, community_id: int, account_id: int) -> list[int]:
    result = await session.exec(
        select(Participant.id).join(Meeting, Meeting.id == Participant.meeting_id)
        .where(Meeting.community_id == community_id, Participant.account_id == account_id)
    )
    return list(result.all())


async def meeting_actions(session: AsyncSession, meeting: Meeting, statuses) -> list[Action]:
    query = select(Action).where(Action.meeting_id == meeting.id,
                                 col(Action.status).in_([s.value for s in statuses]))
    return list((await session.exec(query.order_by(col(Action.id)))).all())


async def carried_over(session: AsyncSession, meeting: Meeting) -> list[Action]:
    """What the review at this meeting goes through: the community's unfinished actions
    from earlier meetings (or added between meetings), by due date, and those that were
    finished or dropped during this meeting, so the review shows what it did.

    "Earlier" is by each meeting's date (scheduled, else started, else created), so a
    meeting never carries actions from a later one, even if it was never ended."""
    origin = aliased(Meeting)
    origin_when = func.coalesce(origin.scheduled_at, origin.started_at, origin.created_at)
    this_when = meeting.scheduled_at or meeting.started_at or meeting.created_at
    cutoff = meeting.ended_at or utcnow()
    touched_here = select(ActionChange.action_id).where(ActionChange.meeting_id == meeting.id)
    query = select(Action).outerjoin(origin, origin.id == Action.meeting_id).where(
        Action.community_id == meeting.community_id,
        or_(
            and_(col(Action.meeting_id).is_(None), Action.created_at < cutoff),
            and_(Action.meeting_id != meeting.id,
                 or_(origin_when < this_when, and_(origin_when == this_when, origin.id < meeting.id))),
        ),
        or_(
            col(Action.status).in_([s.value for s in UNFINISHED]),
            and_(col(Action.status).in_([s.value for s in TRACKED]), col(Action.id).in_(touched_here)),
        ),
    )
    return list((await session.exec(_ordered(query))).all())


async def meetings_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Meeting]:
    if not ids:
        return {}
    result = await session.exec(select(Meeting).where(col(Meeting.id).in_(list(ids))))
    return {m.id: m for m in result.all()}


async def has_review_item(session: AsyncSession, meeting_id: int) -> bool:
    result = await session.exec(
        select(func.count()).select_from(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id, AgendaItem.title == REVIEW_AGENDA_TITLE)
    )
    return result.one() > 0


# --- owners --------------------------------------------------------------------------


async def _community_participant(session: AsyncSession, community: Community, participant_id: int) -> Participant | None:
    participant = await session.get(Participant, participant_id)
    if participant is None or participant.removed:
        return None
    meeting = await session.get(Meeting, participant.meeting_id)
    return participant if meeting is not None and meeting.community_id == community.id else None


async def resolve_owners(session: AsyncSession, community: Community, meeting_id: int | None,
                         owners: list[OwnerIn], existing: list[ActionOwner] | None = None) -> list[ActionOwner]:
    """Turn what someone typed or sent into owner rows (not yet added to the session).

    A participant id must be someone in one of this community's meetings. A name keeps
    the link of an existing owner with that name; otherwise, in a meeting, it links to
    the one participant of that meeting with that name (two with the same name: no link)."""
    roles = {r.slug for r in community.role_options}
    known = {name_key(o.display_name): o for o in existing or []}
    here: dict[str, list[Participant]] = {}
    if meeting_id is not None:
        result = await session.exec(
            select(Participant).where(Participant.meeting_id == meeting_id, Participant.removed == False)  # noqa: E712
        )
        for person in result.all():
            here.setdefault(name_key(person.display_name), []).append(person)
    rows: list[ActionOwner] = []
    seen: set[str] = set()
    for index, owner in enumerate(owners):
        if owner.participant_id is not None:
            person = await _community_participant(session, community, owner.participant_id)
            if person is None:
                raise Invalid("There is nobody with that participant id in this community's meetings.",
                              field=f"owners.{index}.participant_id")
            row = ActionOwner(display_name=person.display_name, role=person.role, participant_id=person.id)
        else:
            if owner.role is not None and owner.role not in roles:
                raise Invalid("Choose one of the community's roles for this owner, or leave the role out.",
                              field=f"owners.{index}.role")
            key = name_key(owner.name)
            if key in known:
                old = known[key]
                row = ActionOwner(display_name=owner.name, role=owner.role or old.role, participant_id=old.participant_id)
            elif len(here.get(key, [])) == 1:
                person = here[key][0]
                row = ActionOwner(display_name=owner.name, role=owner.role or person.role, participant_id=person.id)
            else:
                row = ActionOwner(display_name=owner.name, role=owner.role)
        row.name_key = name_key(row.display_name)
        identity = f"p{row.participant_id}" if row.participant_id else f"n{row.name_key}"
        if identity in seen:
            continue
        seen.add(identity)
        row.position = len(rows)
        rows.append(row)
    return rows


def owner_names(owners: list[ActionOwner]) -> str:
    return "; ".join(o.display_name for o in owners)


def _same_owners(a: list[ActionOwner], b: list[ActionOwner]) -> bool:
    def shape(rows):
        return [(o.display_name, o.role, o.participant_id) for o in rows]
    return shape(a) == shape(b)


# --- publishing ------------------------------------------------------------------------


async def _publish(session: AsyncSession, community_id: int, actor: Actor, type_: str, data: dict) -> None:
    """Record the event in the meeting where it happened and in every meeting of the
    community that is live or still to come (each room shows the community's actions,
    also to people waiting for it to start), then commit and publish."""
    result = await session.exec(
        select(Meeting.id).where(Meeting.community_id == community_id, Meeting.status != MeetingStatus.ended)
    )
    meeting_ids = set(result.all())
    if actor.meeting_id is not None:
        meeting_ids.add(actor.meeting_id)
    for meeting_id in sorted(meeting_ids):  # one order everywhere: no deadlocks between writers
        await record_event(session, meeting_id, type_, data)
    if not meeting_ids:  # no meeting to carry it: integrations still hear of it
        await queue_community_event(session, community_id, type_, data)
    await commit_and_publish(session)


def _event_data(action: Action) -> dict:
    return {"action": {"id": action.id, "status": str(action.status),
                       "version": action.version, "meeting_id": action.meeting_id}}


# --- creating --------------------------------------------------------------------------


@dataclass
class SourceDraft:
    """What a source (a question, a breakout room's notes, ...) offers a new action."""

    title: str
    description: str = ""
    label: str = ""  # "a question", "breakout room 3's notes"
    excerpt: str = ""


async def create(session: AsyncSession, community: Community, actor: Actor, form: ActionCreate,
                 proposed: bool = False, source: tuple[str, str, SourceDraft] | None = None) -> Action:
    count = (await session.exec(select(func.count()).select_from(Action).where(Action.community_id == community.id))).one()
    if count >= MAX_ACTIONS_PER_COMMUNITY:
        raise Conflict(f"A community can have at most {MAX_ACTIONS_PER_COMMUNITY} actions.")
    meeting_id = form.meeting_id if form.meeting_id is not None else actor.meeting_id
    if meeting_id is not None:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None or meeting.community_id != community.id:
            raise Invalid("There is no such meeting in this community.", field="meeting_id")
        if proposed and meeting.status == MeetingStatus.ended:
            raise Conflict("This meeting has ended, so new proposals are closed.")
    owners = await resolve_owners(session, community, meeting_id, form.owners)
    action = Action(
        community_id=community.id, meeting_id=meeting_id, title=form.title, description=form.description,
        status=ActionStatus.proposed if proposed else form.status, due_date=form.due_date,
        created_by=actor.name[:80],
    )
    if source is not None:
        source_type, source_id, draft = source
        action.source_type, action.source_id = source_type[:30], source_id[:64]
        action.source_label = draft.label[:80] or None
        action.source_excerpt = _excerpt(draft.excerpt)
    session.add(action)
    await session.flush()
    for owner in owners:
        owner.action_id = action.id
        session.add(owner)
    summary = "proposed" if proposed else "created"
    session.add(ActionChange(action_id=action.id, who=actor.name[:80], meeting_id=actor.meeting_id, field="created",
                             new=f"{summary}: {action.title}"[:2000]))
    await _publish(session, community.id, actor, "action.proposed" if proposed else "action.created",
                   _event_data(action))
    log.info("action %s %s in community %s", action.id, summary, community.id)
    return action


def _excerpt(text: str) -> str | None:
    text = " ".join(text.split())
    if not text:
        return None
    return text if len(text) <= 300 else text[:299] + "…"


# --- where actions can come from --------------------------------------------------------

SourceResolver = Callable[[AsyncSession, Meeting, str], Awaitable[SourceDraft]]


@dataclass(frozen=True)
class ActionSource:
    resolve: SourceResolver
    one_per_source: bool  # refuse a second action from the same source (a double click)


_sources: dict[str, ActionSource] = {}


def action_source(source_type: str, one_per_source: bool = True):
    """Register what can be turned into an action in one step.

    The resolver gets the meeting and the id from the URL, must raise NotFound unless
    the source belongs to that meeting, and returns the new action's draft."""
    def register(resolver: SourceResolver) -> SourceResolver:
        _sources[source_type] = ActionSource(resolver, one_per_source)
        return resolver

    return register


def source_types() -> tuple[str, ...]:
    return tuple(_sources)


async def create_from_source(session: AsyncSession, community: Community, meeting: Meeting, actor: Actor,
                             source_type: str, source_id: str) -> Action:
    source = _sources.get(source_type)
    if source is None or len(source_id) > 64:
        raise NotFound("That cannot be turned into an action.")
    draft = await source.resolve(session, meeting, source_id)
    if source.one_per_source:
        existing = (await session.exec(
            select(Action).where(Action.community_id == community.id, Action.source_type == source_type,
                                 Action.source_id == source_id)
        )).first()
        if existing is not None:
            raise Conflict(f"That is already an action: “{existing.title}”.")
    title = " ".join(draft.title.split()) or "Action"
    if len(title) > 200:
        title = title[:199] + "…"
    form = ActionCreate(title=title, description=draft.description[:2000])
    return await create(session, community, actor, form, source=(source_type, source_id, draft))


# --- changing -----------------------------------------------------------------------------


def _check_transition(old: ActionStatus, new: ActionStatus) -> None:
    if new == old:
        return
    if new == ActionStatus.proposed:
        raise Invalid("An action cannot go back to being a proposal.", field="status")
    if new == ActionStatus.declined and old != ActionStatus.proposed:
        raise Invalid("Only a proposal can be declined; drop an action instead.", field="status")


def _show(field: str, value) -> str | None:
    if value is None or value == "":
        return None
    if field == "status":
        return STATUS_LABELS[ActionStatus(value)]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


async def update(session: AsyncSession, community: Community, action_id: int, actor: Actor, form: ActionUpdate,
                 expected_version: int) -> Action:
    """Change an action, if it is still at the version the person saw.

    The write is `UPDATE ... WHERE id = ? AND version = ?`: if anyone else changed it
    first, no row matches and the person gets ActionConflict with the current action,
    whatever the timing and however many workers. A note alone never conflicts."""
    action = await get_action(session, community.id, action_id)
    given = form.model_fields_set
    values: dict = {}
    changes: list[tuple[str, str | None, str | None]] = []
    for field in ("title", "description", "due_date", "status"):
        if field not in given:
            continue
        new = getattr(form, field)
        if field in ("title", "status") and new is None:
            continue  # "no change"
        if field == "description" and new is None:
            new = ""
        old = getattr(action, field)
        if new != old:
            if field == "status":
                _check_transition(action.status, new)
            values[field] = new
            changes.append((field, _show(field, old), _show(field, new)))
    new_owners = None
    existing = (await owners_of(session, [action.id]))[action.id]
    if "owners" in given and form.owners is not None:
        new_owners = await resolve_owners(session, community, actor.meeting_id or action.meeting_id, form.owners,
                                          existing)
        if _same_owners(existing, new_owners):
            new_owners = None
        else:
            changes.append(("owners", owner_names(existing) or None, owner_names(new_owners) or None))
    note = form.note if "note" in given and form.note else None
    if not changes and note is None:
        return action
    if changes:
        # Nothing was written yet, so there is nothing to roll back (and rolling back
        # would expire the caller's objects, which it still needs to show the conflict).
        if action.version != expected_version:
            raise ActionConflict(await get_action(session, community.id, action_id))
        result = await session.exec(
            sql_update(Action)
            .where(Action.id == action.id, Action.version == expected_version)
            .values(**values, version=Action.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # someone else's change committed in between; ours matched no row
            raise ActionConflict(await get_action(session, community.id, action_id))
        if new_owners is not None:
            await session.exec(delete(ActionOwner).where(ActionOwner.action_id == action.id))
            for owner in new_owners:
                owner.action_id = action.id
                session.add(owner)
        for field, old, new in changes:
            session.add(ActionChange(action_id=action.id, who=actor.name[:80], meeting_id=actor.meeting_id,
                                     field=field, old=old and old[:2000], new=new and new[:2000]))
    if note is not None:
        session.add(ActionChange(action_id=action.id, who=actor.name[:80], meeting_id=actor.meeting_id, note=note))
    await session.flush()
    await session.refresh(action)
    await _publish(session, community.id, actor, "action.updated" if changes else "action.noted", _event_data(action))
    return action


async def add_note(session: AsyncSession, community: Community, action_id: int, actor: Actor, note: str) -> Action:
    return await update(session, community, action_id, actor, ActionUpdate(note=note), expected_version=0)


async def set_status(session: AsyncSession, community: Community, action_id: int, actor: Actor,
                     status: ActionStatus, expected_version: int) -> Action:
    return await update(session, community, action_id, actor, ActionUpdate(status=status), expected_version)


async def delete_action(session: AsyncSession, community: Community, action_id: int, actor: Actor,
                        expected_version: int) -> None:
    action = await get_action(session, community.id, action_id)
    result = await session.exec(
        delete(Action).where(Action.id == action.id, Action.version == expected_version)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ActionConflict(await get_action(session, community.id, action_id))
    session.expunge(action)
    await _publish(session, community.id, actor, "action.deleted", {"action": {"id": action_id}})
    log.info("action %s deleted in community %s", action_id, community.id)


# --- the calendar feed -------------------------------------------------------------------


async def feed_of(session: AsyncSession, community_id: int) -> ActionFeed | None:
    return (await session.exec(select(ActionFeed).where(ActionFeed.community_id == community_id))).first()


async def new_feed(session: AsyncSession, community: Community, account_id: int) -> str:
    """Make (or replace) the community's secret calendar address; returns its token, shown once."""
    token = secrets.token_urlsafe(32)
    feed = await feed_of(session, community.id)
    if feed is None:
        feed = ActionFeed(community_id=community.id, token_hash=hash_secret(token), created_by=account_id)
    else:
        feed.token_hash, feed.created_by, feed.created_at = hash_secret(token), account_id, utcnow()
    session.add(feed)
    await session.commit()
    return token


async def revoke_feed(session: AsyncSession, community: Community) -> None:
    await session.exec(delete(ActionFeed).where(ActionFeed.community_id == community.id))
    await session.commit()


async def community_for_feed(session: AsyncSession, token: str) -> Community:
    feed = None
    if 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() and token.isascii():
        feed = (await session.exec(select(ActionFeed).where(ActionFeed.token_hash == hash_secret(token)))).first()
    if feed is None:
        raise NotFound("This calendar address does not work any more. Ask an organiser for the current one.")
    return await session.get(Community, feed.community_id)
