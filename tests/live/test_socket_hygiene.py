"""Live socket hygiene, checked against a real uvicorn process started as
production starts it (app.cli.serve), plus the hub's bounded-queue policy.

- no per-message compression, even when the client offers it;
- an incoming message over settings.live_max_message_bytes closes the socket (1009);
- one person cannot hold more than settings.live_max_connections_per_participant sockets;
- a client that falls behind is let go (1013) without holding up anyone else.
"""

import asyncio
import base64
import os

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.protocol import State

from app.config import Settings
from app.live.hub import CLOSE_SLOW, Connection
from app.live.protocol import FRAMES_EXTENSION
from app.live.regions import MEMBERS
from tests.helpers import frame_text, region, text_of
from tests.live.realserver import WebBrowser, Worker, open_live

pytestmark = pytest.mark.timeout(60)

MAX_MESSAGE_BYTES = Settings.model_fields["live_max_message_bytes"].default
MAX_CONNECTIONS = Settings.model_fields["live_max_connections_per_participant"].default


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    """One worker on SQLite with the in-process broker: no other server needed."""
    from app.cli import migrate

    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hygiene')}/roundtable.db"
    migrate(url)
    server = Worker({"DATABASE_URL": url}, "hygiene")
    try:
        server.start()
        yield server
    finally:
        server.stop()


async def meeting_with_member(worker: Worker) -> tuple[WebBrowser, WebBrowser, int]:
    fac = WebBrowser()
    await fac.sign_up(worker)
    meeting_id = await fac.create_meeting(worker, await fac.create_community(worker))
    ana = WebBrowser()
    await ana.join(worker, await fac.join_code(worker, meeting_id), "Ana")
    return fac, ana, meeting_id


def test_per_message_compression_is_not_negotiated(worker):
    async def scenario():
        fac, ana, meeting_id = await meeting_with_member(worker)
        try:
            async with open_live(worker, meeting_id, ana.cookie_header(), compression="deflate") as ws:
                offered = ws.request.headers.get("Sec-WebSocket-Extensions") or ""
                assert "permessage-deflate" in offered, "the client did offer it"
                assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
                assert "meeting-status" in await asyncio.wait_for(ws.recv(), 5)
        finally:
            await fac.close()
            await ana.close()

    asyncio.run(scenario())


def test_an_oversized_incoming_message_closes_the_socket_with_1009(worker):
    async def scenario():
        fac, ana, meeting_id = await meeting_with_member(worker)
        try:
            async with ana.live(worker, meeting_id) as live:
                await live.next()  # snapshot
                # A message within the limit is ignored and the socket stays open:
                await live.ws.send("x" * 100)
                assert (await fac.post(worker, f"/meetings/{meeting_id}/start")).status_code == 303
                await live.wait_for(lambda m: "running now" in text_of(region(m, "meeting-status") or ""))

                await live.ws.send("x" * (MAX_MESSAGE_BYTES + 1))
                with pytest.raises(ConnectionClosed) as closed:
                    await live.wait_for(lambda m: False, timeout=5)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        finally:
            await fac.close()
            await ana.close()

    asyncio.run(scenario())


def test_one_person_cannot_open_more_than_the_connection_cap(worker):
    async def scenario():
        fac, ana, meeting_id = await meeting_with_member(worker)
        try:
            sockets = []
            try:
                for _ in range(MAX_CONNECTIONS):
                    live = ana.live(worker, meeting_id)
                    sockets.append(live)
                    client = await live.__aenter__()
                    await client.next()  # the snapshot: this socket is counted
                with pytest.raises(InvalidStatus) as refused:
                    async with ana.live(worker, meeting_id):
                        pass
                assert refused.value.response.status_code == 403
                # Someone else in the same meeting is not affected.
                async with fac.live(worker, meeting_id) as other:
                    assert "meeting-status" in await other.next()
            finally:
                for live in reversed(sockets):
                    await live.__aexit__(None, None, None)
        finally:
            await fac.close()
            await ana.close()

    asyncio.run(scenario())


# --- the bounded backlog: the policy itself, without a network --------------------------


class FakeSocket:
    """Enough of a WebSocket for Connection: send_text either delivers at once or,
    for a stuck client, never completes. With `frames`, it also offers the server's
    frame writes (app/live/protocol.py), which take a frame while `writable`."""

    def __init__(self, stuck: bool = False, expect: int = 0, frames: bool = False):
        self.stuck = stuck
        self.sent: list[str] = []  # what arrived, in order, by either path
        self.by_frame = 0
        self.expect = expect
        self.got_all = asyncio.Event()
        self.writable = True
        self.scope = {"extensions": {FRAMES_EXTENSION: {"write": self.write}}} if frames else {}

    def _arrived(self, text: str) -> None:
        self.sent.append(text)
        if len(self.sent) >= self.expect:
            self.got_all.set()

    def write(self, frame: bytes) -> bool:
        if not self.writable:
            return False
        assert frame[0] == 0x81  # one whole, final text frame
        self.by_frame += 1
        self._arrived(frame_text(frame))
        return True

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # a client that stopped reading
        self._arrived(text)


