"""``evawkg`` as a program: the console script's entry point (pyproject's [project.scripts]) and
``python -m evawkg``.

It owns one thing the command group cannot: Ctrl-C from the first moment. The command takes a
second to import (click, pyoxigraph, rdflib, Flask), and an interrupt in that second printed a
KeyboardInterrupt traceback; once the command ran, click said "Aborted!" and exited 1. Here,
before any of that is imported, SIGINT is made to end the program quietly with exit code 130
(128 + SIGINT, as shells report it), running ``finally`` blocks and ``with`` exits on the way
out as KeyboardInterrupt did. A second Ctrl-C does not wait for them.
"""

from __future__ import annotations

import signal
import sys

#: The exit code of a command ended by Ctrl-C.
INTERRUPTED = 128 + signal.SIGINT


def run() -> None:
    """Run the ``evawkg`` command group on ``sys.argv``."""
    # Only over Python's own handler: a SIGINT its parent ignores (a job started with `&` by a
    # script, nohup) stays ignored.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupted)
    from .cli import main

    main()


def _interrupted(signum, frame) -> None:
    # SystemExit, not KeyboardInterrupt: click turns that into "Aborted!" and exit 1, and an
    # import it stops prints its traceback; SystemExit passes through both without a word.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    raise SystemExit(INTERRUPTED)


if __name__ == "__main__":
    sys.exit(run())
