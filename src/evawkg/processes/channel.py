"""The socket between the caller and one child: framed pickles, as few system calls as a hop can
take.

A query's hop is most of a point lookup's cost (docs/benchmarks.md, "peer"), and in a request
thread every system call releases and retakes the GIL, which the other request threads contend
for. ``multiprocessing.connection`` spent, per job: a ``select.poll`` object built and torn down
for each wait, two reads per message (its length, then the rest) and a ``BytesIO`` to join them.
Here a message is an 8-byte length and a pickle, written with one ``send`` when it is small; a
read asks for up to :data:`READ_SIZE` bytes at once, so a small message arrives in one ``recv``;
and a wait with a timeout is that same ``recv``, bounded by the socket's ``SO_RCVTIMEO`` (set
only when the wanted timeout changes), not a ``poll`` before it.
"""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

HEADER = struct.Struct("!Q")
#: The first read of a message asks for this much: a query's job and most answers fit.
READ_SIZE = 256 * 1024
#: Messages up to this size are sent in one call together with their header.
JOINED_SEND = 256 * 1024


class Channel:
    """Framed pickles over a connected stream socket (one end of a ``socketpair``)."""

    __slots__ = ("sock", "_timeout", "_buffer", "_size", "_filled")

    def __init__(self, sock: socket.socket):
        sock.settimeout(None)  # blocking: waits are bounded by SO_RCVTIMEO, see :meth:`receive`
        self.sock = sock
        self._timeout: float | None = None  # the SO_RCVTIMEO in force (None: none)
        self._buffer = bytearray()  # the message being read (its header, then its body)
        self._size = -1  # the body's length once the header is read
        self._filled = 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: Any) -> None:
        """Write ``message``; raises OSError (BrokenPipeError…) when the other end is gone."""
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        if len(data) <= JOINED_SEND:
            self.sock.sendall(HEADER.pack(len(data)) + data)
        else:
            self.sock.sendall(HEADER.pack(len(data)))
            self.sock.sendall(data)

    def receive(self, timeout: float | None = None) -> Any:
        """The next message. Raises TimeoutError when no more of it arrived within ``timeout``
        seconds (what arrived is kept for the next call), EOFError when the other end closed."""
        self._wait_at_most(timeout)
        while True:
            if self._size < 0:
                chunk = self._recv(READ_SIZE)
                self._buffer += chunk
                if len(self._buffer) < HEADER.size:
                    continue
                (self._size,) = HEADER.unpack_from(self._buffer)
                body = self._buffer[HEADER.size:]
                if len(body) >= self._size:
                    return self._finish(body)
                self._buffer = bytearray(self._size)  # the body, read in place from here
                self._buffer[:len(body)] = body
                self._filled = len(body)
            else:
                view = memoryview(self._buffer)[self._filled:]
                try:
                    read = self.sock.recv_into(view)
                except BlockingIOError:
                    raise TimeoutError("no answer yet") from None
                finally:
                    view.release()
                if not read:
                    raise EOFError("the other end closed")
                self._filled += read
                if self._filled >= self._size:
                    return self._finish(self._buffer)

    def _recv(self, size: int) -> bytes:
        try:
            chunk = self.sock.recv(size)
        except BlockingIOError:  # SO_RCVTIMEO passed
            raise TimeoutError("no answer yet") from None
        if not chunk:
            raise EOFError("the other end closed")
        return chunk

    def _finish(self, body) -> Any:
        try:
            if len(body) > self._size:
                raise OSError("the other end wrote past its message")  # never two at once here
            return pickle.loads(body)
        finally:
            self._buffer, self._size, self._filled = bytearray(), -1, 0

    def _wait_at_most(self, timeout: float | None) -> None:
        if timeout is not None:
            timeout = max(timeout, 0.001)  # 0 would mean "no limit" to the kernel
        if timeout == self._timeout:
            return
        seconds = int(timeout or 0)
        micros = int(round(((timeout or 0) - seconds) * 1_000_000))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                             struct.pack("@ll", seconds, micros))
        self._timeout = timeout

    def closed_by_peer(self) -> bool:
        """Whether the other end closed (or wrote when it should not have): for a child that is
        idle, never anything to read. One non-blocking peek, no ``/proc`` read."""
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)  # b"": closed; else stray
        except BlockingIOError:
            return False
        except OSError:
            pass
        return True

    def close(self) -> None:
        self.sock.close()


__all__ = ["Channel", "HEADER"]
