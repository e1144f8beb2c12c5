"""A writable store on disk: a base (pyoxigraph's RocksDB store, seeded once from the bundle or
``--data``) and the journal of every commit since (:mod:`evawkg.writes.journal`).

``DIR`` holds::

    evawkg-store.json   what seeded it, whether its closure is kept, which commit the base holds
    *.sst, MANIFEST…    the base (RocksDB): rewritten only by compaction, when no server runs
    journal.log         every commit (the store's truth past the base)
    journal.head        the last commit readers may see
    write.lock, base.lock, server.lock

The state of the store is the base with the journal's commits past ``applied`` replayed. The
base is written only by :func:`compact`, which ``evawkg serve`` runs before its workers start
(holding ``server.lock``: one server per store); at run time readers open it read-only
(under ``base.lock`` shared, so a compaction never rewrites it under them) and every commit only
appends to the journal. Seeding happens once: afterwards the bundle's files no longer matter.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import BundleError, SettingsError
from ..graph.dataset import MARKER, SNAPSHOT, DatasetSource, ensure_store_directory, file_graphs
from .journal import Head, Journal
from .provenance import apply_record

BASE_LOCK = "base.lock"
SERVER_LOCK = "server.lock"


@dataclass(frozen=True)
class StoreInfo:
    """What the marker says of a writable store."""

    directory: str
    seed: str  # the data version of what seeded it
    infer: bool  # graph/inferred is kept the closure of the rest
    applied: Head  # the last commit the base holds


def read_info(directory: Path | str) -> StoreInfo:
    directory = Path(directory)
    try:
        marker = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{directory} holds no evawkg store; start the server with writes on "
                          "(write_tokens) and --store DIR to seed one") from None
    except ValueError as error:  # not JSON, or not UTF-8
        raise _damaged_marker(directory, error) from None
    if not isinstance(marker, dict):
        raise _damaged_marker(directory, TypeError("not a JSON object"))
    if not marker.get("writable"):
        raise BundleError(f"{directory} is a read-only store (it is rebuilt whenever the sources "
                          "change); start the server with writes on to make it writable")
    try:
        applied = marker.get("applied", {})
        return StoreInfo(str(directory), str(marker["version"]), bool(marker.get("infer", False)),
                         Head(int(applied.get("seq", 0)), int(applied.get("offset", 0))))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise _damaged_marker(directory, error) from None


def _damaged_marker(directory: Path, error: Exception) -> BundleError:
    return BundleError(f"{directory / MARKER} is damaged ({type(error).__name__}: {error}); "
                       "restore the store directory whole from a backup")


def seed(settings, progress=None) -> StoreInfo:
    """The writable store of ``settings.store``, seeded from the bundle (or ``--data``) if the
    directory holds none yet; a torn journal tail left by a crash is cut."""
    if not settings.store:
        raise SettingsError("writes need an on-disk store: give --store DIR (EVAWKG_STORE) "
                            "with write_tokens")
    directory = Path(settings.store)
    journal = Journal(directory)
    marker_path = directory / MARKER
    marker = _read_marker(marker_path)
    if not marker.get("writable"):
        # Seeding happens once, before any server runs on the directory (the lock files live
        # in it, and the seeding builds it beside and renames it into place).
        if journal.path.exists():
            raise BundleError(f"{directory} has a journal but no writable marker; restore the "
                              "directory whole from a backup")
        files = tuple(str(Path(f)) for f in settings.data)
        source = DatasetSource(files=files, infer=settings.infer,
                               graphs=file_graphs(files, settings.graph))
        ensure_store_directory(source, directory, **({"progress": progress} if progress else {}))
        # Its N-Quads snapshot would lag behind the base once commits are folded in.
        (directory / SNAPSHOT).unlink(missing_ok=True)
        marker = _read_marker(marker_path)
        marker.update(writable=True, infer=bool(settings.infer and not files),
                      applied={"seq": 0, "offset": 0},
                      seeded=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        _write_marker(marker_path, marker)
    with journal.lock(60):
        journal.recover()
    return read_info(directory)


@contextlib.contextmanager
def base_lock(directory: Path | str, exclusive: bool, wait: float = 600) -> Iterator[None]:
    """Shared while the base is read, exclusive while compaction rewrites it."""
    descriptor = os.open(Path(directory) / BASE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH, wait,
               f"{directory} is being compacted")
        yield
    finally:
        os.close(descriptor)


def hold_server_lock(directory: Path | str, wait: float = 15) -> int:
    """Take the store's server lock for the life of this process (and of the processes it
    forks, which inherit it); returns the descriptor. Refuses a second server on one store."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    descriptor = os.open(Path(directory) / SERVER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _flock(descriptor, fcntl.LOCK_EX, wait,
               f"another evawkg server serves the store {directory}; stop it first")
    except BaseException:
        os.close(descriptor)
        raise
    os.set_inheritable(descriptor, True)
    return descriptor