def test_a_client_that_falls_behind_is_let_go_and_the_others_are_not():
    async def scenario():
        queue_size, messages = 4, 50
        slow_socket = FakeSocket(stuck=True)
        fast_sockets = [FakeSocket(expect=messages) for _ in range(3)]
        slow = Connection(slow_socket, 1, 1, MEMBERS, queue_size)
        fast = [Connection(s, 1, 2 + i, MEMBERS, queue_size) for i, s in enumerate(fast_sockets)]
        for n in range(messages):
            for conn in (slow, *fast):
                conn.offer(f"update {n}")  # never waits, whatever the socket does
            await asyncio.sleep(0)  # let the senders run, as the event loop would between events
        assert slow.is_closed and slow.close_code == CLOSE_SLOW == 1013
        assert slow_socket.sent == []
        for conn, socket in zip(fast, fast_sockets):
            await asyncio.wait_for(socket.got_all.wait(), 5)
            assert "".join(socket.sent) == "".join(f"update {n}" for n in range(messages))
            assert not conn.is_closed
        slow.offer("after closing")  # ignored, no error

    asyncio.run(scenario())


def test_a_burst_larger_than_the_backlog_is_let_go_even_before_the_sender_runs():
    async def scenario():
        conn = Connection(FakeSocket(), 1, 1, MEMBERS, queue_size=2)
        conn.offer("one")
        conn.offer("two")
        assert not conn.is_closed
        conn.offer("three")
        assert conn.is_closed and conn.close_code == 1013

    asyncio.run(scenario())


def test_pushes_that_pile_up_go_as_one_message_in_order_but_feed_events_do_not():
    """A page that fell behind catches up with one send (htmx applies a message's
    fragments in order); an integration's feed keeps one JSON event per message."""
    async def scenario():
        page_socket, feed_socket = FakeSocket(expect=1), FakeSocket(expect=3)
        page = Connection(page_socket, 1, 1, MEMBERS, queue_size=8)
        feed = Connection(feed_socket, 1, 0, None, queue_size=8, merges=False)
        for conn in (page, feed):
            for n in range(3):
                conn.offer(f'<div id="r{n}" hx-swap-oob="innerHTML">{n}</div>')  # before the sender runs
        await asyncio.wait_for(page_socket.got_all.wait(), 5)
        await asyncio.wait_for(feed_socket.got_all.wait(), 5)
        assert page_socket.sent == ["".join(f'<div id="r{n}" hx-swap-oob="innerHTML">{n}</div>' for n in range(3))]
        assert len(feed_socket.sent) == 3

    asyncio.run(scenario())


def test_pushes_go_straight_to_a_writable_socket_and_wait_in_order_when_it_is_backed_up():
    """Under uvicorn a push is one frame written at once, with no task; when the
    client's buffer is full the pushes wait in the backlog and go out in order once
    it drains, and no later push overtakes them by the direct path."""
    async def scenario():
        socket = FakeSocket(frames=True)
        conn = Connection(socket, 1, 1, MEMBERS, queue_size=8)
        conn.offer("one")
        conn.offer("two")
        assert socket.sent == ["one", "two"] and socket.by_frame == 2  # at once, no sender task
        socket.writable = False
        conn.offer("three")
        conn.offer("four")
        socket.writable = True  # drained, but "three" and "four" are still waiting
        conn.offer("five")
        assert socket.sent == ["one", "two"]  # "five" did not jump the queue
        for _ in range(100):  # a few turns of the event loop: the sender task runs once
            if conn._sender is None:
                break
            await asyncio.sleep(0)
        assert "".join(socket.sent) == "onetwothreefourfive"
        conn.offer("six")  # the backlog is empty again: straight to the socket
        assert socket.sent[-1] == "six" and socket.by_frame == 3
        assert not conn.is_closed

    asyncio.run(asyncio.wait_for(scenario(), 10))


class ListeningSocket(FakeSocket):
    """A client that stays connected until the server closes the socket."""

    def __init__(self):
        super().__init__()
        self.closed_with: int | None = None
        self.gone = asyncio.Event()

    async def receive(self) -> dict:
        await self.gone.wait()
        return {"type": "websocket.disconnect", "code": self.closed_with}

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code
        self.gone.set()


