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

Modules: ``pool`` (:class:`ProcessPool`: running jobs, the supervisor), ``slots`` (fair slots,
:data:`current_client`), ``handles`` (the caller's ends of a warm parent and its children),
``procfs`` (resident size and liveness from ``/proc``), ``inside`` (the code that runs in the
warm parent and the children), ``spec`` (:class:`ProcessSpec`).
"""

from .inside import enter_network_sandbox
from .pool import ProcessPool
from .procfs import alive, resident_bytes
from .slots import current_client
from .spec import ProcessSpec

__all__ = ["ProcessPool", "ProcessSpec", "current_client", "alive", "resident_bytes",
           "enter_network_sandbox"]
