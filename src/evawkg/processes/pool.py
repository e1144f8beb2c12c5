"""The pool: jobs in children of a warm parent, with deadlines, memory limits, fair slots and a
supervisor that restarts the parent when it dies (see :mod:`evawkg.processes`)."""

from __future__ import annotations

import logging
import math
import os
import signal
import threading
import time
from typing import Any

from ..errors import (ClientLimitReached, EvawError, MemoryLimitExceeded, NotReady, ProcessDied,
                      QueryLimitReached, QueryTimeout, Restarting)
from ..readiness import Readiness
from .handles import Child, WarmParent
from .procfs import resident_bytes
from .slots import Slots, current_client
from .spec import ProcessSpec

log = logging.getLogger("evawkg.processes")

#: How often the caller samples a running child's resident memory.
MEMORY_POLL_SECONDS = 0.05
#: Without a memory limit, the longest single wait for an answer (the deadline is checked after).
UNWATCHED_WAIT_SECONDS = 1.0
#: ``resident_limit=0`` means: as much again as the warm parent holds, and at least this.
AUTOMATIC_MEMORY_MINIMUM = 1024 ** 3
#: First wait before restarting a dead warm parent; it doubles while restarts keep failing.
RESTART_DELAY = 0.5
RESTART_DELAY_MAX = 30.0
#: A parent that served this long before dying starts the back-off over.
STABLE_AFTER = 30.0