class HubStandIn:
    """What serve_connection needs of a hub, recording detaches."""

    def __init__(self):
        self._serving, self._cleanups, self.detached = set(), set(), []

    def _track(self, tasks, task):
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def detach(self, conn):
        self.detached.append(conn)


def test_a_socket_closed_while_it_attaches_is_let_go_not_left_open():
    """Removed (4403) or overflowing while its snapshot is read, from its own task or
    another's: the socket is closed with that code and detached, never left open."""
    from app.live.hub import serve_connection

    async def attach_then(close_from_inside: bool) -> tuple[int | None, bool]:
        hub, socket = HubStandIn(), ListeningSocket()
        conn = Connection(socket, 1, 1, MEMBERS, queue_size=4)
        gone = asyncio.Event()

        async def attach():
            if close_from_inside:
                conn.close(4403)  # from within the serving task itself
            else:
                asyncio.get_running_loop().call_soon(conn.close, 4403)
                await asyncio.sleep(0.01)  # an await inside attach, cancelled by close()

        async def on_gone():
            gone.set()

        serving = asyncio.create_task(serve_connection(hub, conn, on_gone, attach))
        await asyncio.wait_for(serving, 5)  # it ends: no listening to a socket nobody closes
        return socket.closed_with, gone.is_set() and hub.detached == [conn] and not serving.cancelled()

    for inside in (True, False):
        assert asyncio.run(attach_then(inside)) == (4403, True)


def test_a_server_cancel_in_the_same_turn_as_a_close_still_cancels_the_task():
    from app.live.hub import serve_connection

    async def scenario():
        hub, socket = HubStandIn(), ListeningSocket()
        conn = Connection(socket, 1, 1, MEMBERS, queue_size=4)
        attached = asyncio.Event()

        async def attach():
            attached.set()

        async def on_gone():
            pass

        serving = asyncio.create_task(serve_connection(hub, conn, on_gone, attach))
        await asyncio.wait_for(attached.wait(), 5)
        conn.close(4403)
        serving.cancel()  # the server stops it too, in the same turn
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(serving, 5)
        assert socket.closed_with == 4403 and hub.detached == [conn]

    asyncio.run(scenario())


def test_a_socket_whose_attach_fails_closes_so_that_the_page_reconnects():
    """A failure while a page attaches (the database, say) closes its socket with 1011,
    on which htmx reconnects by itself, and still runs the presence clean-up."""
    from app.live.hub import serve_connection

    async def scenario():
        hub, socket = HubStandIn(), ListeningSocket()
        conn = Connection(socket, 1, 1, MEMBERS, queue_size=4)
        gone = asyncio.Event()

        async def attach():
            raise RuntimeError("the database went away")

        async def on_gone():
            gone.set()

        await asyncio.wait_for(serve_connection(hub, conn, on_gone, attach), 5)
        assert socket.closed_with == 1011 and gone.is_set() and hub.detached == [conn]

    asyncio.run(scenario())


def test_a_client_that_stops_answering_pings_is_let_go_and_one_that_answers_stays(tmp_path):
    """A phone that lost its signal sends no close: the server's pings find it. Here
    pings go every 0.5 s; a client that never answers is closed, one that does is not."""
    from app.cli import migrate

    url = f"sqlite+aiosqlite:///{tmp_path}/roundtable.db"
    migrate(url)
    server = Worker({"DATABASE_URL": url, "LIVE_PING_SECONDS": "0.5"}, "pings")
    server.start()

    async def scenario():
        fac, ana, meeting_id = await meeting_with_member(server)
        ben = WebBrowser()
        await ben.join(server, await fac.join_code(server, meeting_id), "Ben")
        try:
            async with open_live(server, meeting_id, ana.cookie_header()) as answering:
                await asyncio.wait_for(answering.recv(), 5)  # the snapshot
                host, port = server.base.removeprefix("http://").split(":")
                reader, writer = await asyncio.open_connection(host, int(port))
                key = base64.b64encode(os.urandom(16)).decode()
                writer.write((f"GET /meetings/{meeting_id}/live HTTP/1.1\r\nHost: {host}:{port}\r\n"
                              f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                              f"Sec-WebSocket-Version: 13\r\nOrigin: {server.base}\r\n"
                              f"Cookie: {ben.cookie_header()}\r\n\r\n").encode())
                await writer.drain()
                assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"HTTP/1.1 101")
                # From here the silent client reads what comes (pings, pushes) and never answers.

                async def until_closed() -> None:
                    while await reader.read(65536):
                        pass

                await asyncio.wait_for(until_closed(), 10)
                writer.close()
                assert answering.state is State.OPEN  # pinged as often, and answered
        finally:
            for person in (fac, ana, ben):
                await person.close()

    try:
        asyncio.run(scenario())
    finally:
        server.stop()
