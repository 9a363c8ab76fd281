"""Three tabs (a facilitator and two members) see each other arrive and leave, live."""

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.helpers import RecordingSocket, opens_a_page, region, text_of

pytestmark = pytest.mark.timeout(30)


def presence_text(message: str) -> str | None:
    """Who the page lists as here now (not those who joined but are away)."""
    part = region(message, "presence")
    return text_of(part).split("Joined but not connected now")[0] if part is not None else None


def away_text(message: str) -> str:
    return text_of(region(message, "presence") or "").partition("Joined but not connected now")[2]


def test_everyone_sees_arrivals_and_departures_live(scene):
    ana = scene.member("Ana", role="lay")
    ben = scene.member("Ben", role="clinician", in_room=True)

    with scene.facilitator.live(scene.meeting_id) as fac_socket:
        snapshot = fac_socket.next()
        assert "Fran Facilitator" in presence_text(snapshot)
        assert "Ana" not in presence_text(snapshot)  # joined, but no page open yet

        with ana.live(scene.meeting_id) as ana_socket:
            seen = fac_socket.wait_for(lambda m: "Ana" in (presence_text(m) or ""))
            assert "Lay member or patient (1)" in presence_text(seen)
            ana_snapshot = ana_socket.next()
            assert "Fran Facilitator" in presence_text(ana_snapshot)

            with ben.live(scene.meeting_id) as ben_socket:
                for socket in (fac_socket, ana_socket):
                    seen = socket.wait_for(lambda m: "Ben" in (presence_text(m) or ""))
                    assert "Clinician (1)" in presence_text(seen)
                    assert "In the room" in presence_text(seen)
                ben_snapshot = presence_text(ben_socket.next())
                assert "Ana" in ben_snapshot and "Fran Facilitator" in ben_snapshot

            # Ben closed his tab: the others see him go.
            for socket in (fac_socket, ana_socket):
                gone = socket.wait_for(lambda m: (p := presence_text(m)) is not None and "Ben" not in p)
                assert "Clinician (1)" not in presence_text(gone)
                assert "Ben" in away_text(gone)


def test_snapshot_on_connect_shows_the_current_state(scene):
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/start")
    ana = scene.member("Ana")
    with ana.live(scene.meeting_id) as socket:
        snapshot = socket.next()
    assert "The meeting is running now" in text_of(region(snapshot, "meeting-status"))
    assert "Welcome" in text_of(region(snapshot, "agenda"))
    # A member's snapshot carries no facilitator controls.
    assert "/end" not in snapshot and "remove" not in snapshot.lower()


def test_a_foreign_origin_cannot_open_the_live_socket(scene):
    ana = scene.member("Ana")
    with pytest.raises(WebSocketDisconnect) as refused:
        with ana.live(scene.meeting_id, origin="https://evil.example") as socket:
            socket.next()
    assert refused.value.code == 1008


def test_a_browser_that_has_not_joined_cannot_listen(scene, new_browser):
    stranger = new_browser()
    with pytest.raises(WebSocketDisconnect) as refused:
        with stranger.live(scene.meeting_id) as socket:
            socket.next()
    assert refused.value.code == 1008


def test_meeting_start_and_agenda_reach_members_live(scene):
    ana = scene.member("Ana")
    agenda = scene.facilitator.get(f"/meetings/{scene.meeting_id}").text
    import re

    item_id = re.search(r'name="item_id" value="(\d+)"', agenda).group(1)
    with ana.live(scene.meeting_id) as socket:
        socket.next()
        assert scene.facilitator.post(f"/meetings/{scene.meeting_id}/start", htmx=True).status_code == 200
        started = socket.wait_for(lambda m: region(m, "meeting-status") is not None)
        assert "The meeting is running now" in text_of(started)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda/now", {"item_id": item_id}, htmx=True)
        moved = socket.wait_for(lambda m: region(m, "agenda") is not None)
        assert "Now: Welcome" in text_of(moved)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/end", htmx=True)
        ended = socket.wait_for(lambda m: region(m, "meeting-status") is not None)
        assert "The meeting has ended" in text_of(ended)


