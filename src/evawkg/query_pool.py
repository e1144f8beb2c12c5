"""Queries run in processes that can be killed: the only way to stop a pyoxigraph query.

pyoxigraph has no cancellation and no timeout, and a signal reaches Python only after the query
returns. So each query runs in a *query process*; when it passes its time limit the process is
killed (SIGKILL frees its CPU at once) and a fresh one takes its place.

Processes::

    HTTP worker (gunicorn)  --control socket-->  loader process ("zygote"): holds the graph in memory
          |                                            | os.fork() on demand (copy-on-write: the
          +---- one socket per query process ------> query process   graph is shared, a fork
                                                                      takes milliseconds)

The loader is started with ``python -m evawkg.query_pool``, loads the dataset once, then only
forks. Query processes are forked from it, so a replacement is ready in milliseconds whatever
the graph's size, and all of them share its memory pages. Unless SERVICE endpoints are allowed,
the loader first moves into a new network namespace with no interface up (Linux user
namespaces): whatever a query says, its process has no network to reach.

:class:`EmbeddedSparqlService` is the :class:`evawkg.sparql.SparqlService` built on this pool.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection

from .answers import QueryJob, describe_dataset, execute
from .dataset import DatasetSource, print_progress
from .errors import EvawError, QueryLimitReached, QueryTimeout
from .namespaces import PREFIXES
from .readiness import Readiness
from .sparql import Answer, DatasetDescription, QueryRequest

log = logging.getLogger("evawkg.query_pool")

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


class _Worker:
    __slots__ = ("pid", "connection")

    def __init__(self, pid: int, connection: Connection):
        self.pid = pid
        self.connection = connection


class QueryPool:
    """Up to ``size`` query processes forked from one loader process."""

    def __init__(self, source: DatasetSource, *, size: int, queue_wait: float, sandbox: bool,
                 union: bool):
        self.source = source
        self.size = size
        self.queue_wait = queue_wait
        self.options = {"sandbox": sandbox, "union": union}
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._control_lock = threading.Lock()
        self._readiness = Readiness()
        self._description: DatasetDescription | None = None
        self.sandboxed = False
        self._loader: subprocess.Popen | None = None
        self._closed = False

    def start(self) -> None:
        """Start the loader; it loads the graph in the background (see :meth:`wait_ready`)."""
        ours, theirs = socket.socketpair()
        self._loader = subprocess.Popen(
            [sys.executable, "-m", "evawkg.query_pool", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self._control = ours
        self._connection = Connection(os.dup(ours.fileno()))
        self._connection.send((self.source, self.options))
        threading.Thread(target=self._await_ready, name="evawkg-loader", daemon=True).start()

    def _await_ready(self) -> None:
        try:
            kind, value, sandboxed = self._connection.recv()
        except (EOFError, OSError):
            kind, value, sandboxed = "failed", EvawError("the loader process exited while "
                                                         "loading the graph"), False
        if kind == "ready":
            self._description, self.sandboxed = value, sandboxed
            try:
                workers = [self._fork() for _ in range(self.size)]
                with self._lock:
                    self._idle.extend(workers)
            except (EOFError, OSError) as error:
                self._readiness.fail(EvawError(f"could not start query processes: {error}"))
        else:
            self._readiness.fail(value)
            log.error("loading the graph failed: %s", value)
        self._readiness.finish()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for the graph to load; raises the loader's error if it failed."""
        return self._readiness.wait(timeout)

    def ready(self) -> bool:
        return self._readiness.is_ready()

    @property
    def description(self) -> DatasetDescription:
        self._require_ready()
        assert self._description is not None
        return self._description

    def _require_ready(self) -> None:
        self._readiness.require("loading its graph")

    def _fork(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            with self._control_lock:
                self._connection.send("fork")
                socket.send_fds(self._control, [b"F"], [theirs.fileno()])
                pid = self._connection.recv()
        finally:
            theirs.close()
        return _Worker(pid, Connection(ours.detach()))

    def run(self, job: QueryJob, timeout: float) -> Answer:
        """Run ``job`` in a query process; kill that process if it passes ``timeout`` seconds."""
        self._require_ready()
        if not self._slots.acquire(timeout=self.queue_wait):
            raise QueryLimitReached(
                f"all {self.size} query slots are busy; retry in a moment", retry_after=1)
        worker = None
        try:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                worker = self._fork()
            worker.connection.send(job)
            if not worker.connection.poll(timeout):
                self._kill(worker)
                worker = None
                raise QueryTimeout(
                    f"the query was stopped after {timeout:g} s, its time limit; make it cheaper "
                    "(LIMIT, more selective patterns) or ask for a longer timeout= (at most the "
                    "server's limit)")
            kind, value = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            if worker is not None:
                self._kill(worker)
                worker = None
            raise EvawError(f"the query process died ({error or 'no answer'}); it may have run "
                            "out of memory") from error
        finally:
            if worker is not None:
                with self._lock:
                    self._idle.append(worker)
            self._slots.release()
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        raise EvawError(f"the query failed inside its process:\n{value}")

    def _kill(self, worker: _Worker) -> None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.connection.close()

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [worker.pid for worker in self._idle]

    @property
    def loader_pid(self) -> int | None:
        return self._loader.pid if self._loader else None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            self._kill(worker)
        if self._loader is not None:
            self._connection.close()
            self._control.close()
            try:
                self._loader.wait(5)
            except subprocess.TimeoutExpired:
                self._loader.kill()
                self._loader.wait()


class EmbeddedSparqlService:
    """The :class:`~evawkg.sparql.SparqlService` of an in-memory pyoxigraph store."""

    def __init__(self, source: DatasetSource, settings):
        self.settings = settings
        self._version = source.version() + ("-union" if settings.default_graph_as_union else "")
        self.pool = QueryPool(source, size=settings.max_concurrent_queries,
                              queue_wait=settings.queue_wait,
                              sandbox=settings.sandbox_network and not settings.allow_service,
                              union=settings.default_graph_as_union)
        self.pool.start()

    @property
    def data_version(self) -> str:
        return self._version

    def ready(self) -> bool:
        return self.pool.ready()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self.pool.wait_ready(timeout)

    def describe(self) -> DatasetDescription:
        return self.pool.description

    def query(self, request: QueryRequest) -> Answer:
        job = QueryJob(request.query.text, request.format.name, PREFIXES,
                       max_rows=self.settings.max_rows, base_iri=self.settings.base_iri,
                       union=self.settings.default_graph_as_union,
                       has_dataset=request.query.has_dataset,
                       default_graphs=request.default_graphs, named_graphs=request.named_graphs,
                       calls_services=bool(request.query.services),
                       substitutions=request.substitutions)
        return self.pool.run(job, request.timeout)

    def close(self) -> None:
        self.pool.close()


# --- Inside the loader and query processes ---------------------------------------------------

def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _enter_network_sandbox() -> bool:
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


def _serve_queries(store, fd: int) -> None:
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    connection = Connection(fd)
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", execute(store, job))
        except EvawError as error:
            reply = ("error", error)
        except Exception:  # noqa: BLE001 -- reported to the HTTP worker, which logs it as a 500
            reply = ("fault", traceback.format_exc())
        connection.send(reply)


def _loader_main(fd: int) -> int:
    control = socket.socket(fileno=fd)
    connection = Connection(os.dup(fd))
    source, options = connection.recv()
    sandboxed = _enter_network_sandbox() if options["sandbox"] else False
    try:
        store = source.open(print_progress)
        description = describe_dataset(store, union=options["union"])
    except EvawError as error:
        connection.send(("failed", error, False))
        return 2
    except Exception:  # noqa: BLE001 -- any loading fault is reported, then the loader exits
        connection.send(("failed", EvawError(traceback.format_exc()), False))
        return 1
    # Query processes that exit or are killed are reaped by the kernel.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    connection.send(("ready", description, sandboxed))
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return 0
        if message != "fork":
            continue
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                connection.close()
                _serve_queries(store, fds[0])
            finally:
                os._exit(0)
        os.close(fds[0])
        connection.send(pid)


if __name__ == "__main__":
    sys.exit(_loader_main(int(sys.argv[1])))
