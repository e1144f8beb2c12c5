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
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from .bundle import Bundle, default_bundle
from ..errors import BundleError, SettingsError
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
        from .store import data_version

        if self.files:
            kind = "files+inferred" if self.infer else "files"
            if any(self.graphs):
                placement = "\0".join(f"{f}\0{g}" for f, g in zip(self.files, self.graphs))
                kind += "+" + hashlib.sha256(placement.encode()).hexdigest()[:8]
        else:
            kind = "bundle+inferred" if self.infer else "bundle"
        return f"{data_version(self.source_paths())}-{kind}"

    def open(self, progress: Progress = _silent) -> ox.Store:
        """An in-memory store holding the dataset (see the module documentation)."""
        started = time.perf_counter()
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


def _copy_into_memory(directory: Path, progress: Progress) -> ox.Store:
    progress(f"reading the on-disk store {directory}")
    task = Task(progress, f"reading {directory}")
    disk = ox.Store.read_only(str(directory))
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    task.finish(f"read the on-disk store: {rate(len(memory), task.elapsed, 'quads')}")
    return memory


def ensure_store_directory(source: DatasetSource, directory: Path,
                           progress: Progress = print_progress) -> DatasetSource:
    """``source`` as a copy in the on-disk store ``directory``, built only when the sources
    changed since the last build; returns the recipe that reads it."""
    directory = Path(directory)
    version = source.version()
    marker = directory / MARKER
    if marker.exists():
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        if recorded.get("version") == version:
            progress(f"reusing the on-disk store {directory} (sources unchanged, {version})")
            return replace(source, store_dir=str(directory))
        progress(f"the sources changed since {directory} was built; rebuilding it")
        shutil.rmtree(directory)
    elif directory.exists() and any(directory.iterdir()):
        raise BundleError(f"{directory} is not empty and holds no evawkg store ({MARKER} is "
                          "missing); name an empty or new directory with --store")
    memory = source.open(progress)
    started = time.perf_counter()
    building = directory.with_name(directory.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    disk = ox.Store(str(building))
    disk.bulk_extend(memory.quads_for_pattern(None, None, None, None))
    disk.flush()
    del disk
    (building / MARKER).write_text(json.dumps(
        {"version": version, "sources": [str(p) for p in source.source_paths()],
         "quads": len(memory)}, indent=2), encoding="utf-8")
    building.rename(directory)
    progress(f"wrote the on-disk store {directory} ({time.perf_counter() - started:.1f} s)")
    return replace(source, store_dir=str(directory))


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
