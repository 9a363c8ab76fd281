"""The rules of icebreakers: the prompt bank, launching and closing runs, answers,
and pair-up groups."""

import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.breakouts import allocate as allocator
from app.communities.models import Community
from app.db import utcnow, write_versioned
from app.errors import Conflict, Invalid, NotFound, StaleVersion
from app.icebreakers import bank
from app.icebreakers.bank import BY_KEY, CATEGORIES, BuiltinPrompt, Mode
from app.icebreakers.models import (
    IcebreakerAnswer,
    IcebreakerGroupMember,
    IcebreakerPrompt,
    IcebreakerRun,
    RetiredBuiltinPrompt,
    RunStatus,
)
from app.icebreakers.results import Chart, Word, one_word, poll_chart, word_cloud
from app.icebreakers.schemas import (
    AnswerPublic,
    AnswerSubmit,
    GroupMemberPublic,
    PollCount,
    PromptCreate,
    PromptPublic,
    PromptUpdate,
    RunLaunch,
    RunPublic,
    WordCount,
)
from app.live.events import commit_and_publish, record_event
from app.meetings.models import Meeting, MeetingStatus, Participant
from app.web.security import Keys, keyed_hashes

log = logging.getLogger("roundtable.icebreakers")

CUSTOM_PREFIX = "custom-"
MAX_CUSTOM_PROMPTS = 500
MAX_RUNS_PER_MEETING = 200
MAX_WALL = 200  # answers shown on the live wall (newest); the API has them all


# --- the prompt bank ------------------------------------------------------------------


def _builtin_public(prompt: BuiltinPrompt, retired: bool) -> PromptPublic:
    return PromptPublic(id=prompt.key, source="built-in", category=prompt.category,
                        category_label=CATEGORIES[prompt.category], mode=prompt.mode, text=prompt.text,
                        choices=list(prompt.choices), retired=retired)


def _custom_public(prompt: IcebreakerPrompt) -> PromptPublic:
    return PromptPublic(id=f"{CUSTOM_PREFIX}{prompt.id}", source="community", category=prompt.category,
                        category_label=CATEGORIES.get(prompt.category, prompt.category), mode=prompt.mode,
                        text=prompt.text, choices=list(prompt.choices), retired=prompt.retired, version=prompt.version)


async def _retired_keys(session: AsyncSession, community_id: int) -> set[str]:
    result = await session.exec(
        select(RetiredBuiltinPrompt.prompt_key).where(RetiredBuiltinPrompt.community_id == community_id)
    )
    return set(result.all())


async def prompts_of(session: AsyncSession, community_id: int, include_retired: bool = False,
                     category: str | None = None) -> list[PromptPublic]:
    """The community's bank: built-in prompts, then its own, category by category."""
    retired = await _retired_keys(session, community_id)
    own = (await session.exec(
        select(IcebreakerPrompt).where(IcebreakerPrompt.community_id == community_id).order_by(IcebreakerPrompt.id)
    )).all()
    prompts = [_builtin_public(p, p.key in retired) for p in bank.BUILTIN] + [_custom_public(p) for p in own]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    prompts.sort(key=lambda p: order.get(p.category, len(order)))  # stable: built-in first within a category
    return [p for p in prompts
            if (include_retired or not p.retired) and (category is None or p.category == category)]


def _custom_id(prompt_id: str) -> int | None:
    number = prompt_id.removeprefix(CUSTOM_PREFIX)
    if prompt_id.startswith(CUSTOM_PREFIX) and number.isdigit() and len(number) <= 9:
        return int(number)
    return None


async def _own_prompt(session: AsyncSession, community_id: int, prompt_id: str) -> IcebreakerPrompt | None:
    number = _custom_id(prompt_id)
    if number is None:
        return None
    prompt = await session.get(IcebreakerPrompt, number)
    if prompt is None or prompt.community_id != community_id:
        raise NotFound("There is no such prompt in this community's bank.")
    return prompt


