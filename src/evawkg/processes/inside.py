"""Inside the warm parent and its children: the network sandbox, the address-space limit, the
fork loop and the job loop. ``python -m evawkg.processes FD NAME`` runs :func:`parent_main`."""

from __future__ import annotations

import ctypes
import gc
import os
import resource
import signal
import socket
import traceback
from multiprocessing.connection import Connection
from typing import Any

from ..errors import EvawError
from .channel import Channel
from .procfs import PAGE_SIZE
from .spec import ProcessSpec

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def enter_network_sandbox() -> bool:
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


def limit_memory(extra: int) -> None:
    try:
        with open("/proc/self/statm") as stream:
            size = int(stream.read().split()[0]) * PAGE_SIZE
        limit = size + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):
        pass


def serve_jobs(spec: ProcessSpec, state: Any, fd: int, reuse: bool,
                address_extra: int | None) -> None:
    try:
        _libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if address_extra is not None:
        limit_memory(address_extra)
    connection = Channel(socket.socket(fileno=fd))
    while True:
        try:
            job = connection.receive()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", spec.handler(state, job))
        except EvawError as error:
            reply = ("error", error)
        except MemoryError:
            reply = ("memory", traceback.format_exc())
        except Exception:  # noqa: BLE001 -- reported to the caller, which logs it as a 500
            reply = ("fault", traceback.format_exc())
        # The peak resident size (one cheap system call): while it stays low the caller knows
        # the child is small enough to keep without reading /proc (see ProcessPool._release).
        connection.send((*reply, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
        if not reuse:
            return


def parent_main(fd: int) -> int:
    control = socket.socket(fileno=fd)
    connection = Connection(os.dup(fd))
    spec: ProcessSpec = connection.recv()
    sandboxed = enter_network_sandbox() if spec.sandbox else False
    try:
        state, info = spec.setup(*spec.setup_args)
    except EvawError as error:
        connection.send(("failed", error, False))
        return 2
    except Exception:  # noqa: BLE001 -- any setup fault is reported, then the parent exits
        connection.send(("failed", traceback.format_exc(), False))
        return 1
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    gc.freeze()  # keep the collector off the warm objects: forked pages stay shared
    connection.send(("ready", info, sandboxed))
    generation = None
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return 0
        if not (isinstance(message, tuple) and message[0] == "fork"):
            continue
        _, fds, _, _ = socket.recv_fds(control, 1, 1)
        wanted = message[3] if len(message) > 3 else None
        if spec.refresh is not None and wanted is not None and wanted != generation:
            try:
                state = spec.refresh(state, wanted)
            except Exception:  # noqa: BLE001 -- a half-refreshed state must never be forked:
                traceback.print_exc()  # exit, and the supervisor starts a parent afresh
                return 1
            generation = wanted
            gc.freeze()
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                connection.close()
                serve_jobs(spec, state, fds[0], message[1], message[2])
            finally:
                os._exit(0)
        os.close(fds[0])
        connection.send(pid)
