"""Validation jobs, and the killable processes the HTTP service runs them in.

pySHACL can take minutes on a modest graph and offers no cancellation, and a parser bug or a
hostile document could exhaust memory; none of that may touch the HTTP worker or another
request. So every validation (parse, validate, render) runs in a *validation process* of its
own, forked from a warm *validator* process and killed (SIGKILL) when it passes its time limit::

    HTTP worker --control socket--> validator: rdflib, pySHACL, shapes and ontology loaded,
         |                              |      one warm-up validation done; os.fork() on demand
         +---- one socket per job ----> validation process: runs one job, answers, exits

A fork takes milliseconds and inherits the warm caches; each job gets a fresh process, so
nothing one upload does (memory, caches, a crash) outlives it. Like the SPARQL query processes
(:mod:`evawkg.query_pool`, whose network sandbox is reused), the validator moves into a network
namespace without interfaces when the settings ask for it, and every validation process has an
address-space limit (:data:`MEMORY_LIMIT_BYTES` above the validator's own size).

:func:`run_job` is the job itself, also callable in-process (the bench compares both).
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
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection

from .dataset import DatasetSource
from .errors import (ClientError, EvawError, NotReady, PayloadTooLarge, QueryLimitReached,
                     QueryTimeout)
from .readiness import Readiness
from .uploads import Upload

log = logging.getLogger("evawkg.validation_pool")

#: Address space a validation process may add to the validator's (a runaway job gets a
#: MemoryError or dies, the machine keeps its memory).
MEMORY_LIMIT_BYTES = 4 * 1024 ** 3

_PR_SET_PDEATHSIG = 1


class ValidationTimeout(QueryTimeout):
    """A validation ran past its time limit and its process was killed."""

    code = "validation-timeout"


@dataclass(frozen=True)
class ValidationJob:
    """One validation: ``uploads`` (or, when empty, the served ``dataset``), the options and the
    report format (one of :data:`evawkg.validation.REPORT_FORMATS`)."""

    uploads: tuple[Upload, ...] = ()
    dataset: DatasetSource | None = None
    inference: str = "none"
    shape_iris: tuple[str, ...] | None = None
    format: str = "json"


@dataclass(frozen=True)
class ValidationAnswer:
    """A rendered report and the facts a response header or a log line needs."""

    text: str
    format: str
    conforms: bool
    counts: dict
    seconds: float


def run_job(job: ValidationJob) -> ValidationAnswer:
    """Parse, validate and render ``job`` here, in this process."""
    from . import validation

    started = time.perf_counter()
    if job.uploads:
        report = validation.validate_uploads(job.uploads, inference=job.inference,
                                             shape_iris=job.shape_iris)
    elif job.dataset is not None:
        from .store import to_rdflib

        data = to_rdflib(job.dataset.open())
        report = validation.validate(data, inference=job.inference, shape_iris=job.shape_iris)
    else:
        raise ClientError("nothing to validate: send RDF in the request body or as a file")
    text = validation.render_report(report, job.format)
    return ValidationAnswer(text, job.format, report.conforms, report.counts_by_severity(),
                            time.perf_counter() - started)


class ValidationPool:
    """Runs :class:`ValidationJob` s in processes forked from one validator, ``size`` at once."""

    def __init__(self, *, size: int, queue_wait: float, sandbox: bool):
        self.size = size
        self.queue_wait = queue_wait
        self.sandbox = sandbox
        self._slots = threading.BoundedSemaphore(size)
        self._control_lock = threading.Lock()
        self._readiness = Readiness()
        self._validator: subprocess.Popen | None = None
        self._closed = False
        self.sandboxed = False

    def start(self) -> None:
        """Start the validator; it warms up in the background."""
        ours, theirs = socket.socketpair()
        self._validator = subprocess.Popen(
            [sys.executable, "-m", "evawkg.validation_pool", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self._control = ours
        self._connection = Connection(os.dup(ours.fileno()))
        self._connection.send({"sandbox": self.sandbox})
        threading.Thread(target=self._await_ready, name="evawkg-validator", daemon=True).start()

    def _await_ready(self) -> None:
        try:
            kind, value = self._connection.recv()
        except (EOFError, OSError):
            kind, value = "failed", "the validator process exited while starting"
        if kind == "ready":
            self.sandboxed = value
        else:
            self._readiness.fail(EvawError(f"the validation service could not start: {value}"))
            log.error("the validator failed to start: %s", value)
        self._readiness.finish()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._readiness.wait(timeout)

    @property
    def validator_pid(self) -> int | None:
        return self._validator.pid if self._validator else None

    def _fork(self) -> tuple[int, Connection]:
        ours, theirs = socket.socketpair()
        try:
            with self._control_lock:
                self._connection.send("fork")
                socket.send_fds(self._control, [b"F"], [theirs.fileno()])
                pid = self._connection.recv()
        finally:
            theirs.close()
        return pid, Connection(ours.detach())

    def run(self, job: ValidationJob, timeout: float) -> ValidationAnswer:
        """Run ``job`` in a fresh validation process, killed after ``timeout`` seconds."""
        if not self.wait_ready(min(timeout, 30.0)):
            raise NotReady("the validation service is still starting; try again in a few seconds")
        if not self._slots.acquire(timeout=self.queue_wait):
            raise QueryLimitReached(f"all {self.size} validation slots are busy; retry in a "
                                    "moment", retry_after=1)
        pid, connection = None, None
        try:
            pid, connection = self._fork()
            connection.send(job)
            if not connection.poll(timeout):
                raise ValidationTimeout(
                    f"the validation was stopped after {timeout:g} s, its time limit; send less "
                    "data, fewer shapes (shapes=) or no inference")
            kind, value = connection.recv()
        except (EOFError, OSError) as error:
            raise EvawError(f"the validation process died ({error or 'no answer'}); the data "
                            "may need more memory than a validation may use") from error
        finally:
            if pid is not None:
                _kill(pid)
            if connection is not None:
                connection.close()
            self._slots.release()
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        raise EvawError(f"the validation failed inside its process:\n{value}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._validator is not None:
            self._connection.close()
            self._control.close()
            try:
                self._validator.wait(5)
            except subprocess.TimeoutExpired:
                self._validator.kill()
                self._validator.wait()


def _kill(pid: int) -> None:
    """Make sure a validation process is gone (it exits by itself after answering)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- Inside the validator and validation processes -------------------------------------------