async def get_prompt(session: AsyncSession, community_id: int, prompt_id: str) -> PromptPublic:
    if len(prompt_id) > 40:
        raise NotFound("There is no such prompt in this community's bank.")
    own = await _own_prompt(session, community_id, prompt_id)
    if own is not None:
        return _custom_public(own)
    builtin = BY_KEY.get(prompt_id)
    if builtin is None:
        raise NotFound("There is no such prompt in this community's bank.")
    return _builtin_public(builtin, prompt_id in await _retired_keys(session, community_id))


async def add_prompt(session: AsyncSession, community: Community, form: PromptCreate) -> PromptPublic:
    count = (await session.exec(
        select(func.count()).select_from(IcebreakerPrompt).where(IcebreakerPrompt.community_id == community.id)
    )).one()
    if count >= MAX_CUSTOM_PROMPTS:
        raise Conflict(f"A community can keep at most {MAX_CUSTOM_PROMPTS} prompts of its own. "
                       "Edit one you no longer use instead.")
    prompt = IcebreakerPrompt(community_id=community.id, category=form.category, mode=form.mode, text=form.text,
                              choices=form.choices)
    session.add(prompt)
    await session.commit()
    log.info("icebreaker prompt added in community %s", community.id)
    return _custom_public(prompt)


def merged(prompt: PromptPublic, changes: PromptUpdate) -> dict:
    """The whole prompt after a partial change, ready to validate as PromptCreate."""
    data = {"category": prompt.category, "mode": prompt.mode, "text": prompt.text, "choices": prompt.choices}
    data.update(changes.model_dump(exclude_none=True))
    return data


async def update_prompt(session: AsyncSession, community_id: int, prompt_id: str, form: PromptCreate,
                        expected_version: int | None = None) -> PromptPublic:
    """With `expected_version` (the API's If-Match) the write is `UPDATE ... WHERE version
    = ?`: a change made meanwhile is never silently overwritten (StaleVersion)."""
    own = await _own_prompt(session, community_id, prompt_id)
    if own is None:
        await get_prompt(session, community_id, prompt_id)  # 404 if it does not exist at all
        raise Conflict("Built-in prompts cannot be changed. Retire it and add your own version instead.")
    await _write_prompt(session, own, expected_version, category=form.category, mode=form.mode, text=form.text,
                        choices=form.choices)
    return _custom_public(own)


async def _write_prompt(session: AsyncSession, own: IcebreakerPrompt, expected_version: int | None, **values) -> None:
    if not await write_versioned(session, own, expected_version, **values, updated_at=utcnow()):
        raise StaleVersion("Someone else changed this prompt first.", own.version)
    await session.commit()
    await session.refresh(own)


async def set_retired(session: AsyncSession, community_id: int, prompt_id: str, retired: bool) -> PromptPublic:
    own = await _own_prompt(session, community_id, prompt_id)
    if own is not None:
        await _write_prompt(session, own, None, retired=retired)
        return _custom_public(own)
    prompt = await get_prompt(session, community_id, prompt_id)
    if prompt.retired != retired:
        if retired:
            session.add(RetiredBuiltinPrompt(community_id=community_id, prompt_key=prompt_id))
        else:
            row = (await session.exec(select(RetiredBuiltinPrompt).where(
                RetiredBuiltinPrompt.community_id == community_id, RetiredBuiltinPrompt.prompt_key == prompt_id
            ))).first()
            if row is not None:
                await session.delete(row)
        try:
            await session.commit()
        except IntegrityError:  # retired twice at the same instant: the outcome is the same
            await session.rollback()
    return prompt.model_copy(update={"retired": retired})


# --- reading runs -----------------------------------------------------------------------


