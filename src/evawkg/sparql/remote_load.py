"""Loading RDF into a remote SPARQL store (``evawkg load --sparql-endpoint``), with the OWL 2 RL
closure of everything the store then holds in ``graph/inferred``.

Each graph of the files is *replaced* on the store: through the Graph Store Protocol when the
store has one (``graph_store``: ``PUT`` the first part, ``POST`` the rest,
https://www.w3.org/TR/sparql11-http-rdf-update/), else by SPARQL Update on the update endpoint
(``DROP SILENT GRAPH``, then ``INSERT DATA`` in parts). Requests are bounded: at most
:data:`CHUNK_TRIPLES` triples each, and the triples one blank node links are always sent
together (a blank node's label means the same node only within one request). Virtuoso refuses
blank nodes in ``INSERT DATA``; a part with blank nodes is sent as ``INSERT { … } WHERE {}``,
which creates them.

The closure: the files' graphs and every other graph the store serves are read (in pages) into
a local store, :func:`evawkg.graph.inference.infer` computes the closure there with the same
rules as the embedded store, and ``graph/inferred`` is replaced on the store. So a store loaded
in several runs always holds the closure of all of it; the loading machine needs the memory for
one copy of the store's asserted graphs while it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import EvawError
from ..graph.inference import INFERRED_GRAPH
from .remote_store import RemoteStore
from .store_client import StoreClient

#: Most triples and bytes one request sends (a blank node's triples are never split). Virtuoso
#: 7.2 refuses (400, no message) an update of 2000 short triples, or of 3 MB.
CHUNK_TRIPLES = 1000
CHUNK_BYTES = 512 * 1024

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote: triples per graph (the inferred graph among them when computed)."""

    graphs: dict[str, int]
    inferred: int | None
    seconds: float


def parts(triples: list[ox.Triple], size: int = CHUNK_TRIPLES,
          max_bytes: int = CHUNK_BYTES) -> list[list[ox.Triple]]:
    """``triples`` in parts of at most ``size`` triples and about ``max_bytes``, the triples one
    blank node links (its connected component through blank nodes) always in the same part."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for blank in blanks:
            root(blank)
        if len(blanks) == 2:
            parent[root(blanks[0])] = root(blanks[1])
    groups: dict[object, list[ox.Triple]] = {}
    plain: list[ox.Triple] = []
    for triple in triples:
        blank = next((t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)), None)
        if blank is None:
            plain.append(triple)
        else:
            groups.setdefault(root(blank), []).append(triple)
    result: list[list[ox.Triple]] = []
    current: list[ox.Triple] = []
    current_bytes = 0
    for group in [*groups.values(), *([t] for t in plain)]:
        group_bytes = sum(len(str(triple)) for triple in group)
        if current and (len(current) + len(group) > size or current_bytes + group_bytes > max_bytes):
            result.append(current)
            current, current_bytes = [], 0
        current.extend(group)
        current_bytes += group_bytes
    if current:
        result.append(current)
    return result


def write_graph(client: StoreClient, graph: str, triples: list[ox.Triple], *, timeout: float) -> None:
    """Replace ``graph`` on the store by ``triples``."""
    chunks = parts(sorted(triples, key=str))
    try:
        if client.graph_store_url:
            for number, chunk in enumerate(chunks or [[]]):
                data = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) if chunk else b""
                client.put_graph(graph, data, "application/n-triples", timeout=timeout,
                                 replace=number == 0)
            return
        client.update(f"DROP SILENT GRAPH <{graph}>", timeout=timeout)
        for chunk in chunks:
            body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode()
            if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                   for t in chunk):
                client.update(f"INSERT {{ GRAPH <{graph}> {{ {body} }} }} WHERE {{}}",
                              timeout=timeout)
            else:
                client.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {body} }} }}", timeout=timeout)
    except EvawError as error:
        raise type(error)(f"writing graph <{graph}> ({len(triples)} triples in {len(chunks)} "
                          f"parts) to the store failed: {error.message}") from None


def load_into_store(client: StoreClient, dataset: ox.Store, *, infer: bool = True,
                    served: Iterable[str] = (), page_rows: int = 5000, timeout: float = 600.0,
                    progress: Progress = lambda message: None) -> LoadReport:
    """Write every named graph of ``dataset`` to the store (replacing each), then, with
    ``infer``, the closure of those and of the store's other ``served`` graphs (without, a
    ``graph/inferred`` the dataset holds is written as it is)."""
    started = time.perf_counter()
    if next(iter(dataset.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise EvawError("the files put triples in the default graph, which a remote store does "
                        "not serve; give their graph (--graph IRI) or use quad files")
    written: dict[str, int] = {}
    for graph in sorted(dataset.named_graphs(), key=str):
        if graph == INFERRED_GRAPH and infer:
            continue
        triples = [quad.triple for quad in dataset.quads_for_pattern(None, None, None, graph)]
        write_graph(client, graph.value, triples, timeout=timeout)
        written[graph.value] = len(triples)
        progress(f"wrote {len(triples)} triples to <{graph.value}>")
    inferred = None
    if infer:
        inferred = _infer(client, dataset, set(written), tuple(served), page_rows, timeout, progress)
        written[INFERRED_GRAPH.value] = inferred
    return LoadReport(written, inferred, time.perf_counter() - started)


def _infer(client: StoreClient, dataset: ox.Store, written: set[str], served: tuple[str, ...],
           page_rows: int, timeout: float, progress: Progress) -> int:
    from ..graph.inference import infer

    local = ox.Store()
    local.bulk_extend(quad for quad in dataset if quad.graph_name != INFERRED_GRAPH)
    others = tuple(g for g in served if g not in written and g != INFERRED_GRAPH.value)
    if others:
        remote = RemoteStore(client, others, page_rows=page_rows, timeout=timeout)
        remote.begin(timeout)
        for graph in others:
            local.bulk_extend(remote.graph_quads(graph))
        progress(f"read {len(others)} other graph(s) of the store for the closure")
    started = time.perf_counter()
    count = infer(local)
    progress(f"inferred {count} triples (OWL 2 RL) in {time.perf_counter() - started:.1f} s")
    triples = [quad.triple for quad in local.quads_for_pattern(None, None, None, INFERRED_GRAPH)]
    write_graph(client, INFERRED_GRAPH.value, triples, timeout=timeout)
    progress(f"wrote {len(triples)} triples to <{INFERRED_GRAPH.value}>")
    return len(triples)


__all__ = ["load_into_store", "write_graph", "parts", "LoadReport", "CHUNK_TRIPLES"]
