"""A remote SPARQL store seen through the part of pyoxigraph's ``Store`` the graph's readers use,
so that the linked-data descriptions, VoID and the dumps read a remote store with the same code
as the embedded one.

:class:`RemoteStore` answers ``quads_for_pattern``, ``query``, ``named_graphs``, ``len`` and
iteration with SELECT queries, every read bounded:

* a pattern read is one query when its answer fits a page (``page_rows``), else pages ordered by
  ``?g ?s ?p ?o`` (``LIMIT``/``OFFSET``); the whole dataset (the dumps) is read graph by graph in
  pages, and what was read is checked against the graph's size (a store that moved under the
  reader is an error, never a silently wrong dump);
* blank nodes cannot be named in a standard query (a store's labels are only valid in its
  answer), so a read about an IRI brings the blank nodes below it along in the same answer: what
  it says about them down to :data:`BLANK_DEPTH` levels (its concise bounded description), and
  for the links pointing at it from blank nodes, the way up to their owning IRI
  (:data:`OWNER_DEPTH`). Later reads about those blank nodes are answered from what the job has
  fetched (:meth:`RemoteStore.begin` starts a job's memory; it lasts one job). Virtuoso, which
  can name them (``<nodeID://…>``), has them read when asked for instead;
* reads of naming statements (labels and types) about many IRIs are batched: the first such
  read fetches them for every IRI the job has seen or was given, a few hundred per query.

The served dataset is the store's named graphs ``graphs`` (the default graph, as union of them,
when asked): every query names them (``default-graph-uri``, ``named-graph-uri``), so a store's
own system graphs (Virtuoso's) never show.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator

import pyoxigraph as ox

from ..errors import EvawError, StoreTimeout, StoreUnreachable
from .binding import bind, prologue
from .remote_answers import (GRAPH_MEDIA_TYPE, RESULTS_MEDIA_TYPE, TimedBody, blank_replacements,
                             read_failure)
from .store_client import StoreClient

#: Levels of blank nodes below an IRI read along with it (an OWL restriction is 1, a list of n
#: classes n + 1).
BLANK_DEPTH = 6

#: Levels of blank nodes above a link to an IRI followed up to the IRI that owns them
#: (as :data:`evawkg.linked_data.description._OWNER_DEPTH`).
OWNER_DEPTH = 4

#: Predicates that name or type a resource: read together for many IRIs at once. (The readers'
#: own lists, :data:`evawkg.linked_data.description.LABEL_PREDICATES` and ``rdf:type``; this
#: layer sits below theirs.)
NAMING_PREDICATES = tuple(ox.NamedNode(iri) for iri in (
    "http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
    "http://purl.org/dc/terms/title", "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))

#: IRIs per batched naming read.
NAMING_BATCH = 200

#: A graph nothing is in: the default graph when a read asks for the store's own default graph
#: (the served dataset is named graphs only).
NO_GRAPH = "urn:evawkg:no-graph"


class RemoteStore:
    """The served graphs ``graphs`` of a remote store, read as a pyoxigraph ``Store`` is."""

    def __init__(self, client: StoreClient, graphs: tuple[str, ...], *, page_rows: int,
                 timeout: float):
        self.client = client
        self.graphs = graphs
        self.page_rows = page_rows
        self.timeout = timeout
        self._job = threading.local()

    # --- One job's memory ------------------------------------------------------------------------

    def begin(self, timeout: float, seeds: Iterable[ox.NamedNode] = (), *,
              each_read: bool = False) -> None:
        """Start a job of at most ``timeout`` seconds; ``seeds`` are IRIs it is likely to read
        the names of (the job's arguments). ``each_read``: the limit is per read instead (a
        store used outside a job: the loader, the command line)."""
        job = self._job
        job.each_read = each_read
        job.deadline = time.monotonic() + timeout
        job.timeout = timeout
        job.fetched = ox.Store()
        job.complete: set = set()  # IRIs whose every statement is fetched
        job.named: set = set()  # IRIs whose naming statements are fetched
        job.inbound: set = set()  # IRIs whose inbound statements are fetched
        job.seeds = {seed for seed in seeds if isinstance(seed, ox.NamedNode)}

    def _state(self):
        if not hasattr(self._job, "deadline"):
            self.begin(self.timeout, each_read=True)
        return self._job

    def _left(self) -> float:
        job = self._state()
        if job.each_read:
            job.deadline = time.monotonic() + job.timeout
        left = job.deadline - time.monotonic()
        if left <= 0:
            raise StoreTimeout(f"reading the store took longer than {self._state().timeout:g} s, "
                               "the time limit")
        return left

    # --- pyoxigraph's Store, the parts the readers use -----------------------------------------

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        return iter([ox.NamedNode(graph) for graph in self.graphs])

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return graph.value in self.graphs

    def __len__(self) -> int:
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)
        return int(rows[0]["n"].value) if rows else 0

    def __iter__(self) -> Iterator[ox.Quad]:
        for graph in self.graphs:
            yield from self.graph_quads(graph)

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """Every quad of ``graph``, read in pages and checked against its size."""
        node = ox.NamedNode(graph)
        size_rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}",
                                 union=False)
        size = int(size_rows[0]["n"].value) if size_rows else 0
        pattern = f"SELECT ?s ?p ?o WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"
        for ordered in (False, True):
            # Unordered pages cost the store least; a store whose order is not stable between
            # requests shows as a size mismatch, and the ordered pages then settle it.
            found = {ox.Quad(row["s"], row["p"], row["o"], node)
                     for row in self._pages(pattern, ("?s", "?p", "?o") if ordered else None,
                                            union=False)}
            if len(found) == size:
                return sorted(found, key=lambda quad: (str(quad.subject), str(quad.predicate),
                                                       str(quad.object)))
        raise StoreUnreachable(f"graph <{graph}> of the store holds {size} triples but {len(found)} "
                               "were read: it changed while it was read; try again")

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph_name=None
                          ) -> Iterator[ox.Quad]:
        job = self._state()
        if graph_name is not None and not isinstance(graph_name, ox.NamedNode):
            return iter(())  # the store's own default graph is not served
        if isinstance(subject, ox.BlankNode) or isinstance(obj, ox.BlankNode):
            if self.addressable:
                self._fetch_blank(subject if isinstance(subject, ox.BlankNode) else obj,
                                  outgoing=isinstance(subject, ox.BlankNode))
            return iter(list(job.fetched.quads_for_pattern(subject, predicate, obj, graph_name)))
        if isinstance(subject, ox.NamedNode):
            if subject not in job.complete:
                if predicate in NAMING_PREDICATES and obj is None:
                    if subject not in job.named:
                        self._fetch_names(subject)
                else:
                    self._fetch_about(subject)
            return iter(list(job.fetched.quads_for_pattern(subject, predicate, obj, graph_name)))
        if obj is not None and subject is None:
            if obj not in job.inbound:
                self._fetch_inbound(obj)
            return iter(list(job.fetched.quads_for_pattern(subject, predicate, obj, graph_name)))
        if graph_name is not None and subject is None and predicate is None and obj is None:
            return iter(self.graph_quads(graph_name.value) if graph_name.value in self.graphs else [])
        return iter(self._scan(subject, predicate, obj, graph_name))

    def query(self, text: str, *, substitutions=None, prefixes=None, base_iri=None,
              use_default_graph_as_union: bool = False, default_graph=None, named_graphs=None,
              whole_store: bool = False):
        """``text`` run on the store: pyoxigraph's QuerySolutions or QueryBoolean, read from the
        store's whole answer (bounded: a store that cuts it is an error). ``whole_store``: on
        the store's own dataset, every graph it has (to list them)."""
        pairs = [(variable.value, term) for variable, term in (substitutions or {}).items()]
        full = prologue(prefixes, base_iri) + bind(text, pairs,
                                                   inline=self.client.kind == "virtuoso")
        if whole_store:
            defaults, named = None, None
        elif default_graph is not None:
            defaults = tuple(g.value if isinstance(g, ox.NamedNode) else NO_GRAPH
                             for g in (default_graph if isinstance(default_graph, list) else [default_graph]))
        else:
            defaults = self.graphs if use_default_graph_as_union else (NO_GRAPH,)
        if not whole_store:
            named = (tuple(g.value for g in named_graphs) if named_graphs is not None
                     else self.graphs) or (NO_GRAPH,)
            defaults = defaults or (NO_GRAPH,)
        response = self.client.query(full, accept=RESULTS_MEDIA_TYPE, timeout=self._left(),
                                     default_graphs=defaults, named_graphs=named)
        body = TimedBody(response, self._state().deadline,
                         replacements=blank_replacements(self.client.kind))
        try:
            data = body.read(-1)
            chunks = [data]
            while data:
                data = body.read(1 << 20)
                chunks.append(data)
            return ox.parse_query_results(b"".join(chunks), format=ox.QueryResultsFormat.JSON)
        except EvawError:
            response.close(broken=True)
            raise
        except (SyntaxError, ValueError, OSError) as error:
            raise read_failure(error, response, self._state().timeout) from None
        finally:
            response.close()

    # --- Reads ------------------------------------------------------------------------------------

    @property
    def addressable(self) -> bool:
        """Whether the store names its blank nodes in queries as it does in answers: Virtuoso
        (``<nodeID://b1234>`` as a constant of a pattern). Its blank nodes are then read when
        asked for, not along with their owner (chains of patterns through its union of many
        graphs cost it a third of a second)."""
        return self.client.kind == "virtuoso"

    def _fetch_blank(self, node: ox.BlankNode, *, outgoing: bool) -> None:
        job = self._state()
        seen = job.complete if outgoing else job.inbound
        if node in seen:
            return
        named = f"<nodeID://{node.value}>"
        pattern = f"{named} ?p ?o" if outgoing else f"?s ?p {named}"
        variables = "?g ?p ?o" if outgoing else "?g ?s ?p"
        rows = self._select(f"SELECT {variables} WHERE {{ GRAPH ?g {{ {pattern} }} }}", union=True)
        for row in rows:
            subject = node if outgoing else row["s"]
            obj = row["o"] if outgoing else node
            if None not in (row["g"], subject, row["p"], obj):
                job.fetched.add(ox.Quad(subject, row["p"], obj, row["g"]))
        seen.add(node)

    def _select(self, text: str, *, union: bool) -> list:
        return list(self.query(text, use_default_graph_as_union=union))

    def _pages(self, text: str, order: tuple[str, ...] | None, *, union: bool) -> Iterator:
        """The rows of ``text`` (a SELECT), a page at a time. ``order``: the variables to order
        the pages by (None: the store's own order, for one pass of a graph)."""
        offset = 0
        clause = f" ORDER BY {' '.join(order)}" if order else ""
        while True:
            rows = self._select(f"{text}{clause} LIMIT {self.page_rows} OFFSET {offset}",
                                union=union)
            yield from rows
            if len(rows) < self.page_rows:
                return
            offset += self.page_rows

    def _read_quads(self, text: str) -> None:
        """Run a SELECT ?g ?s ?p ?o and keep its quads in the job's memory: one query when the
        answer fits a page, else ordered pages."""
        job = self._state()
        rows = self._select(f"{text} LIMIT {self.page_rows + 1}", union=True)
        if len(rows) > self.page_rows:
            rows = list(self._pages(text, ("?g", "?s", "?p", "?o"), union=True))
        for row in rows:
            graph, subject, predicate, obj = row["g"], row["s"], row["p"], row["o"]
            if None in (graph, subject, predicate, obj) or isinstance(predicate, ox.BlankNode):
                continue
            job.fetched.add(ox.Quad(subject, predicate, obj, graph))

    def _fetch_about(self, subject: ox.NamedNode) -> None:
        """Every statement about ``subject`` and about the blank nodes below it."""
        # No BIND of a constant: Virtuoso 7.2's compiler fails on it inside a UNION.
        branches = [f"{{ VALUES ?s {{ {subject} }} GRAPH ?g {{ ?s ?p ?o }} }}"]
        for depth in range(1, 0 if self.addressable else BLANK_DEPTH + 1):
            nodes = [str(subject)] + [f"?b{level}" for level in range(1, depth)] + ["?s"]
            branches.append(_chain(nodes, forward=True) + " GRAPH ?g { ?s ?p ?o } }")
        self._read_quads("SELECT DISTINCT ?g ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }")
        job = self._state()
        job.complete.add(subject)
        job.named.add(subject)

    def _fetch_inbound(self, obj) -> None:
        """Every statement pointing at ``obj``; for those from blank nodes, the way up to the IRI
        owning them and what the blank node itself says."""
        branches = [f"{{ VALUES ?o {{ {obj} }} GRAPH ?g {{ ?s ?p ?o }} }}"]
        if isinstance(obj, ox.NamedNode) and not self.addressable:
            for depth in range(1, OWNER_DEPTH + 1):  # statements pointing at the k-th blank up
                nodes = [str(obj)] + [f"?b{level}" for level in range(1, depth)] + ["?o"]
                branches.append(_chain(nodes, forward=False) + " GRAPH ?g { ?s ?p ?o } }")
            for depth in range(1, BLANK_DEPTH + 1):  # what the first blank up says, and below
                nodes = (["?b1"] + [f"?c{level}" for level in range(2, depth)] + ["?s"])[-depth:]
                links = [f"{nodes[0]} ?u {obj}"] + [f"{nodes[level - 1]} ?q{level} {nodes[level]}"
                                                    for level in range(1, depth)]
                blanks = " && ".join(f"isBlank({node})" for node in nodes)
                branches.append("{ " + " . ".join(links) + f" . FILTER({blanks}) "
                                "GRAPH ?g { ?s ?p ?o } }")
        self._read_quads("SELECT DISTINCT ?g ?s ?p ?o WHERE { " + " UNION ".join(branches) + " }")
        self._state().inbound.add(obj)

    def _fetch_names(self, subject: ox.NamedNode) -> None:
        """The naming statements of ``subject`` and of every other IRI the job knows of."""
        job = self._state()
        known = {term for quad in job.fetched for term in (quad.subject, quad.predicate, quad.object)
                 if isinstance(term, ox.NamedNode)} | job.seeds
        waiting = sorted((known - job.named - job.complete) - {subject}, key=str)
        batch = [subject] + waiting[:NAMING_BATCH * 5 - 1]
        predicates = " ".join(str(p) for p in NAMING_PREDICATES)
        for start in range(0, len(batch), NAMING_BATCH):
            part = batch[start:start + NAMING_BATCH]
            nodes = " ".join(str(node) for node in part)
            self._read_quads(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?s {{ {nodes} }} "
                             f"VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?s ?p ?o }} }}")
            job.named.update(part)

    def _scan(self, subject, predicate, obj, graph_name) -> list[ox.Quad]:
        """Any other pattern (no blank node, no IRI subject): ordered pages."""
        terms = {"s": subject, "p": predicate, "o": obj, "g": graph_name}
        values = " ".join(f"VALUES ?{name} {{ {term} }}" for name, term in terms.items()
                          if term is not None)
        text = f"SELECT ?g ?s ?p ?o WHERE {{ {values} GRAPH ?g {{ ?s ?p ?o }} }}"
        return [ox.Quad(row["s"], row["p"], row["o"], row["g"])
                for row in self._pages(text, ("?g", "?s", "?p", "?o"), union=True)]


def _chain(nodes: list[str], *, forward: bool) -> str:
    """``{ n0 ?q1 n1 . n1 ?q2 n2 … FILTER(every node after n0 is blank)``: a path of links from
    ``nodes[0]`` down (``forward``) or up to ``nodes[-1]``, left open for the pattern to add."""
    links = []
    for level in range(1, len(nodes)):
        above, below = nodes[level - 1], nodes[level]
        links.append(f"{above} ?q{level} {below}" if forward else f"{below} ?q{level} {above}")
    blanks = " && ".join(f"isBlank({node})" for node in nodes[1:])
    return "{ " + " . ".join(links) + f" . FILTER({blanks})"


__all__ = ["RemoteStore", "BLANK_DEPTH", "OWNER_DEPTH", "NAMING_PREDICATES", "NO_GRAPH"]
