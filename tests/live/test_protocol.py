"""The frame writes the live hub fans out with (app/live/protocol.py), on uvicorn's
own protocol driven with a real handshake over an in-memory transport: offered only
once the socket is accepted, written whole, and refused while the client's buffer
is full or the socket is closing, so the hub falls back to the ordinary send."""

import asyncio
import base64

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from app.cli import serve
from app.live.protocol import FRAMES_EXTENSION, LiveSocketProtocol, text_frame
from tests.helpers import frame_text

pytestmark = pytest.mark.timeout(30)


class MemoryTransport(asyncio.Transport):
    def __init__(self):
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name, default=None):
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


HANDSHAKE = (
    "GET /meetings/1/live HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    f"Sec-WebSocket-Key: {base64.b64encode(b'0123456789abcdef').decode()}\r\nSec-WebSocket-Version: 13\r\n\r\n"
).encode()


async def handshake(app, accepted: asyncio.Event) -> tuple[LiveSocketProtocol, MemoryTransport]:
    """uvicorn's protocol serving `app`, after a real handshake, once `app` accepted."""
    config = Config(app=app, ws=LiveSocketProtocol, ws_per_message_deflate=False, lifespan="off", log_level="warning")
    config.load()
    protocol = LiveSocketProtocol(config, ServerState(), {})
    transport = MemoryTransport()
    protocol.connection_made(transport)
    protocol.data_received(HANDSHAKE)
    await asyncio.wait_for(accepted.wait(), 5)
    return protocol, transport


def test_frames_are_written_whole_once_accepted_and_refused_when_the_client_is_backed_up():
    async def scenario():
        seen: dict = {}
        accepted = asyncio.Event()
        finish = asyncio.Event()

        async def app(scope, receive, send):
            write = scope["extensions"][FRAMES_EXTENSION]["write"]
            seen["before accept"] = write(text_frame("too early"))
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            seen["write"] = write
            accepted.set()
            await finish.wait()

        protocol, transport = await handshake(app, accepted)
        write = seen["write"]
        assert seen["before accept"] is False  # nothing reaches a socket before its handshake
        handshake_end = transport.written.index(b"\r\n\r\n") + 4
        assert transport.written[:handshake_end].startswith(b"HTTP/1.1 101")

        assert write(text_frame("Bench question 1: é?")) is True
        assert frame_text(bytes(transport.written[handshake_end:])) == "Bench question 1: é?"

        written = len(transport.written)
        protocol.pause_writing()  # the client's buffer is full
        assert write(text_frame("wait")) is False and len(transport.written) == written
        protocol.resume_writing()
        assert write(text_frame("again")) is True
        transport.closing = True
        assert write(text_frame("closing")) is False
        finish.set()
        protocol.connection_lost(None)

    asyncio.run(scenario())


def test_roundtable_run_serves_live_sockets_with_this_protocol(monkeypatch):
    import uvicorn

    chosen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: chosen.update(kwargs))
    serve("127.0.0.1", 8000, 1)
    config = Config(app=lambda *a: None, ws=chosen["ws"])
    config.load()
    assert config.ws_protocol_class is LiveSocketProtocol
    assert chosen["ws_per_message_deflate"] is False  # one frame's bytes serve every socket


def test_a_uvicorn_without_what_the_frame_writes_use_serves_sockets_the_ordinary_way(monkeypatch):
    """uvicorn is not pinned: if a release renames what write_frame reads, the socket
    is still accepted and served, only without the extension (the hub then sends
    every push through ASGI)."""
    from app.live import protocol as live_protocol

    monkeypatch.setattr(live_protocol, "_USES", (*live_protocol._USES, "renamed_in_a_future_uvicorn"))

    async def scenario():
        seen: dict = {}
        accepted = asyncio.Event()

        async def app(scope, receive, send):
            seen["extension"] = FRAMES_EXTENSION in scope["extensions"]
            await receive()
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": "the ordinary way"})
            accepted.set()
            await asyncio.Event().wait()

        protocol, transport = await handshake(app, accepted)
        assert seen["extension"] is False
        handshake_end = transport.written.index(b"\r\n\r\n") + 4
        assert transport.written[:handshake_end].startswith(b"HTTP/1.1 101")
        assert frame_text(bytes(transport.written[handshake_end:])) == "the ordinary way"
        protocol.connection_lost(None)

    asyncio.run(scenario())