def test_a_removed_participant_is_disconnected_and_cannot_return(scene):
    ana = scene.member("Ana")
    page = scene.facilitator.get(f"/meetings/{scene.meeting_id}").text
    import re

    ana_id = re.search(r'/participants/(\d+)/remove', page)
    with ana.live(scene.meeting_id) as socket:
        socket.next()
        page = scene.facilitator.get(f"/meetings/{scene.meeting_id}").text
        ana_id = re.search(r'id="person-(\d+)">\s*<span class="name">Ana', page).group(1)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/participants/{ana_id}/remove")
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):
                socket.next()
        assert closed.value.code == 4403
    assert ana.get(f"/meetings/{scene.meeting_id}").status_code == 403


def test_a_large_meeting_lists_counts_by_role_instead_of_every_name(scene, monkeypatch):
    import app.meetings.live as meeting_live

    monkeypatch.setattr(meeting_live, "MEMBER_NAMES_LIMIT", 2)
    ana, ben, cat = scene.member("Ana", "lay"), scene.member("Ben", "gp"), scene.member("Cat", "gp")
    with ana.live(scene.meeting_id) as a, ben.live(scene.meeting_id), cat.live(scene.meeting_id):
        crowded = a.wait_for(lambda m: "GP: 2" in text_of(region(m, "presence") or ""))
        text = text_of(region(crowded, "presence"))
        assert "only the numbers for each role are shown" in text and "Lay member or patient: 1" in text
        assert "Ben" not in text.split("Joined but not connected")[0]


def test_a_burst_of_arrivals_reaches_the_others_as_one_update(client, scene):
    """When a meeting starts, many arrive at once; each arrival used to push the whole
    list to everyone. The hub now gathers a burst into one push of the truth."""
    import asyncio

    from app.live.regions import FACILITATORS
    from app.meetings import service

    names = [f"Person {n:02}" for n in range(12)]
    for name in names:
        scene.member(name)
    hub = client.app.state.hub
    hub.batch_seconds = hub.gather_seconds = 1.0  # wider than the burst takes even on a busy machine
    page = RecordingSocket()
    watcher = hub.new_connection(page, scene.meeting_id, 10**9, FACILITATORS)
    client.portal.call(hub.attach, watcher)
    try:
        assert "Person 00" not in presence_text(client.portal.call(page.next))  # the snapshot

        async def everyone_arrives():
            async with client.app.state.sessionmaker() as session:
                people = await service.participants_of(session, scene.meeting_id)
            for person in people:
                if person.display_name in names:
                    async with client.app.state.sessionmaker() as session:
                        session.info["hub"] = hub
                        await service.connected(session, person.id, scene.meeting_id)

        async def next_presence() -> str:
            while (part := presence_text(await page.next())) is None:
                pass
            return part

        client.portal.call(everyone_arrives)
        pushes = [client.portal.call(next_presence)]
        while not all(name in pushes[-1] for name in names):
            pushes.append(client.portal.call(next_presence))
        assert len(pushes) <= 2, f"{len(pushes)} pushes for one burst of {len(names)} arrivals"
    finally:
        client.portal.call(hub.detach, watcher)


def test_batched_events_are_never_announced():
    """A batch is rendered without its events, so an announcement would be lost."""
    import app.main  # noqa: F401  (every domain registers its regions)
    from app.live.regions import batched_events, regions_for

    assert {"participant.arrived", "question.voted", "icebreaker.answered"} <= batched_events()
    for event_type in batched_events():
        assert "live-news" not in regions_for(event_type), event_type


def test_in_a_calm_meeting_one_arrival_shows_at_once(client, scene):
    """Batching limits a meeting to one batch a second, but a lone arrival does not
    wait for it: the first event of a calm spell goes out after a moment."""
    from app.live.regions import FACILITATORS

    scene.member("Ana")
    hub = client.app.state.hub
    hub.batch_seconds = 60.0  # were the lone arrival to wait for the batch, the test would time out
    page = RecordingSocket()
    watcher = hub.new_connection(page, scene.meeting_id, 10**9, FACILITATORS)
    client.portal.call(hub.attach, watcher)
    try:
        client.portal.call(page.next)  # the snapshot

        async def ana_arrives_and_is_seen() -> str:
            await opens_a_page(client.app, scene.meeting_id, "Ana")
            while (part := presence_text(await page.next())) is None:
                pass
            return part

        assert "Ana" in client.portal.call(ana_arrives_and_is_seen)
    finally:
        client.portal.call(hub.detach, watcher)