STARTING, READY, RESTARTING, FAILED, CLOSED = "starting", "ready", "restarting", "failed", "closed"


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
    :meth:`require_ready`.

    Generations: :meth:`advance` names a newer state of the parent's data (a spec with a
    ``refresh``); from then on every child is forked after the parent refreshed to it, and the
    children of older generations are no longer given jobs (a running job finishes on the
    state it started with)."""

    #: Names the parent process in ``ps`` and ``/proc/PID/cmdline``.
    name = "jobs"
    #: Whether :meth:`advance` retires the children of older generations. A pool whose handler
    #: brings its child's state up to date itself before each job keeps them (a fork costs more
    #: than catching up when the parent holds a large state); only new forks then follow.
    retire_stale = True

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
        self._slots = Slots(size, max_per_client)
        self._idle: list[Child] = []
        self._busy: set[Child] = set()
        self._lock = threading.Lock()
        self._readiness = Readiness()
        self._parent: WarmParent | None = None
        self._state = STARTING
        self._restarts = 0
        self._restart_at = 0.0
        #: What the last restart failed of, until one succeeds (said with every 503 meanwhile).
        self._restart_failure: EvawError | None = None
        self._stopping = threading.Event()
        self._closed = False
        self._generation: Any = None

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

    def _restarting(self, retry_after: int) -> EvawError:
        """:meth:`restarting_error`, and what the last restart failed of while one did: a cause
        that lasts (a source changed under the server) is said, not only "try again"."""
        error, failure = self.restarting_error(retry_after), self._restart_failure
        if failure is None:
            return error
        return Restarting(f"{error.message}; the last restart failed: {failure.message}",
                          retry_after=retry_after)

    def require_ready(self, timeout: float) -> None:
        """Raise unless the parent has finished its setup (here: without waiting)."""
        self._readiness.require("starting")

    # --- Life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the warm parent and its supervisor; the setup runs in the background (see
        :meth:`wait_ready`)."""
        self._parent = WarmParent(self.name, self.spec)
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
                if kind != "ready":
                    self._restart_failure = self.startup_error(value)
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
                parent = self._parent = WarmParent(self.name, self.spec)

    def _serve(self, parent: WarmParent, info: Any, sandboxed: bool) -> bool:
        """A parent reported ready: fork the reusable children, open the slots. False when it
        died on the way."""
        self.info, self.sandboxed = info, sandboxed
        if self.spec.sandbox and not sandboxed:
            # Said at every start, not silently: the rules still refuse every SERVICE that is not
            # allow-listed, but the processes could reach the network if a rule ever failed.
            log.warning("%s processes: the network sandbox could not start (no user namespaces "
                        "here?); SERVICE stays refused by the query rules, and /healthz says "
                        "network_sandbox: unavailable", self.name)
        parent.resident = resident_bytes(parent.pid)
        if self.resident_limit_setting == 0:
            self.resident_limit = max(AUTOMATIC_MEMORY_MINIMUM, parent.resident)
        else:
            self.resident_limit = self.resident_limit_setting
        try:
            children = [parent.fork(True, self._address_extra(), self._generation)
                        for _ in range(self.size)] if self.reuse else []
        except (EOFError, OSError):
            return False
        with self._lock:
            if self._closed:
                return False
            self._idle.extend(children)
            self._state, self._restart_failure = READY, None
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

    @property
    def generation(self) -> Any:
        return self._generation

    def advance(self, generation: Any) -> None:
        """From now on, jobs run in children forked at ``generation`` (see the class notes);
        idle children of an older one are killed."""
        with self._lock:
            if generation == self._generation:
                return
            self._generation = generation
            stale = [child for child in self._idle if child.generation != generation]
            if self.retire_stale:
                self._idle = [child for child in self._idle if child.generation == generation]
            else:
                stale = []
        for child in stale:
            self._kill(child)

    def _current(self, child: Child, generation: Any) -> bool:
        return not self.retire_stale or child.generation == generation

    # --- Running a job ----------------------------------------------------------------------------

    def run(self, job: Any, timeout: float, *, slots: Slots | None = None,
            wait: float | None = None) -> Any:
        """Run ``job`` in a child; kill that child if it passes ``timeout`` seconds or its
        memory limit. ``slots`` (default: the pool's) is where the job takes its slot, waiting
        at most ``wait`` seconds (default: ``queue_wait``): a writable store's writes take
        theirs apart from the readers' (:mod:`evawkg.writes.readers`)."""
        self._require_running(timeout)
        client = current_client.get()
        slots = slots if slots is not None else self._slots
        refused = slots.acquire(client, self.queue_wait if wait is None else wait)
        if refused == "client":
            raise self.client_busy_error(slots.share)
        if refused == "all":
            raise self.busy_error()
        try:
            kind, value = self._run_in_child(job, timeout)
        finally:
            slots.release(client)
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
            raise self._restarting(self._retry_after(restart_at))
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

    def _take_child(self) -> Child:
        """An idle child known alive, else a fresh fork; dead idle ones are dropped on the way."""
        while True:
            with self._lock:
                state, parent, generation = self._state, self._parent, self._generation
                child = self._idle.pop() if self._idle and state == READY else None
                if child is not None:
                    self._busy.add(child)
            # Only a ready parent forks: a starting one's socket still awaits its setup.
            if state != READY:
                raise self._death_error(None, f"the {self.name} processes are {state}")
            if child is None:
                break
            if (child.parent is parent and self._current(child, generation)
                    and child.idle_and_alive()):
                return child
            self._release(child, keep=False)
        return self._fork_busy(parent, generation)

    def _fork_busy(self, parent, generation) -> Child:
        """A new reusable child of ``parent``, counted busy (its caller holds the slot)."""
        try:
            child = parent.fork(self.reuse, self._address_extra(), generation)
        except (EOFError, OSError) as error:
            raise self._death_error(None, f"could not fork: {error}") from error
        with self._lock:
            self._busy.add(child)
        return child

    def _await_reply(self, child: Child, timeout: float) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout
        limit = self.resident_limit
        base = child.parent.resident
        interval = MEMORY_POLL_SECONDS if limit else UNWATCHED_WAIT_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.timeout_error(timeout)
            try:
                # One recv, bounded by the socket's timeout (a whole wait costs no poll).
                kind, value, child.peak = child.connection.receive(min(remaining, interval))
                return kind, value
            except TimeoutError:
                pass
            if limit:
                grown = resident_bytes(child.pid) - base
                if grown > limit:
                    raise _MemoryExceeded()
                # Closer to the limit, look more often: growth is fastest when it is large.
                interval = MEMORY_POLL_SECONDS / 5 if grown > limit // 2 else MEMORY_POLL_SECONDS

    def _death_error(self, child: Child | None, reason: str) -> EvawError:
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
                return self._restarting(self._retry_after(max(restart_at, time.monotonic()
                                                              + RESTART_DELAY)))
            time.sleep(0.01)
        return self.died_error(reason)

    def _release(self, child: Child, *, keep: bool) -> None:
        """Back to the idle list when it may serve again, else killed."""
        if keep and self.reuse and self.resident_limit:
            keep = self._small_enough(child)
        with self._lock:
            self._busy.discard(child)
            if (keep and self.reuse and child.parent is self._parent and self._state == READY
                    and self._current(child, self._generation)):
                self._idle.append(child)
                return
        self._kill(child)

    def _small_enough(self, child: Child) -> bool:
        """Whether a child may serve again: a child whose allocator kept much of a big job's
        memory would fail the next job. Its peak resident size, which it sends with each
        answer, settles most cases without reading ``/proc`` (the current size is never above
        the peak); only a child that once grew past half its limit is measured now."""
        most = self.resident_limit // 2
        if child.peak and child.peak - child.parent.resident <= most:
            return True
        return resident_bytes(child.pid) - child.parent.resident <= most

    @staticmethod
    def _kill(child: Child) -> None:
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