def _limit_memory() -> None:
    try:
        with open("/proc/self/statm") as stream:
            size = int(stream.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = size + MEMORY_LIMIT_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass


def _serve_one_job(fd: int) -> None:
    try:
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _limit_memory()
    connection = Connection(fd)
    try:
        job = connection.recv()
    except (EOFError, OSError):
        return
    try:
        reply = ("ok", run_job(job))
    except EvawError as error:
        reply = ("error", error)
    except MemoryError:
        reply = ("error", PayloadTooLarge("validating this data needs more memory than a "
                                          "validation may use; send less data"))
    except Exception:  # noqa: BLE001 -- reported to the HTTP worker, which logs it as a 500
        reply = ("fault", traceback.format_exc())
    connection.send(reply)


def _warm_up() -> None:
    """Load shapes and ontology and run pySHACL once, so forked processes start warm."""
    from .uploads import Upload as _Upload

    sample = (b"@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
              b"<https://evawkg.example.org/id/activity/warm-up> a evaw:Activity .\n")
    run_job(ValidationJob(uploads=(_Upload(sample, "turtle"),), format="json"))


def _validator_main(fd: int) -> int:
    from .query_pool import _enter_network_sandbox

    control = socket.socket(fileno=fd)
    connection = Connection(os.dup(fd))
    options = connection.recv()
    sandboxed = _enter_network_sandbox() if options["sandbox"] else False
    try:
        _warm_up()
    except Exception:  # noqa: BLE001 -- a broken bundle: reported, then the validator exits
        connection.send(("failed", traceback.format_exc()))
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished jobs
    # Keep the collector off the warm objects, so a fork's pages stay shared, not copied.
    gc.freeze()
    connection.send(("ready", sandboxed))
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
                _serve_one_job(fds[0])
            finally:
                os._exit(0)
        os.close(fds[0])
        connection.send(pid)


if __name__ == "__main__":
    # Run the imported module's code, so jobs and answers pickle as evawkg.validation_pool's.
    from evawkg.validation_pool import _validator_main as validator_main

    sys.exit(validator_main(int(sys.argv[1])))
