"""Killable jobs: the one supervisor for work that may run too long or grow too big.

pyoxigraph has no cancellation and pySHACL none either; a signal reaches Python only after the
native call returns, and a hostile query or upload could exhaust memory. So such work runs in a
*child process* that is killed (SIGKILL frees its CPU and memory at once) when it passes its
deadline, and never in a thread of the HTTP worker::

    caller (HTTP worker) --control socket--> warm parent: ``python -m evawkg.processes FD NAME``
          |                                       runs ``setup`` once (loads the graph, warms
          |                                       pySHACL), then only forks on demand
          +------ one socket per child ---------> child: runs ``handler(state, job)`` per job;
                                                  reused for the next job (queries) or killed
                                                  after one (validations)

A fork takes milliseconds whatever the parent holds, and children share its memory pages
(copy-on-write; the collector is frozen so they stay shared). Before ``setup`` the parent can
move into a network namespace with no interface up (:func:`enter_network_sandbox`): whatever a
job asks, it has no network to reach. A child can be given an address-space limit above the
parent's own size, so a runaway job gets a ``MemoryError`` or dies instead of taking the machine.

What a pool runs is plain data: a :class:`ProcessSpec` names module-level functions (pickled by
reference), so the parent and the children import the same code as the caller. The words of its
errors (a query's, a validation's) are the subclass's: see :class:`ProcessPool`'s hooks.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .errors import EvawError, QueryLimitReached, QueryTimeout
from .readiness import Readiness

log = logging.getLogger("evawkg.processes")

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcessSpec:
    """What the warm parent and its children run (module-level functions, pickled by reference).

    ``setup(*setup_args)`` runs once in the parent and returns ``(state, info)``: ``state`` stays
    there and is inherited by every child, ``info`` is sent back to the caller (a dataset's
    description). ``handler(state, job)`` runs one job in a child and returns its answer; an
    :class:`EvawError` it raises reaches the caller as it is."""

    setup: Callable[..., tuple[Any, Any]]
    handler: Callable[[Any, Any], Any]
    setup_args: tuple = ()
    sandbox: bool = False
    #: Address space (bytes) a child may add to the parent's; None for no limit.
    memory_limit: int | None = None
    #: The error a child answers with when it runs out of that memory; None reports a fault.
    memory_error: EvawError | None = None


class _Child:
    __slots__ = ("pid", "connection")

    def __init__(self, pid: int, connection: Connection):
        self.pid = pid
        self.connection = connection


class ProcessPool:
    """Up to ``size`` jobs at once, each in a child forked from one warm parent.

    With ``reuse`` a child serves job after job until it is killed (a query process: no fork
    per query); without, every job gets a fresh child that is killed after answering (a
    validation: nothing one upload does outlives it). Subclasses give the errors their words by
    overriding the ``*_error`` hooks and :meth:`require_ready`."""

    #: Names the parent process in ``ps`` and ``/proc/PID/cmdline``.
    name = "jobs"

    def __init__(self, spec: ProcessSpec, *, size: int, queue_wait: float, reuse: bool):
        self.spec = spec
        self.size = size
        self.queue_wait = queue_wait
        self.reuse = reuse
        self.sandboxed = False
        self.info: Any = None
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Child] = []
        self._lock = threading.Lock()
        self._control_lock = threading.Lock()
        self._readiness = Readiness()
        self._parent: subprocess.Popen | None = None
        self._closed = False

    # --- The words of errors (subclasses override) ---------------------------------------------

    def busy_error(self) -> EvawError:
        return QueryLimitReached(f"all {self.size} {self.name} slots are busy; retry in a moment",
                                 retry_after=1)

    def timeout_error(self, timeout: float) -> EvawError:
        return QueryTimeout(f"the job was stopped after {timeout:g} s, its time limit")

    def died_error(self, reason: str) -> EvawError:
        return EvawError(f"the {self.name} process died ({reason})")

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"the job failed inside its process:\n{text}")

    def startup_error(self, reason: Any) -> EvawError:
        return reason if isinstance(reason, EvawError) else EvawError(str(reason))

    def require_ready(self, timeout: float) -> None:
        """Raise unless the parent has finished its setup (here: without waiting)."""
        self._readiness.require("starting")

    # --- Life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the warm parent; its setup runs in the background (see :meth:`wait_ready`)."""
        ours, theirs = socket.socketpair()
        self._parent = subprocess.Popen(
            [sys.executable, "-m", "evawkg.processes", str(theirs.fileno()), self.name],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self._control = ours
        self._connection = Connection(os.dup(ours.fileno()))
        self._connection.send(self.spec)
        threading.Thread(target=self._await_ready, name=f"evawkg-{self.name}", daemon=True).start()

    def _await_ready(self) -> None:
        try:
            kind, value, sandboxed = self._connection.recv()
        except (EOFError, OSError):
            kind, value, sandboxed = "failed", "its process exited while starting", False
        if kind == "ready":
            self.info, self.sandboxed = value, sandboxed
            try:
                if self.reuse:
                    children = [self._fork() for _ in range(self.size)]
                    with self._lock:
                        self._idle.extend(children)
            except (EOFError, OSError) as error:
                self._readiness.fail(EvawError(f"could not start {self.name} processes: {error}"))
        else:
            error = self.startup_error(value)
            self._readiness.fail(error)
            log.error("starting the %s processes failed: %s", self.name, error)
        self._readiness.finish()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for the parent's setup; raises its error if it failed."""
        return self._readiness.wait(timeout)

    def ready(self) -> bool:
        return self._readiness.is_ready()

    def _fork(self) -> _Child:
        ours, theirs = socket.socketpair()
        try:
            with self._control_lock:
                self._connection.send(("fork", self.reuse))
                socket.send_fds(self._control, [b"F"], [theirs.fileno()])
                pid = self._connection.recv()
        finally:
            theirs.close()
        return _Child(pid, Connection(ours.detach()))

    def run(self, job: Any, timeout: float) -> Any:
        """Run ``job`` in a child; kill that child if it passes ``timeout`` seconds."""
        self.require_ready(timeout)
        if not self._slots.acquire(timeout=self.queue_wait):
            raise self.busy_error()
        child = None
        try:
            with self._lock:
                child = self._idle.pop() if self._idle else None
            if child is None:
                child = self._fork()
            child.connection.send(job)
            if not child.connection.poll(timeout):
                raise self.timeout_error(timeout)
            kind, value = child.connection.recv()
            if not self.reuse:
                self._kill(child)
                child = None
        except (EOFError, OSError) as error:
            raise self.died_error(str(error) or "no answer") from error
        else:
            if child is not None:
                with self._lock:
                    self._idle.append(child)
                child = None
        finally:
            if child is not None:  # timed out, died or interrupted: never reused
                self._kill(child)
            self._slots.release()
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        raise self.fault_error(value)

    @staticmethod
    def _kill(child: _Child) -> None:
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.connection.close()

    @property
    def parent_pid(self) -> int | None:
        return self._parent.pid if self._parent else None

    def child_pids(self) -> list[int]:
        """The idle reusable children (a busy one is not listed)."""
        with self._lock:
            return [child.pid for child in self._idle]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            children, self._idle = self._idle, []
        for child in children:
            self._kill(child)
        if self._parent is not None:
            self._connection.close()
            self._control.close()
            try:
                self._parent.wait(5)
            except subprocess.TimeoutExpired:
                self._parent.kill()
                self._parent.wait()


# --- Inside the warm parent and its children -------------------------------------------------

def _libc():
    return ctypes.CDLL(None, use_errno=True)


def enter_network_sandbox() -> bool:
    """Move this process into new user and network namespaces: no interface, no route."""
    uid, gid = os.getuid(), os.getgid()
    try:
        if _libc().unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return False
    except (OSError, AttributeError):
        return False
    try:  # keep our own uid and gid inside the namespace (file ownership reads the same)
        with open("/proc/self/setgroups", "w") as stream:
            stream.write("deny")
        with open("/proc/self/uid_map", "w") as stream:
            stream.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as stream:
            stream.write(f"{gid} {gid} 1")
    except OSError:
        pass
    return True


def _limit_memory(extra: int) -> None:
    try:
        with open("/proc/self/statm") as stream:
            size = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = size + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass


def _serve_jobs(spec: ProcessSpec, state: Any, fd: int, reuse: bool) -> None:
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if spec.memory_limit is not None:
        _limit_memory(spec.memory_limit)
    connection = Connection(fd)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", spec.handler(state, job))
        except EvawError as error:
            reply = ("error", error)
        except MemoryError:
            reply = (("error", spec.memory_error) if spec.memory_error is not None
                     else ("fault", traceback.format_exc()))
        except Exception:  # noqa: BLE001 -- reported to the caller, which logs it as a 500
            reply = ("fault", traceback.format_exc())
        connection.send(reply)
        if not reuse:
            return


def _parent_main(fd: int) -> int:
    control = socket.socket(fileno=fd)
    connection = Connection(os.dup(fd))
    spec: ProcessSpec = connection.recv()
    sandboxed = enter_network_sandbox() if spec.sandbox else False
    try:
        state, info = spec.setup(*spec.setup_args)
    except EvawError as error:
        connection.send(("failed", error, False))
        return 2
    except Exception:  # noqa: BLE001 -- any setup fault is reported, then the parent exits
        connection.send(("failed", traceback.format_exc(), False))
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    gc.freeze()  # keep the collector off the warm objects: forked pages stay shared
    connection.send(("ready", info, sandboxed))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return 0
        if not (isinstance(message, tuple) and message[0] == "fork"):
            continue
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                connection.close()
                _serve_jobs(spec, state, fds[0], message[1])
            finally:
                os._exit(0)
        os.close(fds[0])
        connection.send(pid)


if __name__ == "__main__":
    # Run the imported module's code, so what crosses the sockets pickles as evawkg.processes'.
    from evawkg.processes import _parent_main as parent_main

    sys.exit(parent_main(int(sys.argv[1])))
