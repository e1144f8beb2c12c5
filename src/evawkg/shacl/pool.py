"""Validation jobs, and the killable processes the HTTP service runs them in.

A validation can take long (pySHACL needs minutes on a modest graph; shapes someone sends may
hold any SPARQL) and offers no cancellation, and a parser bug or a hostile document could
exhaust memory; none of that may touch the HTTP worker or another request. So every validation
(parse, validate, render) runs in a *validation process* of its own, forked from a warm
*validator* process and killed (SIGKILL) when it passes its time limit::

    HTTP worker --control socket--> validator: shapes compiled, the served graph in a store,
         |                              |      both engines warmed up; os.fork() on demand
         +---- one socket per job ----> validation process: runs one job, answers, exits

A job "against the served graph" (``with_graph``) adds the upload to the validation process's
copy of the served store (copy-on-write after the fork), never to the validator's.

A fork takes milliseconds and inherits the warm caches; each job gets a fresh process, so
nothing one upload does (memory, caches, a crash) outlives it. Like the SPARQL query processes
(:mod:`evawkg.sparql.embedded`), it runs on the one supervisor, :class:`evawkg.processes.ProcessPool`:
the validator moves into a network namespace without interfaces when the settings ask for it, and
every validation process has an address-space limit (:data:`MEMORY_LIMIT_BYTES` above the
validator's own size). A validator that dies is restarted by the pool's supervisor; validations
meanwhile get 503 with ``Retry-After``.

:func:`run_job` is the job itself, also callable in-process (the bench compares both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..graph.dataset import DatasetSource
from ..graph.public_base import PublicBase
from ..errors import (ClientError, EvawError, NotReady, PayloadTooLarge, ProcessDied,
                      QueryTimeout, Restarting)
from ..processes import ProcessPool, ProcessSpec
from ..graph.uploads import Upload


#: Address space a validation process may add to the validator's (a runaway job gets a
#: MemoryError or dies, the machine keeps its memory).
MEMORY_LIMIT_BYTES = 4 * 1024 ** 3


class ValidationTimeout(QueryTimeout):
    """A validation ran past its time limit and its process was killed."""

    code = "validation-timeout"


#: The engines a validation can run on: the store engine (:mod:`evawkg.shacl.engine`, the
#: default) and pySHACL (:mod:`evawkg.shacl.validation`, the reference).
ENGINES = ("store", "pyshacl")


@dataclass(frozen=True)
class ValidationJob:
    """One validation: ``uploads`` (or, when empty, the served ``dataset``), the options and the
    report format (one of :data:`evawkg.shacl.rendering.REPORT_FORMATS`). With ``with_graph`` the
    uploads are checked as if added to the served ``dataset``."""

    uploads: tuple[Upload, ...] = ()
    dataset: DatasetSource | None = None
    inference: str = "none"
    shape_iris: tuple[str, ...] | None = None
    format: str = "json"
    engine: str = "store"
    with_graph: bool = False
    #: shapes sent with the upload, used instead of the bundled shapes
    shapes: Upload | None = None
    #: the server's canonical and public bases: the report names IRIs under the public one
    iris: PublicBase | None = None


@dataclass(frozen=True)
class ValidationAnswer:
    """A rendered report and the facts a response header or a log line needs."""

    text: str
    format: str
    conforms: bool
    counts: dict
    seconds: float


def run_job(job: ValidationJob, served=None) -> ValidationAnswer:
    """Parse, validate and render ``job`` here, in this process. ``served`` is a store of the
    served dataset this process may change (a forked validation process's copy); without it the
    dataset is opened afresh."""
    from .rendering import render_published

    started = time.perf_counter()
    if job.engine not in ENGINES:
        raise ClientError(f"unknown engine {job.engine!r}; use one of: " + ", ".join(ENGINES))
    if not job.uploads and job.dataset is None:
        raise ClientError("nothing to validate: send RDF in the request body or as a file")
    if job.with_graph and not job.uploads:
        raise ClientError("with_graph checks an upload against the served graph; send the RDF")
    needs_store = job.with_graph or not job.uploads
    store = served if served is not None else (job.dataset.open() if needs_store and job.dataset
                                               else None)
    report = (_on_store if job.engine == "store" else _on_pyshacl)(job, store)
    text = render_published(report, job.format, job.iris)
    return ValidationAnswer(text, job.format, report.conforms, report.counts_by_severity(),
                            time.perf_counter() - started)


def _on_store(job: ValidationJob, store):
    from . import store_validation
    from .loading import load_shapes_upload

    shapes = load_shapes_upload(job.shapes) if job.shapes is not None else None
    options = {"inference": job.inference, "shape_iris": job.shape_iris, "shapes": shapes}
    if job.with_graph:
        return store_validation.validate_with_graph(job.uploads, store, **options)
    if job.uploads:
        return store_validation.validate_uploads(job.uploads, **options)
    return store_validation.validate_dataset(store, **options)


def _on_pyshacl(job: ValidationJob, store):
    from . import validation
    from ..graph.store import read_upload
    from .with_graph import validate_with_graph

    shapes = read_upload(job.shapes) if job.shapes is not None else None
    options = {"inference": job.inference, "shape_iris": job.shape_iris}
    if job.with_graph:
        return validate_with_graph(job.uploads, base=store, shapes=shapes, engine="pyshacl",
                                   **options)
    strict = {"allow_warnings": shapes is None}
    if job.uploads:
        return validation.validate_uploads(job.uploads, shapes, **options, **strict)
    from ..graph.store import to_rdflib

    return validation.validate(to_rdflib(store), shapes, **options, **strict)


def validate_served_store(store, shape_iris: tuple[str, ...] | None, format: str,
                          iris: PublicBase | None) -> ValidationAnswer:
    """The served graph validated where it is, by the store engine: its point reads and its
    SPARQL run on ``store`` (on a remote store: :class:`evawkg.sparql.remote_store.RemoteStore`
    in a read process, every read a request to the store), the report rendered as
    :func:`run_job` renders it."""
    from .rendering import render_published
    from .store_validation import validate_in_place

    started = time.perf_counter()
    report = validate_in_place(store, shape_iris=shape_iris)
    return ValidationAnswer(render_published(report, format, iris), format, report.conforms,
                            report.counts_by_severity(), time.perf_counter() - started)


def warm_up(dataset: DatasetSource | None = None):
    """The validator's setup: compile the shapes, load the served dataset (forked validation
    processes validate against their copy of it) and run both engines once, so that validation
    processes start warm."""
    sample = (b"@prefix evaw: <https://evawkg.example.org/ontology#> .\n"
              b"<https://evawkg.example.org/id/activity/warm-up> a evaw:Activity .\n")
    for engine in ENGINES:
        run_job(ValidationJob(uploads=(Upload(sample, "turtle"),), format="json", engine=engine))
    served = dataset.open() if dataset is not None else None
    return served, None


def handle(state, job: ValidationJob) -> ValidationAnswer:
    """A validation process's handler: ``state`` is the validator's store of the served dataset,
    this process's own copy (the process is forked for this one job)."""
    served = state if job.dataset is not None and state is not None else None
    return run_job(job, served)


