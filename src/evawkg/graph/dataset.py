"""What the SPARQL endpoint serves: the bundled graph or given RDF files, their version, and the
on-disk store kept across restarts.

A :class:`DatasetSource` is a small picklable recipe; the query process (``query_pool``) follows
it to build its in-memory pyoxigraph store. ``--store DIR`` turns the recipe into "copy this
on-disk store": :func:`ensure_store_directory` loads the sources into ``DIR`` once and reuses it
while a hash of the source files (:func:`evawkg.graph.store.data_version`) stays the same.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from .bundle import Bundle, default_bundle
from ..errors import BundleError
from .formats import format_for_path

#: The file marking a directory as an evawkg store and naming the sources' version.
MARKER = "evawkg-store.json"

Progress = Callable[[str], None]


def print_progress(message: str) -> None:
    print(f"evawkg: {message}", file=sys.stderr, flush=True)


def _silent(message: str) -> None:
    pass


@dataclass(frozen=True)
class DatasetSource:
    """Where the served graph comes from: ``files``, else the bundle at ``bundle_root`` (this
    checkout when empty); ``store_dir`` once it has been copied into an on-disk store."""

    files: tuple[str, ...] = ()
    bundle_root: str = ""
    infer: bool = True
    store_dir: str = ""

    def bundle(self) -> Bundle:
        return Bundle(Path(self.bundle_root)) if self.bundle_root else default_bundle()

    def source_paths(self) -> list[Path]:
        if self.files:
            return [Path(f) for f in self.files]
        return [source.path for source in self.bundle().sources()]

    def version(self) -> str:
        """Changes whenever a source file or the inference switch does."""
        from .store import data_version

        kind = "files" if self.files else ("bundle+inferred" if self.infer else "bundle")
        return f"{data_version(self.source_paths())}-{kind}"

    def open(self, progress: Progress = _silent) -> ox.Store:
        """An in-memory store holding the dataset, one named graph per source file."""
        started = time.perf_counter()
        if self.store_dir:
            store = _copy_into_memory(Path(self.store_dir), progress)
        elif self.files:
            store = _load_files(self.source_paths(), progress)
        else:
            from .store import load_bundle

            progress(f"loading the bundled graph from {self.bundle().root}"
                     + (" and inferring its OWL 2 RL closure" if self.infer else ""))
            store = load_bundle(self.bundle(), infer=self.infer)
        progress(f"{len(store)} quads in memory ({time.perf_counter() - started:.1f} s)")
        return store


#: Files larger than this report their loading on their own line.
_LARGE = 20 * 1024 * 1024


def _load_files(paths: list[Path], progress: Progress) -> ox.Store:
    from .store import load_files

    total = sum(path.stat().st_size for path in paths if path.exists())
    big = [p for p in paths if p.exists() and p.stat().st_size >= _LARGE]
    if total >= _LARGE or big:
        progress(f"loading {len(paths)} file(s), {total / 1e6:.0f} MB: "
                 + ", ".join(p.name for p in paths[:5]) + (" …" if len(paths) > 5 else ""))
    for path in paths:
        format_for_path(path)  # an unknown extension fails before any parsing
    return load_files(paths)


def _copy_into_memory(directory: Path, progress: Progress) -> ox.Store:
    progress(f"reading the on-disk store {directory}")
    disk = ox.Store.read_only(str(directory))
    memory = ox.Store()
    memory.bulk_extend(disk.quads_for_pattern(None, None, None, None))
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
    source = DatasetSource(files=tuple(str(Path(f)) for f in settings.data), infer=settings.infer)
    if settings.store:
        source = ensure_store_directory(source, Path(settings.store))
    return source


__all__ = ["DatasetSource", "ensure_store_directory", "dataset_source", "print_progress", "MARKER"]
