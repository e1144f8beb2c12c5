"""What a pool runs: a :class:`ProcessSpec` of module-level functions (pickled by reference, so
the warm parent and its children import the same code as the caller)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import EvawError


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
    #: ``refresh(state, generation)`` runs in the parent before it forks a child for a
    #: generation it has not forked for yet (:meth:`ProcessPool.advance`), and returns the new
    #: state: how a parent holding data catches up with changes made elsewhere. The parent forks
    #: nothing while it runs, so a child sees the state before or after a refresh, never between.
    refresh: Callable[[Any, Any], Any] | None = None
