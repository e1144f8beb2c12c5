"""Where the bundled ontology, data, shapes and named queries live, and the graph each file fills.

The bundle is the repository's top-level ``ontology/``, ``data/``, ``shapes/`` and ``queries/``
folders. Each RDF source file is loaded into its own named graph, ``{BASE}graph/<name>``, so a
query can tell where a triple comes from; the default graph is their union.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..namespaces import GRAPH

#: The data files' shared prefix declarations in ``data/`` (:mod:`evawkg.graph.shared_prefixes`);
#: not itself a data file: it fills no graph.
PREFIX_FILE = "prefixes.ttl"

#: Overrides where the bundle is looked for (a checkout's root).
HOME_VARIABLE = "EVAWKG_HOME"


@dataclass(frozen=True)
class Source:
    """One RDF file of the bundle and the named graph it is loaded into."""

    path: Path
    graph: str
    #: a file of prefix declarations read as if at the top of this one (data/prefixes.ttl)
    prefixes: Path | None = None


@dataclass(frozen=True)
class Bundle:
    """The four folders of a checkout that make up the knowledge graph."""

    root: Path

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def ontology_sources(self) -> list[Source]:
        return [Source(p, graph_for(p, "ontology")) for p in sorted(self.ontology_dir.glob("*.ttl"))]

    @property
    def prefix_file(self) -> Path:
        """The data files' shared prefix declarations (:mod:`evawkg.graph.shared_prefixes`)."""
        return self.data_dir / PREFIX_FILE

    def data_sources(self) -> list[Source]:
        shared = self.prefix_file if self.prefix_file.is_file() else None
        return [Source(p, graph_for(p, "data"), shared) for p in sorted(self.data_dir.glob("*.ttl"))
                if p.name != PREFIX_FILE]

    def is_data_file(self, path: Path) -> bool:
        """Whether ``path`` is one of the bundle's data files (read with the shared prefixes)."""
        return (str(path) != "-" and path.suffix == ".ttl" and path.name != PREFIX_FILE
                and path.resolve().parent == self.data_dir.resolve())

    def sources(self) -> list[Source]:
        """Ontology then data files, each with its named graph."""
        return self.ontology_sources() + self.data_sources()

    def version_files(self) -> list[Path]:
        """Every file whose change changes the graph: the sources and the shared prefixes."""
        shared = [self.prefix_file] if self.prefix_file.is_file() else []
        return [source.path for source in self.sources()] + shared

    def shape_files(self) -> list[Path]:
        return sorted(self.shapes_dir.glob("*.ttl"))

    def query_files(self) -> list[Path]:
        return sorted(self.queries_dir.glob("*.rq"))


def graph_for(path: Path, kind: str) -> str:
    """The named graph of a bundled file: ``graph/ontology`` for the ontology's main file,
    ``graph/<stem>`` for a data file (``data/activities.ttl`` → ``graph/activities``)."""
    if kind == "ontology":
        return str(GRAPH["ontology"]) if path.stem == "evawkg" else str(GRAPH["ontology-" + path.stem])
    return str(GRAPH[path.stem])


def default_bundle() -> Bundle:
    """The bundle of this checkout (``$EVAWKG_HOME`` if set, else the repository root)."""
    home = os.environ.get(HOME_VARIABLE)
    if home:
        return Bundle(Path(home))
    return Bundle(Path(__file__).resolve().parents[3])