class ValidationPool(ProcessPool):
    """Runs :class:`ValidationJob` s in processes forked from one validator, ``size`` at once,
    a fresh process per job."""

    name = "validation"

    def __init__(self, *, size: int, queue_wait: float, sandbox: bool,
                 dataset: DatasetSource | None = None):
        memory_error = PayloadTooLarge("validating this data needs more memory than a "
                                       "validation may use; send less data")
        super().__init__(ProcessSpec(warm_up, handle, setup_args=(dataset,), sandbox=sandbox,
                                     memory_limit=MEMORY_LIMIT_BYTES, memory_error=memory_error),
                         size=size, queue_wait=queue_wait, reuse=False)
        self.sandbox = sandbox

    def require_ready(self, timeout: float) -> None:
        if not self.wait_ready(min(timeout, 30.0)):
            raise NotReady("the validation service is still starting; try again in a few seconds")

    def timeout_error(self, timeout: float) -> EvawError:
        return ValidationTimeout(
            f"the validation was stopped after {timeout:g} s, its time limit; send less "
            "data, fewer shapes (shapes=) or no inference")

    def died_error(self, reason: str) -> EvawError:
        return ProcessDied(f"the validation process died ({reason}); the data most likely "
                           "needs more memory than a validation may use; send less data")

    def restarting_error(self, retry_after: int) -> EvawError:
        return Restarting(f"the validation service is restarting after a failure; try again "
                          f"in {retry_after} s", retry_after=retry_after)

    def fault_error(self, text: str) -> EvawError:
        return EvawError(f"the validation failed inside its process:\n{text}")

    def startup_error(self, reason: Any) -> EvawError:
        return EvawError(f"the validation service could not start: {reason}")