def _flock(descriptor: int, mode: int, wait: float, busy: str) -> None:
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
            return
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise BundleError(busy)
        time.sleep(0.05)


def open_in_memory(directory: Path | str) -> tuple[ox.Store, Head]:
    """The store's current state in memory: the base copied, the journal replayed to its head."""
    info = read_info(directory)
    memory = ox.Store()
    with base_lock(directory, exclusive=False):
        info = read_info(directory)  # a compaction may have finished while we waited
        disk = ox.Store.read_only(str(directory))
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        for graph in disk.named_graphs():
            memory.add_graph(graph)
        del disk
    return memory, catch_up(memory, directory, info.applied)


def catch_up(store: ox.Store, directory: Path | str, position: Head,
             target: Head | None = None) -> Head:
    """Apply the commits after ``position`` up to the published head (or ``target``)."""
    journal = Journal(directory)
    target = target or journal.head()
    if target.offset <= position.offset:
        return position
    for record in journal.records(position.offset, target.offset):
        apply_record(store, record)
    return target


def compact(directory: Path | str, progress=None) -> Head:
    """Fold the journal's commits into the base (only while no server serves the store: the
    caller holds its server lock). Returns the commit the base now holds."""
    directory = Path(directory)
    journal = Journal(directory)
    with journal.lock(60):
        head = journal.recover()
    info = read_info(directory)
    if head.offset <= info.applied.offset:
        return info.applied
    with base_lock(directory, exclusive=True):
        started = time.perf_counter()
        disk = ox.Store(str(directory))
        try:
            catch_up(disk, directory, info.applied, head)
            disk.flush()
        finally:
            del disk
        marker = _read_marker(directory / MARKER)
        marker["applied"] = {"seq": head.seq, "offset": head.offset}
        _write_marker(directory / MARKER, marker)
    if progress:
        progress(f"folded commits {info.applied.seq + 1}–{head.seq} of the journal into the "
                 f"store's base ({time.perf_counter() - started:.1f} s)")
    return head


def prepare_for_serving(settings, progress=None, *, apart=None) -> StoreInfo:
    """What ``evawkg serve`` does before its workers start: seed the store if new, take its
    server lock for the life of the server, fold the journal into the base.

    ``apart(function, *args)`` runs the steps that open the store's database (seeding and
    folding) away from this process, which keeps only the lock (:func:`evawkg.web.server.apart`:
    a process that opened one must not fork workers)."""
    run = apart or (lambda function, *args: function(*args))
    info = run(seed, settings, progress)
    hold_server_lock(info.directory)
    run(compact, info.directory, progress)
    return read_info(info.directory)


def backup(directory: Path | str, target: Path | str) -> Head:
    """Copy the store to ``target`` (a new directory) while a server may be writing to it: the
    base (no compaction can run meanwhile), then the journal up to its published head, so the
    copy is the store as of that commit. Restoring is copying it back while no server runs."""
    directory, target = Path(directory), Path(target)
    if target.exists():
        raise SettingsError(f"{target} exists; back up into a new directory")
    read_info(directory)
    journal = Journal(directory)
    skipped = {journal.path.name, journal.head_path.name, journal.lock_path.name, BASE_LOCK,
               SERVER_LOCK}
    with base_lock(directory, exclusive=False):
        head = journal.head()
        building = target.with_name(target.name + ".partial")
        shutil.rmtree(building, ignore_errors=True)
        shutil.copytree(directory, building, ignore=lambda folder, names: [
            name for name in names if Path(folder) == directory and name in skipped])
    if head.offset:
        with open(journal.path, "rb") as source, open(building / journal.path.name, "wb") as copy:
            remaining = head.offset
            while remaining:
                chunk = source.read(min(remaining, 1 << 20))
                if not chunk:
                    raise BundleError(f"{journal.path} ended before its head; the store is damaged")
                copy.write(chunk)
                remaining -= len(chunk)
            copy.flush()
            os.fsync(copy.fileno())
        Journal(building)._publish(head)
    building.rename(target)
    return head


def _read_marker(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _write_marker(path: Path, marker: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(marker, indent=2), encoding="utf-8")
    with open(temporary, "rb") as stream:
        os.fsync(stream.fileno())
    os.replace(temporary, path)


__all__ = ["StoreInfo", "seed", "prepare_for_serving", "backup", "read_info", "open_in_memory",
           "catch_up", "compact", "hold_server_lock", "base_lock"]
