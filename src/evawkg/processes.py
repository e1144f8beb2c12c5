"""Killable jobs: the one supervisor for work that may run too long or grow too big.

pyoxigraph has no cancellation and pySHACL none either; a signal reaches Python only after the
native call returns, and a hostile query or upload could exhaust memory. So such work runs in a
*child process* that is killed (SIGKILL frees its CPU and memory at once) when it passes its
deadline or its memory limit, and never in a thread of the HTTP worker::

    caller (HTTP worker) --control socket--> warm parent: ``python -m evawkg.processes FD NAME``
          |                                       runs ``setup`` once (loads the graph, warms
          |                                       pySHACL), then only forks on demand
          +------ one socket per child ---------> child: runs ``handler(state, job)`` per job;
                                                  reused for the next job (queries) or killed
                                                  after one (validations)

A fork takes milliseconds whatever the parent holds, and children share its memory pages
(copy-on-write; the collector is frozen so they stay shared). Before ``setup`` the parent can
move into a network namespace with no interface up (:func:`enter_network_sandbox`): whatever a
job asks, it has no network to reach.

Memory, two ways: the caller samples a running child's resident size every
:data:`MEMORY_POLL_SECONDS` while it waits and kills it past the pool's ``resident_limit``
(a clear error for the client); and the child has an address-space limit (``RLIMIT_AS``) above
that, the backstop for an allocation too sudden for the sampling. A native library may abort
the process on a failed allocation (pyoxigraph does) instead of raising ``MemoryError``; that
is reported as a death "most likely" from memory.

The pool heals itself: a supervisor thread restarts a warm parent that died, after a back-off
(:data:`RESTART_DELAY` doubling to :data:`RESTART_DELAY_MAX`); jobs in between get 503 with
``Retry-After``. An idle child that died is replaced before it is given a job. Slots are shared
fairly: one client (:data:`current_client`, set by the web layer) holds at most
``max_per_client`` of them at once.

What a pool runs is plain data: a :class:`ProcessSpec` names module-level functions (pickled by
reference), so the parent and the children import the same code as the caller. The words of its
errors (a query's, a validation's) are the subclass's: see :class:`ProcessPool`'s hooks.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .errors import (ClientLimitReached, EvawError, MemoryLimitExceeded, NotReady, ProcessDied,
                     QueryLimitReached, QueryTimeout, Restarting)
from .readiness import Readiness

log = logging.getLogger("evawkg.processes")

#: Who asks for the job now (a remote address, later a token); None: not counted per client.
#: The web layer sets it per request, so no caller has to pass it down.
current_client: ContextVar[str | None] = ContextVar("evawkg_current_client", default=None)

#: How often the caller samples a running child's resident memory.
MEMORY_POLL_SECONDS = 0.05
#: ``resident_limit=0`` means: as much again as the warm parent holds, and at least this.
AUTOMATIC_MEMORY_MINIMUM = 1024 ** 3
#: First wait before restarting a dead warm parent; it doubles while restarts keep failing.
RESTART_DELAY = 0.5
RESTART_DELAY_MAX = 30.0
#: A parent that served this long before dying starts the back-off over.
STABLE_AFTER = 30.0

STARTING, READY, RESTARTING, FAILED, CLOSED = "starting", "ready", "restarting", "failed", "closed"

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PAGE = os.sysconf("SC_PAGE_SIZE")


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
    #: Address space (bytes) a child may add to the parent's; None: the pool's backstop, if any.
    memory_limit: int | None = None
    #: The error a child answers with when it runs out of that memory; None: the pool's words.
    memory_error: EvawError | None = None


def resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie or a process being torn down does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


class _Parent:
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

    def fork(self, reuse: bool, address_extra: int | None) -> _Child:
        ours, theirs = socket.socketpair()
        try:
            with self._fork_lock:
                self.connection.send(("fork", reuse, address_extra))
                socket.send_fds(self.control, [b"F"], [theirs.fileno()])
                pid = self.connection.recv()
        finally:
            theirs.close()
        return _Child(pid, Connection(ours.detach()), self)

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


class _Child:
    __slots__ = ("pid", "connection", "parent")

    def __init__(self, pid: int, connection: Connection, parent: _Parent):
        self.pid = pid
        self.connection = connection
        self.parent = parent

    def idle_and_alive(self) -> bool:
        """An idle child never has anything to read: readable means its end closed (it died)."""
        try:
            return not self.connection.poll(0) and alive(self.pid)
        except (OSError, ValueError):
            return False


class _Slots:
    """``size`` slots, of which one client holds at most ``share`` (None: no per-client cap)."""

    def __init__(self, size: int, share: int | None):
        self.size = size
        self.share = share
        self.in_use = 0
        self._held: dict[str, int] = {}
        self._changed = threading.Condition()

    def _fits(self, client: str | None) -> bool:
        return self.in_use < self.size and not self._over_share(client)

    def _over_share(self, client: str | None) -> bool:
        return (client is not None and self.share is not None
                and self._held.get(client, 0) >= self.share)

    def acquire(self, client: str | None, wait: float) -> str | None:
        """Take a slot within ``wait`` seconds: None, or why not ("client": this client holds
        its share; "all": every slot is busy)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._fits(client), timeout=wait):
                return "client" if self._over_share(client) else "all"
            self.in_use += 1
            if client is not None:
                self._held[client] = self._held.get(client, 0) + 1
            return None

    def release(self, client: str | None) -> None:
        with self._changed:
            self.in_use -= 1
            if client is not None:
                left = self._held.pop(client) - 1
                if left:
                    self._held[client] = left
            self._changed.notify_all()