async def current_run(session: AsyncSession, meeting_id: int) -> IcebreakerRun | None:
    result = await session.exec(
        select(IcebreakerRun)
        .where(IcebreakerRun.meeting_id == meeting_id, IcebreakerRun.status == RunStatus.running)
        .order_by(col(IcebreakerRun.id).desc())
    )
    return result.first()


async def runs_of(session: AsyncSession, meeting_id: int, status: RunStatus | None = None,
                  newest_first: bool = False, after_id: int | None = None,
                  limit: int | None = None) -> list[IcebreakerRun]:
    query = select(IcebreakerRun).where(IcebreakerRun.meeting_id == meeting_id)
    if status is not None:
        query = query.where(IcebreakerRun.status == status)
    if after_id is not None:
        query = query.where(IcebreakerRun.id > after_id)
    order = col(IcebreakerRun.id).desc() if newest_first else col(IcebreakerRun.id)
    query = query.order_by(order)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def get_run(session: AsyncSession, meeting: Meeting, run_id: int) -> IcebreakerRun:
    run = await session.get(IcebreakerRun, run_id) if 0 < run_id < 2**31 else None
    if run is None or run.meeting_id != meeting.id:
        raise NotFound("There is no such icebreaker in this meeting.")
    return run


async def answers_of(session: AsyncSession, run_id: int, newest_first: bool = False,
                     after_position: int | None = None, limit: int | None = None) -> list[IcebreakerAnswer]:
    order = col(IcebreakerAnswer.position).desc() if newest_first else col(IcebreakerAnswer.position)
    query = select(IcebreakerAnswer).where(IcebreakerAnswer.run_id == run_id)
    if after_position is not None:
        query = query.where(IcebreakerAnswer.position > after_position)
    query = query.order_by(order)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.exec(query)).all())


async def answer_count(session: AsyncSession, run_id: int) -> int:
    return (await session.exec(
        select(func.count()).select_from(IcebreakerAnswer).where(IcebreakerAnswer.run_id == run_id)
    )).one()


@dataclass
class GroupMember:
    participant: Participant
    joined_late: bool


async def groups_of(session: AsyncSession, run_id: int) -> list[list[GroupMember]]:
    result = await session.exec(
        select(IcebreakerGroupMember, Participant)
        .join(Participant, Participant.id == IcebreakerGroupMember.participant_id)
        .where(IcebreakerGroupMember.run_id == run_id)
        .order_by(IcebreakerGroupMember.group_no, IcebreakerGroupMember.id)
    )
    groups: dict[int, list[GroupMember]] = defaultdict(list)
    for member, participant in result.all():
        groups[member.group_no].append(GroupMember(participant, member.joined_late))
    return [groups[k] for k in sorted(groups)]


@dataclass
class RunView:
    """Everything a page shows about one run."""

    run: IcebreakerRun
    answer_count: int
    wall: list[IcebreakerAnswer]  # everyone answers: newest first
    chart: Chart | None
    cloud: list[Word]
    groups: list[list[GroupMember]]
    poll_counts: list[int]
    word_counts: list[tuple[str, int]]


async def view_of(session: AsyncSession, run: IcebreakerRun) -> RunView:
    count = await answer_count(session, run.id)
    wall: list[IcebreakerAnswer] = []
    chart = None
    cloud: list[Word] = []
    groups: list[list[GroupMember]] = []
    poll_counts: list[int] = []
    word_counts: list[tuple[str, int]] = []
    if run.mode == Mode.everyone:
        wall = await answers_of(session, run.id, newest_first=True, limit=MAX_WALL)
    elif run.mode == Mode.poll:
        rows = (await session.exec(
            select(IcebreakerAnswer.choice, func.count()).where(IcebreakerAnswer.run_id == run.id)
            .group_by(IcebreakerAnswer.choice)
        )).all()
        by_choice = dict(rows)
        poll_counts = [by_choice.get(i, 0) for i in range(len(run.choices))]
        chart = poll_chart(run.choices, poll_counts)
    elif run.mode == Mode.one_word:
        words = (await session.exec(select(IcebreakerAnswer.text).where(IcebreakerAnswer.run_id == run.id))).all()
        cloud = word_cloud(list(words))
        counts: dict[str, int] = defaultdict(int)
        for word in words:
            counts[word] += 1
        word_counts = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    else:
        groups = await groups_of(session, run.id)
    return RunView(run, count, wall, chart, cloud, groups, poll_counts, word_counts)