def test_a_silent_worker_is_swept_once_and_the_people_it_held_are_counted_out(client, scene):
    """What the other workers do when one stops beating (killed, host lost): its
    sockets are counted out exactly once, however many workers sweep."""
    from datetime import timedelta

    from app.db import utcnow
    from app.meetings import service
    from app.meetings.models import Participant

    scene.member("Ana")
    hub, sessionmaker = client.app.state.hub, client.app.state.sessionmaker

    async def scenario():
        async with sessionmaker() as session:
            ana = next(p for p in await service.participants_of(session, scene.meeting_id) if p.display_name == "Ana")
        for _ in range(2):  # two tabs, both on the worker that will die
            async with sessionmaker() as session:
                session.info["hub"] = hub
                await service.connected(session, ana.id, scene.meeting_id, "worker-that-dies")
        async with sessionmaker() as session:
            assert (await session.get(Participant, ana.id)).live_connections == 2
        sweeps = []
        for _ in range(2):  # two workers sweep, one after the other
            async with sessionmaker() as session:
                session.info["hub"] = hub
                sweeps.append(await service.sweep_gone_workers(session, utcnow() + timedelta(seconds=1)))
        async with sessionmaker() as session:
            ana = await session.get(Participant, ana.id)
            return sweeps, ana.live_connections, ana.left_at

    (first, second), connections, left_at = client.portal.call(scenario)
    assert "worker-that-dies" in first and second == []
    assert connections == 0 and left_at is not None


def test_a_big_meetings_batches_wait_longer_for_each_other():
    """Each batch goes to everyone, and "who is here" grows with them: a big meeting's
    batches are spaced further apart (at most five times), a small one's are not."""
    from app.live.brokers import MemoryBroker
    from app.live.hub import LiveHub
    from app.live.regions import FACILITATORS, MEMBERS

    hub = LiveHub(MemoryBroker(), sessionmaker=None, batch_seconds=1.0)
    topic = "meeting:1"

    def interval_with(people: int) -> float:
        hub._meetings[topic][MEMBERS] = {object() for _ in range(people - 1)}
        hub._meetings[topic][FACILITATORS] = {object()}
        return hub.batch_interval(topic)

    assert [interval_with(n) for n in (1, 25, 26, 100, 101, 2000)] == [1.0, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert hub.batch_interval("meeting:2") == 1.0  # nobody here on this worker


def test_the_in_process_broker_hands_over_what_waited_together_and_keeps_going_after_a_failure():
    import asyncio

    from app.live.brokers import MemoryBroker

    async def scenario():
        broker, runs, resynced = MemoryBroker(), [], asyncio.Event()

        async def on_messages(run):
            runs.append([payload for _, payload in run])
            if "bad" in runs[-1]:
                raise ValueError("the hub failed on these")

        async def on_resync():
            resynced.set()

        await broker.start(on_messages, on_resync)
        await broker.subscribe("meeting:1")
        await broker.publish("meeting:1", "bad")
        while not runs:  # the delivery task runs (bounded by the test timeout)
            await asyncio.sleep(0)
        for payload in ("one", "two"):  # published back to back: they wait together
            await broker.publish("meeting:1", payload)
        await broker.publish("meeting:2", "nobody listens")
        while len(runs) < 2:
            await asyncio.sleep(0)
        assert runs == [["bad"], ["one", "two"]]  # delivered after the failure, as one run
        broker.LIMIT = 3
        for n in range(5):  # more than LIMIT wait: dropped, then everyone resyncs
            await broker.publish("meeting:1", f"flood {n}")
        await asyncio.wait_for(resynced.wait(), 5)
        while broker._waiting.qsize():
            await asyncio.sleep(0)
        delivered = [payload for run in runs[2:] for payload in run]
        assert delivered and delivered[-1] == "flood 4" and len(delivered) < 5
        await broker.stop()

    asyncio.run(asyncio.wait_for(scenario(), 10))
