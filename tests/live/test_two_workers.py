"""Two real Roundtable processes share one meeting through PostgreSQL and Redis.

Each worker is started as production starts it (`uvicorn app.asgi:app` through
app.cli.serve) on its own loopback port; browsers are httpx clients filling in the
real page forms, and live sockets are opened with the `websockets` library.

To add a kind of change (e.g. an anonymous question), add a `Change` to CHANGES:
how the facilitator or a member makes it through a worker, and how a pushed
message shows it.
"""

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import pytest

from tests.helpers import region, text_of
from tests.live.realserver import (
    POSTGRES_SERVER,
    REDIS_SERVER,
    WebBrowser,
    Worker,
    drop_postgres_database,
    fresh_postgres_database,
    redis_reachable,
    unavailable,
)

pytestmark = pytest.mark.timeout(120)

DELIVERY = 1.0  # seconds from a write returning to every participant seeing it


@dataclass
class Workers:
    a: Worker
    b: Worker
    database: str  # name of the PostgreSQL database both use
    env: dict  # their settings, for a third worker of the same deployment


@pytest.fixture(scope="module")
def workers():
    problem = redis_reachable(REDIS_SERVER)
    if problem:
        unavailable(problem)
    database = f"roundtable_workers_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = fresh_postgres_database(database)
    # Redis pub/sub ignores database numbers, but Roundtable's channels carry it
    # (rt:<db>:...), so a number of its own keeps this run apart from others.
    redis_url = f"{REDIS_SERVER}/{1 + os.getpid() % 14}"  # 1-14; the bench uses 15
    # Quick heartbeats, so a worker that dies is noticed within a few seconds.
    env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "LIVE_HEARTBEAT_SECONDS": "0.5"}
    a, b = Worker(env, "worker-a"), Worker(env, "worker-b")
    try:
        a.start()
        b.start()
        yield Workers(a, b, database, env)
    finally:
        a.stop()
        b.stop()
        drop_postgres_database(database)


@dataclass
class Meeting:
    facilitator: WebBrowser
    meeting_id: int
    code: str


async def new_meeting(workers: Workers) -> Meeting:
    fac = WebBrowser()
    await fac.sign_up(workers.a)
    community = await fac.create_community(workers.a)
    meeting_id = await fac.create_meeting(workers.a, community)
    return Meeting(fac, meeting_id, await fac.join_code(workers.a, meeting_id))


async def member(worker: Worker, meeting: Meeting, name: str, role: str = "lay") -> WebBrowser:
    person = WebBrowser()
    await person.join(worker, meeting.code, name, role)
    return person


def presence_text(message: str) -> str | None:
    part = region(message, "presence")
    return text_of(part).split("Joined but not connected now")[0] if part is not None else None


# --- changes made through one worker, seen on the other ---------------------------------


@dataclass
class Change:
    name: str
    make: Callable[[Meeting, Worker], Awaitable[None]]  # the write, through the given worker
    shows: Callable[[str], bool]  # recognises a pushed message that shows it


async def add_agenda_item(meeting: Meeting, worker: Worker) -> None:
    response = await meeting.facilitator.post(worker, f"/meetings/{meeting.meeting_id}/agenda",
                                              {"title": "Budget set through worker B"})
    assert response.status_code == 303, response.text


async def start_meeting(meeting: Meeting, worker: Worker) -> None:
    response = await meeting.facilitator.post(worker, f"/meetings/{meeting.meeting_id}/start")
    assert response.status_code == 303, response.text


async def ask_a_question(meeting: Meeting, worker: Worker) -> None:
    """A member on the other worker posts an anonymous question, as the page does."""
    ben = await member(worker, meeting, "Ben", role="clinician")
    try:
        await ben.get(worker, f"/meetings/{meeting.meeting_id}")
        response = await ben.post(worker, f"/meetings/{meeting.meeting_id}/questions",
                                  {"body": "Asked through worker B: who runs the pilot?", "attribution": "anonymous"},
                                  htmx=True)
        assert response.status_code == 200, response.text
    finally:
        await ben.close()


CHANGES = [
    Change("question posted", ask_a_question,
           lambda m: "Asked through worker B: who runs the pilot?" in text_of(m)),
    Change("agenda item added", add_agenda_item,
           lambda m: "Budget set through worker B" in text_of(region(m, "agenda") or "")),
    Change("meeting started", start_meeting,
           lambda m: "running now" in text_of(region(m, "meeting-status") or "")),
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.name for c in CHANGES])
def test_a_change_through_one_worker_reaches_a_participant_on_the_other(workers, change):
    async def scenario():
        meeting = await new_meeting(workers)
        ana = await member(workers.a, meeting, "Ana")
        try:
            async with ana.live(workers.a, meeting.meeting_id) as on_a:
                snapshot = await on_a.next()
                assert not change.shows(snapshot)
                await change.make(meeting, workers.b)
                await on_a.wait_for(change.shows, timeout=DELIVERY)
        finally:
            await ana.close()
            await meeting.facilitator.close()

    asyncio.run(scenario())