async def run_public(session: AsyncSession, run: IcebreakerRun) -> RunPublic:
    view = await view_of(session, run)
    return RunPublic(
        id=run.id, meeting_id=run.meeting_id, prompt_id=run.prompt_id, category=run.category, mode=run.mode,
        text=run.text, choices=list(run.choices), anonymous=run.anonymous, group_size=run.group_size,
        status=run.status, launched_at=run.launched_at, ends_at=run.ends_at, closed_at=run.closed_at,
        answer_count=view.answer_count,
        poll=[PollCount(choice=c, count=n) for c, n in zip(run.choices, view.poll_counts)]
        if run.mode == Mode.poll else None,
        words=[WordCount(word=w, count=n) for w, n in view.word_counts] if run.mode == Mode.one_word else None,
        groups=[[GroupMemberPublic(participant_id=m.participant.id, display_name=m.participant.display_name,
                                   role=m.participant.role, in_room=m.participant.in_room, joined_late=m.joined_late)
                 for m in group] for group in view.groups] if run.mode == Mode.pair_up else None,
    )


def answer_public(run: IcebreakerRun, answer: IcebreakerAnswer) -> AnswerPublic:
    choice = None
    if answer.choice is not None and 0 <= answer.choice < len(run.choices):
        choice = run.choices[answer.choice]
    return AnswerPublic(id=answer.id, run_id=run.id, text=answer.text, choice=choice,
                        author_name=answer.author_name, author_role=answer.author_role, created_at=answer.created_at)


# --- launching and closing (facilitators only; callers check permission) ----------------------


async def _lock_meeting(session: AsyncSession, meeting_id: int) -> None:
    """Take the meeting row's write lock first, so two launches (or two answers from one
    person) at the same instant are serialised on PostgreSQL and SQLite alike."""
    await session.exec(
        update(Meeting).where(Meeting.id == meeting_id).values(event_seq=Meeting.event_seq)
        .execution_options(synchronize_session=False)
    )


async def people_for_pairs(session: AsyncSession, meeting_id: int, include_facilitators: bool) -> list[Participant]:
    """Everyone who joined and has not gone (someone in the room may have no live page)."""
    query = select(Participant).where(
        Participant.meeting_id == meeting_id, Participant.removed == False,  # noqa: E712
        col(Participant.left_at).is_(None),
    )
    if not include_facilitators:
        query = query.where(Participant.is_facilitator == False)  # noqa: E712
    return list((await session.exec(query.order_by(Participant.id))).all())


def identity(participant: Participant) -> str:
    """The same person across a community's meetings (as breakouts count it): their
    account, else their name."""
    if participant.account_id is not None:
        return f"account:{participant.account_id}"
    return "name:" + " ".join(participant.display_name.casefold().split())


async def met_in_pair_ups(session: AsyncSession, meeting: Meeting, people: list[Participant]) -> frozenset[frozenset[int]]:
    """Pairs of these people who were grouped together in an earlier pair-up in this
    community (this meeting or an earlier one). Breakouts can add this to its history."""
    ids_by_identity: dict[str, list[int]] = defaultdict(list)
    for p in people:
        ids_by_identity[identity(p)].append(p.id)
    result = await session.exec(
        select(IcebreakerGroupMember.run_id, IcebreakerGroupMember.group_no, Participant)
        .join(Participant, Participant.id == IcebreakerGroupMember.participant_id)
        .join(IcebreakerRun, IcebreakerRun.id == IcebreakerGroupMember.run_id)
        .join(Meeting, Meeting.id == IcebreakerRun.meeting_id)
        .where(Meeting.community_id == meeting.community_id)
    )
    by_group: dict[tuple[int, int], set[str]] = defaultdict(set)
    for run_id, group_no, participant in result.all():
        by_group[(run_id, group_no)].add(identity(participant))
    pairs: set[frozenset[int]] = set()
    for identities in by_group.values():
        present = sorted(i for i in identities if i in ids_by_identity)
        for a, b in combinations(present, 2):
            for x in ids_by_identity[a]:
                for y in ids_by_identity[b]:
                    pairs.add(frozenset((x, y)))
    return frozenset(pairs)


