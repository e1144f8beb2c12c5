"""Dumps of the knowledge graph, with checksums and the data version they hold.

``export_dumps`` writes, straight from pyoxigraph (no rdflib round trip):

* ``evawkg.ttl``: every asserted triple (ontology and data), Turtle;
* ``evawkg.nt.gz``: the same, N-Triples (https://www.w3.org/TR/n-triples/), gzip;
* ``evawkg.jsonld``: the same, JSON-LD 1.1 compacted with the project's context, inline;
* ``evawkg-inferred.ttl``: the OWL 2 RL entailments (``graph/inferred``) alone;
* ``evawkg.nq.gz``: the whole dataset, each triple in its named graph, N-Quads, gzip;
* ``VERSION``: the data version; ``manifest.json``: version, graphs and files with counts;
* ``SHA256SUMS``: checksums of all of the above, in ``sha256sum --check`` format.

Output is byte-for-byte deterministic for the same data: blank nodes are relabelled by RDF
Dataset Canonicalization (RDFC-1.0, https://www.w3.org/TR/rdf-canon/), statements are sorted,
prefix headers declare the prefixes the file uses, sorted, and gzip headers carry no time stamp or
name. Given a :class:`~evawkg.graph.public_base.PublicBase`, every IRI under the canonical base
is written under the public one (the server writes one set of dumps per public base). The
files share blank node labels (one canonicalization), so ``evawkg-inferred.ttl`` read together
with ``evawkg.ttl`` links its entailments to the ontology's anonymous classes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pyoxigraph as ox

from ..graph.inference import INFERRED_GRAPH
from ..graph.jsonld import build_context, compact
from ..graph.prefixed import serialize_with_prefixes
from ..graph.public_base import PublicBase
from ..namespaces import PREFIXES

#: Dump file names, in the order they are written.
TURTLE = "evawkg.ttl"
NTRIPLES_GZ = "evawkg.nt.gz"
JSON_LD = "evawkg.jsonld"
INFERRED_TURTLE = "evawkg-inferred.ttl"
NQUADS_GZ = "evawkg.nq.gz"
VERSION = "VERSION"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"


def export_dumps(store: ox.Store, directory: Path | str, *, version: str | None = None,
                 public_base: PublicBase | None = None) -> list[Path]:
    """Write the dumps into ``directory`` (created if missing); return the paths written,
    ``SHA256SUMS`` last.

    ``version`` names the data (the CLI passes :func:`evawkg.graph.store.bundle_version`, a hash of the
    source files); by default it is a hash of the asserted statements themselves. ``public_base``
    publishes the IRIs under its public base (by default they stay as the store has them)."""
    iris = public_base or PublicBase()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    canonical = _canonical_quads(store)
    asserted = iris.triples_out(sorted({q.triple for q in canonical if q.graph_name != INFERRED_GRAPH},
                                       key=_triple_key))
    inferred = iris.triples_out(q.triple for q in canonical if q.graph_name == INFERRED_GRAPH)
    quads = iris.quads_out(canonical)
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    ntriples = ox.serialize(asserted, format=ox.RdfFormat.N_TRIPLES)
    if version is None:
        version = hashlib.sha256(ntriples).hexdigest()[:16]
    prefixes = iris.prefixes_out(PREFIXES)

    contents: dict[str, bytes] = {
        TURTLE: _turtle(asserted, prefixes),
        NTRIPLES_GZ: _gzip(ntriples),
        JSON_LD: compact(asserted, iris.context_out(build_context()), absolute_ids=True),
        INFERRED_TURTLE: _turtle(inferred, prefixes),
        NQUADS_GZ: _gzip(nquads),
        VERSION: (version + "\n").encode(),
    }
    graphs: dict[str, int] = {}
    for quad in quads:
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
        graphs[name] = graphs.get(name, 0) + 1
    manifest = {
        "version": version,
        "triples": {"asserted": len(asserted), "inferred": len(inferred), "quads": len(quads)},
        "graphs": dict(sorted(graphs.items())),
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in contents.items()},
    }
    contents[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    contents[CHECKSUMS] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                                  for name, data in sorted(contents.items())).encode()
    # Each file is written beside its place and renamed into it, SHA256SUMS last, so an export
    # stopped half-way (a full disk, Ctrl-C) leaves no truncated file under a dump's name.
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in contents.items():
            staged.append((directory / f".{name}.partial", directory / name))
            staged[-1][0].write_bytes(data)
        for partial, path in staged:
            os.replace(partial, path)
    finally:
        for partial, _ in staged:
            partial.unlink(missing_ok=True)
    return [path for _, path in staged]


def _canonical_quads(store: ox.Store) -> list[ox.Quad]:
    dataset = ox.Dataset(store)
    # Blank node ids are random per load; RDFC-1.0 makes them a function of the data.
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(dataset, key=_quad_key)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def _quad_key(quad: ox.Quad) -> tuple[str, str, str, str]:
    return (str(quad.graph_name), *_triple_key(quad.triple))


def _turtle(triples: list[ox.Triple], prefixes: dict[str, str]) -> bytes:
    # The prefixes the file uses, sorted (pyoxigraph writes them in hash order), then the body.
    return serialize_with_prefixes(triples, ox.RdfFormat.TURTLE, prefixes)


def _gzip(data: bytes) -> bytes:
    # mtime=0 and no file name in the header: the same data gives the same bytes.
    return gzip.compress(data, compresslevel=9, mtime=0)
