"""What the SPARQL endpoint serves: the bundled graph or given RDF files, their version, and the
on-disk store kept across restarts.

Given files (``--data``) are served as the RDF dataset they write
(:func:`evawkg.graph.store.load_dataset`): a quad file's named graphs stay named graphs and its
default graph stays the default graph; a triple file fills the default graph, unless ``--graph``
names the graph it goes into (one ``--graph`` for every file, or one per ``--data`` file in
order; ``default`` is the default graph). With ``--infer`` (the default) the OWL 2 RL closure of
everything served is added as one more named graph, ``graph/inferred``, so the ontology should
be among the files; ``--no-infer`` serves the files alone. Whether queries then see the default graph as the
union of all graphs is the separate ``default_graph_as_union`` setting. The bundle keeps one
named graph per file (``bundle.py``) and needs that union.

A :class:`DatasetSource` is a small picklable recipe; the query process (``query_pool``) follows
it to build its in-memory pyoxigraph store. ``--store DIR`` turns the recipe into "copy this
on-disk store": :func:`ensure_store_directory` loads the sources into ``DIR`` once and reuses it
while a hash of the source files (:func:`evawkg.graph.store.data_version`) stays the same.
A second start repeats none of the first one's work: sources of the size and modification time
recorded with the store are not hashed again, the quads are read from the N-Quads snapshot
written beside the store (:data:`SNAPSHOT`), and the query processes' loader reads the dataset's
counts from the marker (:func:`remember`) instead of counting a million triples again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from .bundle import Bundle, default_bundle
from ..errors import BundleError, EvawError, SettingsError
from .formats import format_for_path
from .progress import Reporter, Task, print_progress, rate

#: The file marking a directory as an evawkg store and naming the sources' version.
MARKER = "evawkg-store.json"

#: Where loading tells how far it is: ``print_progress`` (standard error, a status line on a
#: terminal) or any callable taking a line.
Progress = Reporter | Callable[[str], None]


def _silent(message: str) -> None:
    pass


@dataclass(frozen=True)
class DatasetSource:
    """Where the served graph comes from: ``files``, else the bundle at ``bundle_root`` (this
    checkout when empty); ``store_dir`` once it has been copied into an on-disk store.

    ``graphs`` holds, for each of ``files``, the IRI of the graph its triples go into, ``""``
    for the default graph (all of them when empty)."""

    files: tuple[str, ...] = ()
    bundle_root: str = ""
    infer: bool = True
    store_dir: str = ""
    graphs: tuple[str, ...] = ()
    #: The version once known (:func:`ensure_store_directory` tells it), so that it is not
    #: recomputed by hashing every source again in each process the recipe reaches.
    known_version: str = ""
    #: The sources' sizes and modification times when ``known_version`` was worked out from
    #: them (JSON of :meth:`source_stats`; empty for a store directory, read as it was made):
    #: a loader started later reads the sources again, and must not serve other bytes under
    #: that version.
    known_stats: str = ""

    def __post_init__(self) -> None:
        if self.graphs and len(self.graphs) != len(self.files):
            raise ValueError("a DatasetSource needs one graph (or \"\") per file")

    def file_graphs(self) -> list[tuple[Path, str | None]]:
        """Each file and the graph its triples go into (``None``: the default graph)."""
        graphs = self.graphs or ("",) * len(self.files)
        return [(Path(f), graph or None) for f, graph in zip(self.files, graphs)]

    def bundle(self) -> Bundle:
        return Bundle(Path(self.bundle_root)) if self.bundle_root else default_bundle()

    def source_paths(self) -> list[Path]:
        if self.files:
            return [Path(f) for f in self.files]
        return self.bundle().version_files()

    def version(self) -> str:
        """Changes whenever a source file, the graphs files go into or the inference switch does."""
        if self.known_version:
            return self.known_version
        from .store import data_version

        return f"{data_version(self.source_paths())}-{self.version_kind()}"

    def version_kind(self) -> str:
        """The part of :meth:`version` that is not the sources' bytes: what is made of them."""
        if self.files:
            kind = "files+inferred" if self.infer else "files"
            if any(self.graphs):
                placement = "\0".join(f"{f}\0{g}" for f, g in zip(self.files, self.graphs))
                kind += "+" + hashlib.sha256(placement.encode()).hexdigest()[:8]
        else:
            kind = "bundle+inferred" if self.infer else "bundle"
        return kind

    def source_stats(self) -> list:
        """Each source's path, size and modification time: unchanged, so are its bytes (as
        ``make`` assumes), and the version recorded with them still holds."""
        stats = []
        for path in self.source_paths():
            try:
                status = path.stat()
            except OSError:
                return []  # a missing source: hash (and fail) as before
            stats.append([str(path.resolve()), status.st_size, status.st_mtime_ns])
        return [self.version_kind(), stats]

    def pinned(self) -> DatasetSource:
        """This recipe with its version worked out now, and the sources' sizes and times it
        was worked out from: :meth:`open` then refuses sources that changed since."""
        stats = json.dumps(self.source_stats())  # before the hash: a change between is seen
        return replace(self, known_version=self.version(), known_stats=stats)

    def open(self, progress: Progress = _silent) -> ox.Store:
        """An in-memory store holding the dataset (see the module documentation)."""
        started = time.perf_counter()
        if self.known_stats and not self.store_dir:
            self._check_unchanged()
        if self.store_dir:
            store = _copy_into_memory(Path(self.store_dir), progress)
        elif self.files:
            store = _load_files(self.file_graphs(), progress)
            if self.infer:
                from .inference import infer

                infer(store, progress=progress)
        else:
            from .store import load_bundle

            progress(f"loading the bundled graph from {self.bundle().root}"
                     + (" and inferring its OWL 2 RL closure" if self.infer else ""))
            store = load_bundle(self.bundle(), infer=self.infer, progress=progress)
        progress(f"{len(store)} quads in memory ({time.perf_counter() - started:.1f} s)")
        return store

    def _check_unchanged(self) -> None:
        now = self.source_stats()
        if json.dumps(now) == self.known_stats:
            return
        # [kind, [[path, size, mtime], …]], or [] when a source was missing
        before = {path: rest for path, *rest in (json.loads(self.known_stats) or [None, []])[1]}
        after = {path: rest for path, *rest in (now or [None, []])[1]}
        changed = sorted(path for path in before.keys() | after.keys()
                         if before.get(path) != after.get(path)) or ["a source"]
        raise SourcesChanged(
            f"{changed[0]} changed since the server started (its answers are those of the "
            "data version it announced); restart evawkg serve to serve the new data")


