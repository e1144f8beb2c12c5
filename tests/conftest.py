"""Fixtures shared by the whole suite: the real bundle of this checkout."""

from __future__ import annotations

import gc

import pytest

from evawkg.graph.bundle import Bundle, default_bundle


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """The checkout's own ontology, data, shapes and queries."""
    return default_bundle()


@pytest.fixture(autouse=True, scope="module")
def _collect_garbage_on_this_thread():
    """After each module, free its unreachable objects here, on the main thread.

    pyoxigraph's query answers may only be dropped on the thread that made them (PyO3
    ``unsendable``): one left in a reference cycle by a module that queried a store (a frame
    kept by an iterator) was otherwise freed by a garbage collection that happened to run in a
    later module's server thread, and that module failed with "is being dropped on another
    thread" (an unraisable exception, an error here)."""
    yield
    gc.collect()
