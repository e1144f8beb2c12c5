"""What ``/proc`` says about a process: its resident memory, whether it still runs. Read from
the caller's side, about children that are not its own (the warm parent forked them)."""

from __future__ import annotations

import os

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(pid: int) -> int:
    """Resident memory of process ``pid`` (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as stream:
            return int(stream.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie or a process being torn down does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False