async def met_before(session: AsyncSession, meeting: Meeting, people: list[Participant]) -> frozenset[frozenset[int]]:
    """Who has met whom: in pair-ups and in breakout rooms."""
    from app.breakouts import service as breakouts

    return await met_in_pair_ups(session, meeting, people) | await breakouts.met_before(session, meeting, people)


def _person(p: Participant) -> allocator.Person:
    return allocator.Person(id=p.id, role=p.role, in_room=p.in_room, facilitator=p.is_facilitator)


# Pairs across roles: lay buddy (which puts lay members together) would defeat the point.
PAIR_POLICY = allocator.Policy(separate_in_room=False, lay_buddy=False)


def form_groups(people: list[Participant], size: int, met: frozenset[frozenset[int]], seed: int) -> list[list[int]]:
    """Pairs (or threes) across roles, preferring people who have not met.

    People in the room are grouped with each other and people online with each
    other, unless that would leave someone on their own. The allocator is asked for
    a number of rooms rather than a room size, so an odd one out makes a three
    instead of standing alone."""
    in_room = [p for p in people if p.in_room]
    online = [p for p in people if not p.in_room]
    if len(in_room) == 1:
        online, in_room = online + in_room, []
    elif len(online) == 1:
        in_room, online = in_room + online, []
    groups: list[list[int]] = []
    for part in (in_room, online):
        if not part:
            continue
        n = len(part)
        rooms = max(1, n // 2) if size == 2 else max(1, (n + 1) // 3)
        allocation = allocator.allocate(allocator.AllocationRequest(
            people=tuple(_person(p) for p in part), rooms=rooms, met_before=met, policy=PAIR_POLICY, seed=seed,
        ))
        groups.extend(list(room.members) for room in allocation.rooms if room.members)
    return groups


def _check_not_ended(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.ended:
        raise Conflict("This meeting has ended, so icebreakers are closed.")


def _event_run(run: IcebreakerRun) -> dict:
    return {"run_id": run.id, "mode": run.mode.value if isinstance(run.mode, Mode) else run.mode, "text": run.text}


async def launch(session: AsyncSession, meeting: Meeting, community: Community, form: RunLaunch) -> IcebreakerRun:
    _check_not_ended(meeting)
    if form.prompt_id:
        prompt = await get_prompt(session, community.id, form.prompt_id)
        if prompt.retired:
            raise Conflict("That prompt has been retired from the bank. Restore it first, or choose another.")
        prompt_id, category, mode, text, choices = prompt.id, prompt.category, prompt.mode, prompt.text, prompt.choices
    else:
        prompt_id, category, mode, text, choices = None, form.category, form.mode, form.text, form.choices
        if category not in CATEGORIES:
            category = None
    await _lock_meeting(session, meeting.id)
    if await current_run(session, meeting.id) is not None:
        raise Conflict("An icebreaker is already running. Close it before launching another.")
    if len(await runs_of(session, meeting.id)) >= MAX_RUNS_PER_MEETING:
        raise Conflict(f"A meeting can have at most {MAX_RUNS_PER_MEETING} icebreakers.")
    now = utcnow()
    run = IcebreakerRun(
        meeting_id=meeting.id, prompt_id=prompt_id, category=category, mode=mode, text=text, choices=list(choices),
        anonymous=form.anonymous if mode == Mode.everyone else mode != Mode.pair_up,
        group_size=form.group_size, launched_at=now,
        ends_at=now + timedelta(minutes=form.minutes) if mode == Mode.pair_up else None,
    )
    if mode == Mode.pair_up:
        people = await people_for_pairs(session, meeting.id, form.include_facilitators)
        if len(people) < 2:
            raise Conflict("Pair up needs at least two people here to pair"
                           + ("." if form.include_facilitators else ", not counting facilitators."))
        groups = form_groups(people, form.group_size, await met_before(session, meeting, people),
                             secrets.randbelow(2**31))
    session.add(run)
    await session.flush()
    if mode == Mode.pair_up:
        for number, members in enumerate(groups):
            for participant_id in members:
                session.add(IcebreakerGroupMember(run_id=run.id, group_no=number, participant_id=participant_id))
    if form.save_to_bank and not form.prompt_id and category is not None:
        session.add(IcebreakerPrompt(community_id=community.id, category=category, mode=mode, text=text,
                                     choices=list(choices)))
    await record_event(session, meeting.id, "icebreaker.launched", _event_run(run))
    await commit_and_publish(session)
    log.info("icebreaker %s launched in meeting %s (%s)", run.id, meeting.id, run.mode)
    return run


async def close(session: AsyncSession, meeting: Meeting, run_id: int | None = None) -> IcebreakerRun:
    await _lock_meeting(session, meeting.id)
    run = await get_run(session, meeting, run_id) if run_id is not None else await current_run(session, meeting.id)
    if run is None or run.status != RunStatus.running:
        raise Conflict("That icebreaker has already closed." if run is not None else "No icebreaker is running.")
    run.status = RunStatus.closed
    run.closed_at = utcnow()
    session.add(run)
    await record_event(session, meeting.id, "icebreaker.closed", {"run_id": run.id})
    await commit_and_publish(session)
    log.info("icebreaker %s closed in meeting %s", run.id, meeting.id)
    return run


# --- answering (every participant) ----------------------------------------------------------


def answer_keys(keys: Keys, participant_id: int, run_id: int) -> list[str]:
    """Who answered is a keyed hash: enough for one answer each, changeable until close.
    Under SECRET_KEY first, then each fallback (an answer given before the key changed)."""
    return keyed_hashes(keys, f"icebreaker:{participant_id}:{run_id}")


def _running(run: IcebreakerRun) -> None:
    if run.status != RunStatus.running:
        raise Conflict("This icebreaker has closed, so answers can no longer be given or changed.")


def _validated(run: IcebreakerRun, form: AnswerSubmit) -> tuple[str, int | None]:
    if run.mode == Mode.pair_up:
        raise Conflict("A pair-up has nothing to type: talk with the people in your group.")
    if run.mode == Mode.poll:
        if form.choice is None or not 0 <= form.choice < len(run.choices):
            raise Invalid("Choose one of the answers.", field="choice")
        return "", form.choice
    if run.mode == Mode.one_word:
        try:
            return one_word(form.text), None
        except ValueError as exc:
            raise Invalid(str(exc), field="text") from exc
    if not form.text:
        raise Invalid("Write your answer first.", field="text")
    return form.text, None


async def answer(session: AsyncSession, keys: Keys, meeting: Meeting, participant: Participant, run_id: int,
                 form: AnswerSubmit) -> IcebreakerAnswer:
    """Give an answer, or change the one given (one per person per run)."""
    run = await get_run(session, meeting, run_id)
    _running(run)
    text, choice = _validated(run, form)
    await _lock_meeting(session, meeting.id)
    await session.refresh(run)
    _running(run)  # closed while we waited for the lock
    mine = answer_keys(keys, participant.id, run.id)
    existing = await _answer_of(session, run.id, mine)
    named = not run.anonymous
    if existing is None:
        last = (await session.exec(
            select(func.max(IcebreakerAnswer.position)).where(IcebreakerAnswer.run_id == run.id)
        )).one()
        existing = IcebreakerAnswer(id=secrets.token_hex(8), run_id=run.id, answer_key=mine[0], position=(last or 0) + 1)
    existing.text, existing.choice = text, choice
    existing.answer_key = mine[0]  # kept under SECRET_KEY from now on, if it was under a fallback
    existing.author_name = participant.display_name if named else None
    existing.author_role = participant.role if named else None
    session.add(existing)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same person answering twice at the same instant
        await session.rollback()
        raise Conflict("Your answer was already saved. Please try again to change it.") from exc
    count = await answer_count(session, run.id)
    await record_event(session, meeting.id, "icebreaker.answered", {"run_id": run.id, "answers": count})
    await commit_and_publish(session)
    log.info("an icebreaker answer was given in meeting %s", meeting.id)  # never who, never what
    return existing


async def my_answer(session: AsyncSession, keys: Keys, participant: Participant, run: IcebreakerRun) -> IcebreakerAnswer | None:
    return await _answer_of(session, run.id, answer_keys(keys, participant.id, run.id))


async def _answer_of(session: AsyncSession, run_id: int, mine: list[str]) -> IcebreakerAnswer | None:
    """This person's answer; the one under SECRET_KEY first, should there be two (one
    given to a worker not yet told of the new key), so re-keying never collides."""
    return (await session.exec(
        select(IcebreakerAnswer).where(IcebreakerAnswer.run_id == run_id, col(IcebreakerAnswer.answer_key).in_(mine))
        .order_by(case((IcebreakerAnswer.answer_key == mine[0], 0), else_=1), col(IcebreakerAnswer.position))
    )).first()


async def my_group(session: AsyncSession, participant: Participant, run: IcebreakerRun) -> list[GroupMember] | None:
    for group in await groups_of(session, run.id):
        if any(m.participant.id == participant.id for m in group):
            return group
    return None


async def join_a_group(session: AsyncSession, meeting: Meeting, participant: Participant, run_id: int) -> list[GroupMember]:
    """Someone arrived after the pairs were made: put them in the best group (usually a pair,
    which becomes a three)."""
    run = await get_run(session, meeting, run_id)
    if run.mode != Mode.pair_up:
        raise Conflict("This icebreaker is not a pair-up.")
    _running(run)
    await _lock_meeting(session, meeting.id)
    await session.refresh(run)
    _running(run)  # closed while we waited for the lock
    groups = await groups_of(session, run.id)
    mine = next((g for g in groups if any(m.participant.id == participant.id for m in g)), None)
    if mine is not None:
        others = [m.participant.display_name for m in mine if m.participant.id != participant.id]
        raise Conflict("You are already in a group with " + " and ".join(others) + "." if others
                       else "You are already in a group.")
    people = {m.participant.id: m.participant for g in groups for m in g}
    rooms = []
    for number, group in enumerate(groups):
        places = {m.participant.in_room for m in group}
        rooms.append(allocator.Room(index=number, in_room=places.pop() if len(places) == 1 else None,
                                    members=tuple(sorted(m.participant.id for m in group))))
    if rooms:
        number = allocator.place_latecomer(
            tuple(rooms), {pid: _person(p) for pid, p in people.items()}, _person(participant),
            await met_before(session, meeting, [*people.values(), participant]),
            allocator.Policy(separate_in_room=True, lay_buddy=False),
        )
    else:
        number = 0
    session.add(IcebreakerGroupMember(run_id=run.id, group_no=number, participant_id=participant.id, joined_late=True))
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("You are already in a group.") from exc
    await record_event(session, meeting.id, "icebreaker.regrouped", {"run_id": run.id})
    await commit_and_publish(session)
    return await my_group(session, participant, run) or []
