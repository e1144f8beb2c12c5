"""Readiness of something that starts in the background: the query pool's loader, the validator,
the linked-data graph. One place for "wait until started, and give every caller the same error
if starting failed"."""

from __future__ import annotations

import threading

from .errors import EvawError, NotReady


class Readiness:
    """Set once when a background start finishes; remembers the error if it failed."""

    def __init__(self) -> None:
        self._finished = threading.Event()
        self._failure: EvawError | None = None

    def fail(self, error: EvawError) -> None:
        """Record why the start failed (callers still call :meth:`finish`)."""
        self._failure = error

    def finish(self) -> None:
        self._finished.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the start finished within ``timeout``; raises the recorded error if it failed."""
        finished = self._finished.wait(timeout)
        if self._failure is not None:
            raise self._failure
        return finished

    def is_ready(self) -> bool:
        """Finished without error, without waiting or raising."""
        return self._finished.is_set() and self._failure is None

    def require(self, what: str) -> None:
        """Raise :class:`NotReady` (503) unless finished; the recorded error if the start failed."""
        if not self.wait(0):
            raise NotReady(f"the server is still {what}; try again in a few seconds")