def test_presence_is_shared_by_both_workers(workers):
    async def scenario():
        meeting = await new_meeting(workers)
        ana = await member(workers.a, meeting, "Ana")
        ben = await member(workers.b, meeting, "Ben", role="clinician")
        try:
            async with ana.live(workers.a, meeting.meeting_id) as on_a:
                first = presence_text(await on_a.next())
                assert "Ana" in first and "Ben" not in first
                async with ben.live(workers.b, meeting.meeting_id) as on_b:
                    seen = await on_a.wait_for(lambda m: "Ben" in (presence_text(m) or ""), timeout=DELIVERY)
                    assert "Clinician (1)" in presence_text(seen)
                    ben_sees = presence_text(await on_b.next())
                    assert "Ana" in ben_sees and "Ben" in ben_sees
                # Ben closed his page on worker B: Ana, on worker A, sees him go.
                gone = await on_a.wait_for(lambda m: (p := presence_text(m)) is not None and "Ben" not in p,
                                           timeout=DELIVERY + 2.0)  # + the server noticing the close
                assert "Ben" in text_of(region(gone, "presence"))  # listed as joined but away
        finally:
            for person in (ana, ben, meeting.facilitator):
                await person.close()

    asyncio.run(scenario())


def test_sequence_numbers_stay_unique_and_ordered_across_workers(workers):
    async def scenario():
        meeting = await new_meeting(workers)
        items = await meeting.facilitator.agenda_item_ids(workers.a, meeting.meeting_id)
        ana = await member(workers.a, meeting, "Ana")
        ben = await member(workers.a, meeting, "Ben")
        try:
            # Ben stays connected to the end: seeing Ana go means her departure is
            # written (commit, then publish), and nothing else is written after it.
            async with ben.live(workers.a, meeting.meeting_id) as ben_on_a:
                await ben_on_a.next()
                async with ana.live(workers.b, meeting.meeting_id) as on_b:
                    await on_b.next()
                    # Ben sees her come first, so the wait below is for her going.
                    await ben_on_a.wait_for(lambda m: "Ana" in (presence_text(m) or ""),
                                            timeout=DELIVERY + 1.0)  # + presence is batched

                    async def move(n: int):
                        worker = workers.a if n % 2 else workers.b
                        return await meeting.facilitator.post(worker, f"/meetings/{meeting.meeting_id}/agenda/now",
                                                              {"item_id": str(items[n % len(items)])})

                    async def join(n: int):
                        worker = workers.b if n % 2 else workers.a
                        await member(worker, meeting, f"Person {n}")

                    results = await asyncio.gather(*(move(n) for n in range(30)), *(join(n) for n in range(10)))
                    assert all(r.status_code == 303 for r in results[:30])
                await ben_on_a.wait_for(lambda m: (p := presence_text(m)) is not None and "Ana" not in p,
                                        timeout=DELIVERY + 2.0)  # + worker B noticing the close
                seqs, last = await written_sequence(workers.database, meeting.meeting_id)
        finally:
            for person in (ana, ben, meeting.facilitator):
                await person.close()

        assert len(seqs) >= 30 + 10 + 3  # the moves, the joins, Ben's and Ana's arrivals, Ana's departure
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), "unique, with no gaps"
        assert seqs == sorted(seqs), "in the order they were written"
        assert last == len(seqs)

    asyncio.run(scenario())


async def written_sequence(database: str, meeting_id: int) -> tuple[list[int], int]:
    """The meeting's event numbers in the order written, and its counter, read in one
    snapshot so a write landing between the two reads cannot make them disagree."""
    conn = await asyncpg.connect(f"{POSTGRES_SERVER}/{database}", timeout=5)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            rows = await conn.fetch("SELECT seq FROM meetingevent WHERE meeting_id = $1 ORDER BY id", meeting_id)
            last = await conn.fetchval("SELECT event_seq FROM meeting WHERE id = $1", meeting_id)
    finally:
        await conn.close()
    return [r["seq"] for r in rows], last


def test_people_on_a_worker_that_dies_are_shown_as_gone_by_the_others(workers):
    """A worker killed outright (or its host lost) closes nothing and counts nobody
    out; the others notice its heartbeat stop and count its people out."""
    async def scenario():
        meeting = await new_meeting(workers)
        ana = await member(workers.a, meeting, "Ana")
        cy = await member(workers.a, meeting, "Cy", role="clinician")
        doomed = Worker(workers.env, "worker-c")
        doomed.start()
        try:
            async with ana.live(workers.a, meeting.meeting_id) as on_a:
                await on_a.next()
                async with cy.live(doomed, meeting.meeting_id) as on_c:
                    await on_c.next()
                    await on_a.wait_for(lambda m: "Cy" in (presence_text(m) or ""), timeout=DELIVERY + 2.0)
                    doomed.process.kill()  # SIGKILL: no socket closed, no presence update
                    doomed.process.wait(timeout=10)
                    gone = await on_a.wait_for(lambda m: (p := presence_text(m)) is not None and "Cy" not in p,
                                               timeout=10.0)  # three missed heartbeats, then a sweep
                    assert "Cy" in text_of(region(gone, "presence"))  # joined, now away
                    assert "Ana" in presence_text(gone)
        finally:
            doomed.stop()
            for person in (ana, cy, meeting.facilitator):
                await person.close()

    asyncio.run(scenario())
