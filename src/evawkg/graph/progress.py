"""Progress of long work (loading files, inferring the closure) for whoever watches standard error.

Short work stays quiet. Past a couple of seconds a :class:`Task` shows how far it is: on a
terminal one status line rewritten in place, in a log a plain line every few seconds, so logs
stay readable; when it ends, one line says how much was done, in how long and how fast
("loaded synthetic.ttl: 1,000,006 quads in 3.9 s, 256,000 quads/s").
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Work shorter than this prints nothing.
QUIET_SECONDS = 2.0
#: In a log (not a terminal), at most one status line this often.
LOG_EVERY_SECONDS = 10.0
#: On a terminal, the status line is rewritten at most this often.
TERMINAL_EVERY_SECONDS = 0.2


class Reporter:
    """Lines for people, on a stream (standard error unless given): called with a message it
    prints ``evawkg: message``; :meth:`status` rewrites one line in place on a terminal."""

    def __init__(self, stream: TextIO | None = None, *, terminal: bool | None = None,
                 prefix: str = "evawkg: ") -> None:
        self._stream = stream
        self._terminal = terminal
        self.prefix = prefix
        self._pending = False

    @property
    def stream(self) -> TextIO:
        # Looked up at each write: tests and servers replace sys.stderr.
        return self._stream if self._stream is not None else sys.stderr

    @property
    def terminal(self) -> bool:
        if self._terminal is not None:
            return self._terminal
        isatty = getattr(self.stream, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed stream
            return False

    def __call__(self, message: str) -> None:
        self._write(("\r\033[K" if self._pending else "") + self.prefix + message + "\n")
        self._pending = False

    def status(self, message: str) -> None:
        """A passing state: in place on a terminal, else an ordinary line."""
        if self.terminal:
            self._write("\r\033[K" + self.prefix + message)
            self._pending = True
        else:
            self(message)

    def task(self, what: str, **options) -> Task:
        return Task(self, what, **options)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass  # progress is never worth failing the work for


class Task:
    """One long piece of work: :meth:`update` as it goes, :meth:`finish` once.

    ``report`` is a :class:`Reporter` or any callable taking a line (then only plain lines)."""

    def __init__(self, report: Reporter | Callable[[str], None], what: str, *,
                 clock: Callable[[], float] = time.monotonic, quiet: float | None = None) -> None:
        self.report = report
        self.what = what
        self.clock = clock
        self.quiet = QUIET_SECONDS if quiet is None else quiet
        self.started = clock()
        self._last = self.started
        self.shown = False

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def update(self, detail: str) -> None:
        """Say how far the work is (``detail``), if it has run long enough to be worth it."""
        now = self.clock()
        if now - self.started < self.quiet:
            return
        terminal = isinstance(self.report, Reporter) and self.report.terminal
        every = TERMINAL_EVERY_SECONDS if terminal else LOG_EVERY_SECONDS
        if self.shown and now - self._last < every:
            return
        self._last, self.shown = now, True
        message = f"{self.what}: {detail}"
        if isinstance(self.report, Reporter):
            self.report.status(message)
        else:
            self.report(message)

    def finish(self, summary: str) -> None:
        """The last word, printed if the work was long (or anything was shown)."""
        if self.shown or self.elapsed >= self.quiet:
            self.report(summary)


def rate(count: int, seconds: float, unit: str) -> str:
    """``1,000,006 quads in 3.9 s, 256,000 quads/s``."""
    per_second = f", {count / seconds:,.0f} {unit}/s" if seconds > 0 else ""
    return f"{count:,} {unit} in {seconds:.1f} s{per_second}"


#: The reporter of the command line and the server: standard error.
print_progress = Reporter()

__all__ = ["Reporter", "Task", "rate", "print_progress", "QUIET_SECONDS"]
