"""uvicorn's sans-I/O websockets protocol, with one addition for the live hub.

A meeting's push goes to every page in it. Through ASGI, each delivery is a
coroutine per socket passing Starlette's and uvicorn's send chain, and a task
waking from a queue to run it: at 2,000 people and 10 questions a second that is
20,000 task switches a second, and the worker runs out of CPU (see the README's
benchmark figures). A bare `websockets` server instead writes one encoded frame
to each socket in a plain loop.

So this protocol offers an ASGI extension, `roundtable.websocket.frames`, in the
socket's scope: `write(frame)` puts an already-encoded frame (made once for
everyone, see `text_frame`) on the socket at once, or answers False when it
cannot (not accepted yet, closing, or the client's buffer is full). The hub then
falls back to the ordinary ASGI send, which waits for the socket to drain. Under
another ASGI server (or the test client) the extension is absent and every send
is the ordinary one. `app.cli.serve` selects this class with uvicorn's `ws` option.
"""

import logging

from websockets.frames import Frame, Opcode
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

FRAMES_EXTENSION = "roundtable.websocket.frames"
log = logging.getLogger("roundtable.live")


def text_frame(text: str) -> bytes:
    """One unmasked, uncompressed text frame, as a server sends it: the same bytes
    serve every socket (per-message compression is off on the live socket)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


# What write_frame reads of uvicorn's protocol. uvicorn is not pinned, so a release
# that renames any of these turns the extension off (every send takes the ordinary
# path, slower but correct) instead of failing every push.
_USES = ("handshake_complete", "close_sent", "disconnected", "writable", "transport")
_warned: list[bool] = []


class LiveSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        if self.close_sent:  # the upgrade was refused: there is no scope to extend
            return
        if not all(hasattr(self, name) for name in _USES):
            if not _warned:
                _warned.append(True)
                log.warning("live: this uvicorn's websocket protocol lacks %s; frame writes are off",
                            [name for name in _USES if not hasattr(self, name)])
            return
        self.scope["extensions"][FRAMES_EXTENSION] = {"write": self.write_frame}

    def write_frame(self, frame: bytes) -> bool:
        """Write a whole frame now if the socket is open and not backed up."""
        if (not self.handshake_complete or self.close_sent or self.disconnected
                or not self.writable.is_set() or self.transport.is_closing()):
            return False
        self.transport.write(frame)
        return True