class SourcesChanged(EvawError):
    """A source file changed under a running server that must load it again (its query
    processes' loader restarted): serving it would give new data under the old version."""

    status = 503
    code = "sources-changed"


#: Files larger than this report their loading on their own line.
_LARGE = 20 * 1024 * 1024


def _load_files(files: list[tuple[Path, str | None]], progress: Progress) -> ox.Store:
    from .store import load_dataset

    paths = [path for path, _ in files]
    total = sum(path.stat().st_size for path in paths if path.exists())
    big = [p for p in paths if p.exists() and p.stat().st_size >= _LARGE]
    if total >= _LARGE or big:
        progress(f"loading {len(paths)} file(s), {total / 1e6:.0f} MB: "
                 + ", ".join(p.name for p in paths[:5]) + (" …" if len(paths) > 5 else ""))
    for path in paths:
        format_for_path(path)  # an unknown extension fails before any parsing
    return load_dataset(files, progress=progress)


#: Beside a read-only store's RocksDB files: the same quads as N-Quads, written when the store is
#: built. pyoxigraph's parser reads them into memory with a third of the CPU time of copying the
#: quads out of RocksDB one Python object at a time (1.6M quads: 4.3 s against 13.4 s).
SNAPSHOT = "dataset.nq"


def _copy_into_memory(directory: Path, progress: Progress) -> ox.Store:
    progress(f"reading the on-disk store {directory}")
    task = Task(progress, f"reading {directory}")
    memory = ox.Store()
    snapshot = directory / SNAPSHOT
    if snapshot.exists() and not read_marker(directory).get("writable"):
        # A writable store's base changes with compaction; its snapshot would lag: never read.
        memory.load(path=str(snapshot), format=ox.RdfFormat.N_QUADS)  # less CPU than bulk_load here
    else:
        disk = ox.Store.read_only(str(directory))
        memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
        del disk
    task.finish(f"read the on-disk store: {rate(len(memory), task.elapsed, 'quads')}")
    return memory