class _MemoryExceeded(Exception):
    pass


class ProcessPool:
    """Up to ``size`` jobs at once, each in a child forked from one warm parent.

    With ``reuse`` a child serves job after job until it is killed (a query process: no fork
    per query); without, every job gets a fresh child that is killed after answering (a
    validation: nothing one upload does outlives it).

    ``resident_limit`` (bytes) is how far a child's resident memory may grow past the warm
    parent's before the child is killed; 0: automatic, as much again as the parent holds and at
    least :data:`AUTOMATIC_MEMORY_MINIMUM`; None: not watched. ``max_per_client`` is the most
    slots one :data:`current_client` holds at once (None: no cap).

    Subclasses give the errors their words by overriding the ``*_error`` hooks and
    :meth:`require_ready`."""

    #: Names the parent process in ``ps`` and ``/proc/PID/cmdline``.
    name = "jobs"

    def __init__(self, spec: ProcessSpec, *, size: int, queue_wait: float, reuse: bool,
                 resident_limit: int | None = None, max_per_client: int | None = None):
        self.spec = spec
        self.size = size
        self.queue_wait = queue_wait
        self.reuse = reuse
        self.resident_limit_setting = resident_limit
        self.resident_limit: int | None = None  # bytes, known once the parent is ready
        self.sandboxed = False
        self.info: Any = None
        self._slots = _Slots(size, max_per_client)
        self._idle: list[_Child] = []
        self._busy: set[_Child] = set()
        self._lock = threading.Lock()
        self._readiness = Readiness()
        self._parent: _Parent | None = None
        self._state = STARTING
        self._restarts = 0
        self._restart_at = 0.0
        self._stopping = threading.Event()
        self._closed = False

    # --- The words of errors (subclasses override) ---------------------------------------------

    def busy_error(self) -> EvawError:
        return QueryLimitReached(f"all {self.size} {self.name} slots are busy; retry in a moment",
                                 retry_after=1)

    def client_busy_error(self, share: int) -> EvawError:
        return ClientLimitReached(
            f"you already run {share} {self.name} job(s) at once, the most one client may; "
            "wait for one to finish", retry_after=1)

    def timeout_error(self, timeout: float) -> EvawError:
        return QueryTimeout(f"the job was stopped after {timeout:g} s, its time limit")

    def memory_error(self, limit_mb: int) -> EvawError:
        return MemoryLimitExceeded(f"the job needed more memory than its limit of {limit_mb} MB")

    def died_error(self, reason: str) -> EvawError:
        if self.resident_limit:
            return ProcessDied(f"the {self.name} process died ({reason}); it most likely needed "
                               f"more memory than its limit of {self.limit_mb} MB")
        return ProcessDied(f"the {self.name} process died ({reason})")

    def restarting_error(self, retry_after: int) -> EvawError:
        return Restarting(f"the {self.name} processes are restarting after a failure; try again "
                          f"in {retry_after} s", retry_after=retry_after)

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"the job failed inside its process:\n{text}")

    def startup_error(self, reason: Any) -> EvawError:
        return reason if isinstance(reason, EvawError) else EvawError(str(reason))

    def require_ready(self, timeout: float) -> None:
        """Raise unless the parent has finished its setup (here: without waiting)."""
        self._readiness.require("starting")

    # --- Life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the warm parent and its supervisor; the setup runs in the background (see
        :meth:`wait_ready`)."""
        self._parent = _Parent(self.name, self.spec)
        threading.Thread(target=self._supervise, name=f"evawkg-{self.name}", daemon=True).start()

    def _supervise(self) -> None:
        """Bring the parent up, wait for it to die, restart it after a back-off; until closed."""
        delay, first = RESTART_DELAY, True
        parent = self._parent
        while True:
            kind, value, sandboxed = parent.await_ready()
            if kind == "ready" and self._serve(parent, value, sandboxed):
                parent.process.wait()
                if self._closed:
                    return
                if time.monotonic() - parent.ready_at > STABLE_AFTER:
                    delay = RESTART_DELAY
                log.error("the %s process %d died (exit status %s); restarting it in %.1f s",
                          self.name, parent.pid, parent.process.returncode, delay)
            elif self._closed:
                return
            elif first and kind != "ready":
                error = self.startup_error(value)
                with self._lock:
                    self._state = FAILED
                self._readiness.fail(error)
                self._readiness.finish()
                log.error("starting the %s processes failed: %s", self.name, error)
                parent.stop()
                return
            else:
                log.error("restarting the %s process failed (%s); next try in %.1f s",
                          self.name, value if kind != "ready" else "it died while forking", delay)
            first = False
            with self._lock:
                if self._closed:
                    return
                self._state, self._restart_at = RESTARTING, time.monotonic() + delay
                stale, self._idle = self._idle, []
            for child in stale:
                self._kill(child)
            parent.stop()
            if self._stopping.wait(delay):
                return
            delay = min(delay * 2, RESTART_DELAY_MAX)
            with self._lock:
                if self._closed:
                    return
                self._restarts += 1
                parent = self._parent = _Parent(self.name, self.spec)

    def _serve(self, parent: _Parent, info: Any, sandboxed: bool) -> bool:
        """A parent reported ready: fork the reusable children, open the slots. False when it
        died on the way."""
        self.info, self.sandboxed = info, sandboxed
        parent.resident = resident_bytes(parent.pid)
        if self.resident_limit_setting == 0:
            self.resident_limit = max(AUTOMATIC_MEMORY_MINIMUM, parent.resident)
        else:
            self.resident_limit = self.resident_limit_setting
        try:
            children = [parent.fork(True, self._address_extra()) for _ in range(self.size)
                        ] if self.reuse else []
        except (EOFError, OSError):
            return False
        with self._lock:
            if self._closed:
                return False
            self._idle.extend(children)
            self._state = READY
        parent.ready_at = time.monotonic()
        self._readiness.finish()
        return True

    def _address_extra(self) -> int | None:
        """The child's address-space backstop: the spec's, else twice the resident limit.
        Sampling catches growth first and answers clearly; this stops what grows faster than
        sampling (a doubling string needs one more doubling to pass it)."""
        if self.spec.memory_limit is not None:
            return self.spec.memory_limit
        return 2 * self.resident_limit if self.resident_limit else None

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for the parent's first setup; raises its error if it failed."""
        return self._readiness.wait(timeout)

    def ready(self) -> bool:
        return self._readiness.is_ready() and self._state == READY

    @property
    def limit_mb(self) -> int | None:
        return self.resident_limit // 1024 ** 2 if self.resident_limit else None

    # --- Running a job ----------------------------------------------------------------------------

    def run(self, job: Any, timeout: float) -> Any:
        """Run ``job`` in a child; kill that child if it passes ``timeout`` seconds or its
        memory limit."""
        self._require_running(timeout)
        client = current_client.get()
        refused = self._slots.acquire(client, self.queue_wait)
        if refused == "client":
            raise self.client_busy_error(self._slots.share)
        if refused == "all":
            raise self.busy_error()
        try:
            kind, value = self._run_in_child(job, timeout)
        finally:
            self._slots.release(client)
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        if kind == "memory":
            if self.spec.memory_error is not None:
                raise self.spec.memory_error
            if self.resident_limit:
                raise self.memory_error(self.limit_mb)
        raise self.fault_error(value)

    def _require_running(self, timeout: float) -> None:
        with self._lock:
            state, restart_at = self._state, self._restart_at
        if state == RESTARTING:
            raise self.restarting_error(self._retry_after(restart_at))
        if state == CLOSED:
            raise NotReady(f"the {self.name} processes are shutting down")
        self.require_ready(timeout)

    @staticmethod
    def _retry_after(restart_at: float) -> int:
        return max(1, math.ceil(restart_at - time.monotonic()) + 1)

    def _run_in_child(self, job: Any, timeout: float) -> tuple[str, Any]:
        child, answered = None, False
        try:
            for attempt in range(2):
                child = self._take_child()
                try:
                    child.connection.send(job)
                    break
                except OSError:  # it died after the check: nothing ran, a fresh child takes it
                    self._release(child, keep=False)
                    child = None
                    if attempt:
                        raise
            reply = self._await_reply(child, timeout)
            answered = True
        except _MemoryExceeded:
            log.warning("a %s process passed its memory limit of %d MB and was killed",
                        self.name, self.limit_mb)
            raise self.memory_error(self.limit_mb) from None
        except (EOFError, OSError) as error:
            raise self._death_error(child, str(error) or "no answer") from error
        finally:
            if child is not None:  # timed out, too big, died or interrupted: never reused
                self._release(child, keep=answered)
        return reply

    def _take_child(self) -> _Child:
        """An idle child known alive, else a fresh fork; dead idle ones are dropped on the way."""
        while True:
            with self._lock:
                state, parent = self._state, self._parent
                child = self._idle.pop() if self._idle and state == READY else None
                if child is not None:
                    self._busy.add(child)
            # Only a ready parent forks: a starting one's socket still awaits its setup.
            if state != READY:
                raise self._death_error(None, f"the {self.name} processes are {state}")
            if child is None:
                break
            if child.parent is parent and child.idle_and_alive():
                return child
            self._release(child, keep=False)
        try:
            child = parent.fork(self.reuse, self._address_extra())
        except (EOFError, OSError) as error:
            raise self._death_error(None, f"could not fork: {error}") from error
        with self._lock:
            self._busy.add(child)
        return child

    def _await_reply(self, child: _Child, timeout: float) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout
        limit = self.resident_limit
        base = child.parent.resident
        interval = MEMORY_POLL_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.timeout_error(timeout)
            if child.connection.poll(min(remaining, interval) if limit else remaining):
                return child.connection.recv()
            if limit:
                grown = resident_bytes(child.pid) - base
                if grown > limit:
                    raise _MemoryExceeded()
                # Closer to the limit, look more often: growth is fastest when it is large.
                interval = MEMORY_POLL_SECONDS / 5 if grown > limit // 2 else MEMORY_POLL_SECONDS

    def _death_error(self, child: _Child | None, reason: str) -> EvawError:
        """A child or the parent stopped answering: which one, and the error that says so."""
        with self._lock:
            state, restart_at, parent = self._state, self._restart_at, self._parent
        if state == CLOSED:
            return NotReady(f"the {self.name} processes are shutting down")
        owner = child.parent if child is not None else parent
        # A parent's death kills its children; give its exit a moment to show.
        for _ in range(5):
            if (state != READY or owner is None or owner is not parent
                    or not owner.alive()):
                return self.restarting_error(self._retry_after(max(restart_at, time.monotonic()
                                                                   + RESTART_DELAY)))
            time.sleep(0.01)
        return self.died_error(reason)

    def _release(self, child: _Child, *, keep: bool) -> None:
        """Back to the idle list when it may serve again, else killed."""
        if keep and self.reuse and self.resident_limit:
            # A child whose allocator kept much of a big job's memory would fail the next job.
            keep = resident_bytes(child.pid) - child.parent.resident <= self.resident_limit // 2
        with self._lock:
            self._busy.discard(child)
            if keep and self.reuse and child.parent is self._parent and self._state == READY:
                self._idle.append(child)
                return
        self._kill(child)

    @staticmethod
    def _kill(child: _Child) -> None:
        try:
            os.kill(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.connection.close()

    # --- State --------------------------------------------------------------------------------------

    @property
    def parent_pid(self) -> int | None:
        return self._parent.pid if self._parent else None

    def child_pids(self) -> list[int]:
        """The idle reusable children (a busy one is not listed)."""
        with self._lock:
            return [child.pid for child in self._idle]

    @property
    def state(self) -> str:
        return self._state

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` says about this pool."""
        with self._lock:
            state, parent, restarts = self._state, self._parent, self._restarts
            idle = [child.pid for child in self._idle]
            busy = [child.pid for child in self._busy]
        if state == READY and parent is not None and not parent.alive():
            state = RESTARTING  # died a moment ago; the supervisor is about to notice
        if not self.spec.sandbox:
            sandbox = "off"
        elif state in (STARTING, FAILED):
            sandbox = "unknown"
        else:
            sandbox = "on" if self.sandboxed else "unavailable"
        return {"status": state, "pid": parent.pid if parent else None,
                "children": sorted(idle + busy), "slots": self.size, "busy": len(busy),
                "restarts": restarts, "memory_limit_mb": self.limit_mb,
                "max_per_client": self._slots.share, "network_sandbox": sandbox}

    def close(self) -> None:
        """Stop at once: kill the children and the parent, close their sockets."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._state = CLOSED
            idle, self._idle = self._idle, []
            busy = list(self._busy)
            parent = self._parent
        self._stopping.set()
        if not self._readiness.is_ready():
            self._readiness.fail(NotReady(f"the {self.name} processes were stopped"))
            self._readiness.finish()
        for child in idle:
            self._kill(child)
        for child in busy:  # their waiting callers read the end, then close the sockets
            try:
                os.kill(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if parent is not None:
            parent.stop()


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
            size = int(stream.read().split()[0]) * _PAGE
        limit = size + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass


def _serve_jobs(spec: ProcessSpec, state: Any, fd: int, reuse: bool,
                address_extra: int | None) -> None:
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if address_extra is not None:
        _limit_memory(address_extra)
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
            reply = ("memory", traceback.format_exc())
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
                _serve_jobs(spec, state, fds[0], message[1], message[2])
            finally:
                os._exit(0)
        os.close(fds[0])
        connection.send(pid)


if __name__ == "__main__":
    # Run the imported module's code, so what crosses the sockets pickles as evawkg.processes'.
    from evawkg.processes import _parent_main as parent_main

    sys.exit(parent_main(int(sys.argv[1])))
