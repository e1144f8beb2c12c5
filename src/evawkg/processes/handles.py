"""The caller's handles on a warm parent and its children: the process, its sockets, forking.

The warm parent is ``python -m evawkg.processes FD NAME`` with one end of a control socket; a
child is asked for with ``("fork", reuse, address_extra, generation)`` and its socket passed along
(``SCM_RIGHTS``), so the caller talks to each child directly, over a :class:`~.channel.Channel`."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from .channel import Channel
from .procfs import alive
from .spec import ProcessSpec

log = logging.getLogger("evawkg.processes")


class WarmParent:
    """One warm parent process and the caller's ends of its control socket."""

    def __init__(self, name: str, spec: ProcessSpec):
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "evawkg.processes", str(theirs.fileno()), name],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self.control = ours
        self.connection = Connection(os.dup(ours.fileno()))
        self.connection.send(spec)
        self.resident = 0
        self.ready_at = 0.0
        self._fork_lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self.process.pid

    def await_ready(self) -> tuple[str, Any, bool]:
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            return "failed", "its process exited while starting", False
        except TypeError:
            # stop() closed the connection under this read: between recv's check that it is
            # open and its read, the handle became None (os.read(None): a TypeError traceback
            # in the supervisor thread when a server stopped while its pool was starting).
            return "failed", "it was stopped while starting", False

    def fork(self, reuse: bool, address_extra: int | None, generation: Any = None) -> Child:
        ours, theirs = socket.socketpair()
        try:
            with self._fork_lock:
                self.connection.send(("fork", reuse, address_extra, generation))
                socket.send_fds(self.control, [b"F"], [theirs.fileno()])
                pid = self.connection.recv()
        except BaseException:
            ours.close()  # no child will ever use it
            raise
        finally:
            theirs.close()
        return Child(pid, Channel(ours), self, generation)

    def alive(self) -> bool:
        return alive(self.process.pid)

    def stop(self) -> None:
        """Close its sockets (it exits when it reads their end), SIGKILL it if it does not at
        once (it may be deep in a setup); its children die with it (``PR_SET_PDEATHSIG``)."""
        for closable in (self.connection, self.control):
            try:
                closable.close()
            except OSError:
                pass
        try:
            self.process.wait(0.2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                log.error("the process %d did not exit after SIGKILL", self.process.pid)


class Child:
    __slots__ = ("pid", "connection", "parent", "generation", "peak")

    def __init__(self, pid: int, connection: Channel, parent: WarmParent,
                 generation: Any = None):
        self.pid = pid
        self.connection = connection
        self.parent = parent
        self.generation = generation
        #: The child's peak resident size (bytes) as its last answer said (0: none yet).
        self.peak = 0

    def idle_and_alive(self) -> bool:
        """An idle child never has anything to read: readable means its end closed (it died;
        the kernel closes a process's sockets as it exits, before it is a zombie). One
        non-blocking peek, no ``/proc`` read."""
        try:
            return not self.connection.closed_by_peer()
        except (OSError, ValueError):
            return False