def read_marker(directory: Path | str) -> dict:
    """What the store's marker file records (empty when there is none)."""
    try:
        return json.loads((Path(directory) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def remember(directory: Path | str, key: str, value) -> None:
    """Record ``value`` under ``key`` in a read-only store's marker, for the next start: facts
    about the stored quads (their counts) that cost seconds to recompute. Replaced whole and
    atomically, so concurrent writers of the same fact leave a readable marker."""
    directory = Path(directory)
    marker = read_marker(directory)
    if not marker or marker.get("writable"):
        return
    marker[key] = value
    temporary = directory / f"{MARKER}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(marker, indent=2), encoding="utf-8")
    os.replace(temporary, directory / MARKER)


def ensure_store_directory(source: DatasetSource, directory: Path,
                           progress: Progress = print_progress) -> DatasetSource:
    """``source`` as a copy in the on-disk store ``directory``, built only when the sources
    changed since the last build; returns the recipe that reads it."""
    directory = Path(directory)
    _check_store_place(directory)
    marker = directory / MARKER
    stats = source.source_stats()
    if marker.exists():
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8"))
            if not isinstance(recorded, dict):
                raise ValueError("not a JSON object")
        except ValueError as error:  # not JSON, not UTF-8, not an object
            raise BundleError(f"{marker} is damaged ({error}); remove {directory} to have the "
                              "store built again") from None
        # Sources of the same size and modification time are not read and hashed again.
        version = (recorded["version"] if stats and recorded.get("stats") == stats
                   and recorded.get("version") else source.version())
        if recorded.get("version") == version:
            progress(f"reusing the on-disk store {directory} (sources unchanged, {version})")
            return replace(source, store_dir=str(directory), known_version=version)
        progress(f"the sources changed since {directory} was built; rebuilding it")
        shutil.rmtree(directory)
    elif directory.exists() and any(directory.iterdir()):
        raise BundleError(f"{directory} is not empty and holds no evawkg store ({MARKER} is "
                          "missing); name an empty or new directory with --store")
    else:
        version = source.version()
    memory = source.open(progress)
    started = time.perf_counter()
    building = directory.with_name(directory.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    disk = ox.Store(str(building))
    disk.bulk_extend(memory.quads_for_pattern(None, None, None, None))
    disk.flush()
    del disk
    memory.dump(str(building / SNAPSHOT), format=ox.RdfFormat.N_QUADS)
    (building / MARKER).write_text(json.dumps(
        {"version": version, "sources": [str(p) for p in source.source_paths()],
         "stats": stats, "quads": len(memory)}, indent=2), encoding="utf-8")
    building.rename(directory)
    progress(f"wrote the on-disk store {directory} ({time.perf_counter() - started:.1f} s)")
    return replace(source, store_dir=str(directory), known_version=version)


def _check_store_place(directory: Path) -> None:
    """Refuse, before the sources are read, a store directory that cannot be made: pyoxigraph's
    error named only the ``.building`` directory beside it, in a traceback."""
    if directory.exists() and not directory.is_dir():
        raise SettingsError(f"the store {directory} is a file; give --store a directory, new or "
                            "holding an evawkg store")
    if (directory / MARKER).exists():
        return  # reused where it stands, which needs no write beside it
    parent = directory.absolute().parent  # where it is built, beside its final name
    if not parent.is_dir():
        raise SettingsError(f"cannot make the store {directory}: {parent} does not exist or is not "
                            "a directory; create it first, or give --store a new directory in an "
                            "existing one")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SettingsError(f"cannot make the store {directory}: this user may not write in "
                            f"{parent}; give --store a directory where it may")


def dataset_source(settings) -> DatasetSource:
    """The recipe of the graph ``settings`` (:class:`evawkg.settings.Settings`) ask to serve,
    building the ``--store`` directory first if needed."""
    files = tuple(str(Path(f)) for f in settings.data)
    source = DatasetSource(files=files, infer=settings.infer,
                           graphs=file_graphs(files, settings.graph))
    if settings.store:
        source = ensure_store_directory(source, Path(settings.store))
    return source


#: The ``graph`` setting's name for the default graph (an IRI always has a scheme and a colon).
DEFAULT_GRAPH = "default"


def file_graphs(files: tuple[str, ...], graph: tuple[str, ...]) -> tuple[str, ...]:
    """The graph of each of ``files`` from the ``graph`` setting: empty (the default graph for
    all), one value (for all) or one value per file; ``default`` names the default graph."""
    if not graph:
        return ()
    if len(graph) == 1:
        graph = graph * len(files)
    if len(graph) != len(files):
        raise SettingsError(f"{len(graph)} --graph values for {len(files)} --data files; give one "
                            "--graph for all files or one per --data file, in the same order")
    return tuple("" if name == DEFAULT_GRAPH else name for name in graph)


__all__ = ["DatasetSource", "file_graphs", "DEFAULT_GRAPH", "ensure_store_directory",
           "dataset_source", "print_progress", "MARKER"]
