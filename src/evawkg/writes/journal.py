"""The journal: every commit of a writable store, appended, flushed to disk, then acknowledged.

``DIR/journal.log`` is append-only. A record is one header line and a body::

    EVAWKG-COMMIT 1 <seq> <meta> <removed> <added> <inferred-removed> <inferred-added> <sha256>\\n
    <meta: JSON><removed: N-Quads><added: N-Quads><inferred-removed: N-Quads><inferred-added: N-Quads>\\n

(the numbers are the byte lengths of the parts; the SHA-256 is the body's). ``meta`` holds what
the change feed shows: sequence number, time, token name, graphs touched, counts, the request's
hash; the N-Quads parts are the :class:`~evawkg.writes.delta.Delta`.

Writing (under the store's write lock, so writes are serialised across every worker process):
the whole record is written with one ``write``, ``fsync`` ed, and only then is the write
acknowledged and ``DIR/journal.head`` (``{"seq": …, "offset": …}``, replaced atomically) moved
past it. Readers (the query processes' loaders, the change feed) read records up to the head
only, so they never see a record that is not yet on disk.

A crash can leave a torn last record. :meth:`Journal.recover` (at startup, and before every
append) keeps every complete record whose checksum holds, adopts one written but not yet
published (it is on disk: the write is whole even though its acknowledgement was lost), and cuts
the file after the last of them: nothing of a partial record is ever read.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import WriteBusy
from .delta import Delta, parse_quads, serialize_quads

JOURNAL = "journal.log"
HEAD = "journal.head"
WRITE_LOCK = "write.lock"
MAGIC = b"EVAWKG-COMMIT"
VERSION = b"1"
#: Longest header line (a sanity bound while scanning a torn file).
MAX_HEADER = 512
_PARTS = ("removed", "added", "inferred_removed", "inferred_added")


@dataclass(frozen=True)
class Head:
    """The last published commit and where the journal ends after it."""

    seq: int = 0
    offset: int = 0


@dataclass(frozen=True)
class Record:
    """One commit as the journal holds it: its metadata and where its record lies."""

    seq: int
    meta: dict
    offset: int  # of the header line
    end: int  # just past the record
    delta: Delta | None = None  # read only when asked for


class Journal:
    """The journal of the store in ``directory``."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.path = self.directory / JOURNAL
        self.head_path = self.directory / HEAD
        self.lock_path = self.directory / WRITE_LOCK

    # --- Reading --------------------------------------------------------------------------------

    def head(self) -> Head:
        """The published head (``Head(0, 0)`` before the first commit)."""
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Head()
        return Head(int(data["seq"]), int(data["offset"]))

    def records(self, start: int = 0, end: int | None = None, *,
                with_delta: bool = True) -> Iterator[Record]:
        """The records from byte ``start`` (a record's beginning) to ``end`` (the head's offset
        unless given); raises ``ValueError`` on a damaged record within that range."""
        end = self.head().offset if end is None else end
        if start >= end:
            return
        with open(self.path, "rb") as stream:
            stream.seek(start)
            while stream.tell() < end:
                record = _read_record(stream, with_delta)
                if record is None:
                    raise ValueError(f"{self.path}: damaged record at byte {stream.tell()}")
                yield record

    # --- Writing (under the lock) ---------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, wait: float) -> Iterator[None]:
        """Hold the store's write lock (one writer across all processes), waiting at most
        ``wait`` seconds for it; :class:`WriteBusy` past that."""
        self.directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                if time.monotonic() >= deadline:
                    raise WriteBusy(f"another write to the store is still in progress after "
                                    f"{wait:g} s; try again in a moment", retry_after=2)
                time.sleep(0.01)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def recover(self) -> Head:
        """Publish every complete record past the head and cut a torn tail (call under the
        lock); returns the head."""
        head = self.head()
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            if head.offset:
                raise ValueError(f"{self.head_path} names commit {head.seq} but {self.path} "
                                 "is missing; restore the store's directory whole") from None
            return head
        if size < head.offset:
            raise ValueError(f"{self.path} is shorter than its published head; the store's "
                             "directory was damaged: restore it from a backup")
        seq, offset = head.seq, head.offset
        if size > offset:
            with open(self.path, "r+b") as stream:
                stream.seek(offset)
                while offset < size:
                    record = _read_record(stream, with_delta=False)
                    if record is None or record.seq != seq + 1:
                        stream.truncate(offset)
                        stream.flush()
                        os.fsync(stream.fileno())
                        break
                    seq, offset = record.seq, record.end
        head = Head(seq, offset)
        self._publish(head)
        return head

    def append(self, meta: dict, delta: Delta, head: Head) -> Record:
        """Write commit ``head.seq + 1`` durably and publish it (call under the lock, after
        :meth:`recover` gave ``head``)."""
        seq = head.seq + 1
        meta = {**meta, "seq": seq}
        parts = [json.dumps(meta, ensure_ascii=False, sort_keys=True).encode("utf-8")]
        parts += [serialize_quads(getattr(delta, name)) for name in _PARTS]
        body = b"".join(parts)
        header = b" ".join([MAGIC, VERSION, str(seq).encode(),
                            *(str(len(part)).encode() for part in parts),
                            hashlib.sha256(body).hexdigest().encode()]) + b"\n"
        record = header + body + b"\n"
        created = not self.path.exists()
        with open(self.path, "ab") as stream:
            if stream.tell() != head.offset:
                raise ValueError(f"{self.path} does not end at its head; recover() first")
            stream.write(record)
            stream.flush()
            os.fsync(stream.fileno())
        if created:
            _fsync_directory(self.directory)
        end = head.offset + len(record)
        self._publish(Head(seq, end))
        return Record(seq, meta, head.offset, end, delta)

    def _publish(self, head: Head) -> None:
        if head == self.head() and (head.seq or self.head_path.exists()):
            return
        temporary = self.head_path.with_name(HEAD + f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"seq": head.seq, "offset": head.offset}),
                             encoding="utf-8")
        os.replace(temporary, self.head_path)


def _read_record(stream, with_delta: bool) -> Record | None:
    """The record at the stream's position, or ``None`` if it is torn or damaged (the stream is
    then left anywhere)."""
    offset = stream.tell()
    header = stream.readline(MAX_HEADER)
    fields = header.split()
    if (not header.endswith(b"\n") or len(fields) != 9 or fields[0] != MAGIC
            or fields[1] != VERSION):
        return None
    try:
        seq = int(fields[2])
        lengths = [int(value) for value in fields[3:8]]
    except ValueError:
        return None
    body = stream.read(sum(lengths) + 1)
    if len(body) != sum(lengths) + 1 or body[-1:] != b"\n":
        return None
    body = body[:-1]
    if hashlib.sha256(body).hexdigest().encode() != fields[8]:
        return None
    meta = json.loads(body[:lengths[0]])
    delta = None
    if with_delta:
        parts, position = {}, lengths[0]
        for name, length in zip(_PARTS, lengths[1:]):
            parts[name] = parse_quads(body[position:position + length])
            position += length
        delta = Delta(created=list(meta.get("created", [])),
                      dropped=list(meta.get("dropped", [])), **parts)
    return Record(seq, meta, offset, stream.tell(), delta)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


__all__ = ["Journal", "Head", "Record", "JOURNAL", "HEAD"]
