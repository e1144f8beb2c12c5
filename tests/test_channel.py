"""The caller-child socket (:class:`evawkg.processes.channel.Channel`): messages of any size
arrive whole, a wait with a timeout keeps what arrived, and a closed end is seen at once."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from evawkg.processes.channel import READ_SIZE, Channel


@pytest.fixture()
def pair():
    ours, theirs = socket.socketpair()
    channel, other = Channel(ours), Channel(theirs)
    yield channel, other
    channel.close()
    other.close()


def test_small_and_large_messages_arrive_whole(pair):
    channel, other = pair
    for message in (("ok", b"x", 1), ("ok", b"y" * (3 * READ_SIZE + 17), 2), {"a": [1, 2]}):
        sender = threading.Thread(target=other.send, args=(message,))
        sender.start()
        assert channel.receive(5) == message
        sender.join(5)


def test_a_wait_that_times_out_keeps_what_arrived(pair):
    channel, other = pair
    data = Channel.__module__  # any picklable value
    payload = __import__("pickle").dumps(("ok", data), 5)
    framed = __import__("struct").pack("!Q", len(payload)) + payload
    other.sock.sendall(framed[:5])  # half a header: nothing to return yet
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.receive(0.05)
    assert time.monotonic() - started < 2
    other.sock.sendall(framed[5:20])
    with pytest.raises(TimeoutError):
        channel.receive(0.05)
    other.sock.sendall(framed[20:])
    assert channel.receive(1) == ("ok", data)


def test_a_closed_end_is_eof_and_seen_without_reading(pair):
    channel, other = pair
    assert not channel.closed_by_peer()
    other.close()
    assert channel.closed_by_peer()
    with pytest.raises(EOFError):
        channel.receive(1)
