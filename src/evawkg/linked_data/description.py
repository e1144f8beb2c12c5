"""What the graph says about one IRI: the description every representation of a resource is made of.

A :class:`Description` of a document IRI ``D`` (``…/id/country/TH``, ``…/ontology``) holds

* ``about``: the concise bounded description (CBD, https://www.w3.org/submission/CBD/) of ``D``
  and of every hash IRI ``D#…`` (the ontology's terms, an organisation's ``#headquarters``):
  their statements, with the blank nodes they reach embedded recursively;
* ``inbound``: the links pointing at those IRIs (a country lists the activities held there, an
  instrument who cites it). A link from a blank node brings the path up to the IRI that owns it
  (``activity prov:qualifiedAssociation [ prov:agent D ]``). ``rdf:type`` links are left to the
  class index pages, and links between the document's own IRIs are not repeated;
* ``context``: the labels and asserted types of every IRI those statements mention, so a client
  needs no second request to show them.

A named graph's IRI (``{BASE}graph/activities``) is described as the ``void:Dataset`` it is,
with its size. Every :class:`Statement` knows whether it is asserted or only inferred (it sits in
``graph/inferred`` alone): representations that can keep them apart (TriG, N-Quads, HTML) do.
Reads go straight to pyoxigraph's indexes (``quads_for_pattern``) or to SPARQL with
``substitutions``; nothing is pasted into query text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import NotFound
from ..graph.inference import INFERRED_GRAPH
from ..namespaces import EVAW, PREFIXES

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
VOID = "http://rdfs.org/ns/void#"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

#: Predicates naming a resource, the most specific first.
LABEL_PREDICATES = (SKOS_PREF_LABEL, RDFS_LABEL, DCTERMS_TITLE, FOAF_NAME)

#: The six official UN languages; labels fall back to English, then to any language.
LANGUAGES = ("ar", "zh", "en", "es", "fr", "ru")
FALLBACK_LANGUAGE = "en"

#: Most inbound links listed for one resource; the rest are counted, not silently dropped.
INBOUND_LIMIT = 2000

#: How far up a chain of blank nodes an inbound link is followed to find its owning IRI.
_OWNER_DEPTH = 4

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass(frozen=True)
class Statement:
    """One triple of a description and whether the store only infers it."""

    subject: ox.NamedNode | ox.BlankNode
    predicate: ox.NamedNode
    object: Term
    inferred: bool = False

    @property
    def triple(self) -> ox.Triple:
        return ox.Triple(self.subject, self.predicate, self.object)


@dataclass(frozen=True)
class InboundLink:
    """A resource pointing at the described one, through ``path`` (one predicate, or several when
    blank nodes stand between them)."""

    source: ox.NamedNode
    path: tuple[ox.NamedNode, ...]
    target: ox.NamedNode
    inferred: bool


@dataclass
class Description:
    """Everything served about one document IRI (see the module documentation)."""

    iri: str
    about: list[Statement] = field(default_factory=list)
    inbound: list[Statement] = field(default_factory=list)
    context: list[Statement] = field(default_factory=list)
    links: list[InboundLink] = field(default_factory=list)
    inbound_left_out: int = 0
    labels: Labels = field(default_factory=lambda: Labels({}))

    @property
    def node(self) -> ox.NamedNode:
        return ox.NamedNode(self.iri)

    def is_empty(self) -> bool:
        return not self.about and not self.inbound

    def statements(self) -> list[Statement]:
        """Every statement once; a triple both asserted and inferred counts as asserted."""
        chosen: dict[ox.Triple, Statement] = {}
        for statement in (*self.about, *self.inbound, *self.context):
            known = chosen.get(statement.triple)
            if known is None or (known.inferred and not statement.inferred):
                chosen[statement.triple] = statement
        return list(chosen.values())

    def triples(self) -> list[ox.Triple]:
        """The description as one graph (asserted and inferred together), in a stable order."""
        return sorted((s.triple for s in self.statements()), key=_triple_key)

    def quads(self) -> list[ox.Quad]:
        """Asserted statements in the default graph, inferred ones in ``graph/inferred``."""
        quads = [ox.Quad(s.subject, s.predicate, s.object,
                         INFERRED_GRAPH if s.inferred else ox.DefaultGraph())
                 for s in self.statements()]
        return sorted(quads, key=lambda q: (str(q.graph_name), *_triple_key(q.triple)))

    def values(self, subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode) -> list[Term]:
        return [s.object for s in self.about if s.subject == subject and s.predicate == predicate]

    def types(self, subject: ox.NamedNode | ox.BlankNode | None = None) -> list[ox.NamedNode]:
        subject = subject or self.node
        return [t for t in self.values(subject, RDF_TYPE) if isinstance(t, ox.NamedNode)]


class Labels:
    """Labels of IRIs by language, and the choice of one for a visitor's languages."""

    def __init__(self, table: dict[str, list[tuple[int, str, str]]]):
        # iri -> [(predicate rank, language, text)]
        self.table = table

    @classmethod
    def from_statements(cls, statements: Iterable[Statement]) -> Labels:
        table: dict[str, list[tuple[int, str, str]]] = {}
        for statement in statements:
            if statement.predicate in LABEL_PREDICATES and isinstance(statement.object, ox.Literal):
                rank = LABEL_PREDICATES.index(statement.predicate)
                table.setdefault(_key(statement.subject), []).append(
                    (rank, (statement.object.language or "").lower(), statement.object.value))
        return cls(table)

    def get(self, term: Term | str, languages: Sequence[str] = (FALLBACK_LANGUAGE,)) -> str | None:
        """The best label of ``term`` in ``languages`` (in order), then English, then any."""
        candidates = self.table.get(_key(term))
        if not candidates:
            return None
        for language in (*languages, FALLBACK_LANGUAGE, ""):
            matching = sorted(c for c in candidates
                              if c[1] == language or (language and c[1].startswith(language + "-")))
            if matching:
                return matching[0][2]
        return sorted(candidates)[0][2]

    def label(self, term: Term | str, languages: Sequence[str] = (FALLBACK_LANGUAGE,)) -> str:
        """A label always: the graph's, else a readable form of the IRI's last segment."""
        found = self.get(term, languages)
        if found is not None:
            return found
        iri = term.value if isinstance(term, ox.NamedNode) else str(term)
        return readable_name(iri)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def readable_name(iri: str) -> str:
    """``…/ontology#hasAreaOfWork`` → ``has area of work``; ``…/country/TH`` → ``TH``."""
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1] or iri
    if not local[:1].islower():
        return local
    return _CAMEL.sub(" ", local).replace("_", " ").lower()


#: What RFC 3987 never allows in an IRI: controls, space, ``<>"{}|\^``` and a ``%`` that starts
#: no percent-escape. A request path may hold them once decoded (``/id/a%5Cb`` is ``/id/a\b``).
_NOT_IN_IRI = re.compile(r'[\x00-\x20\x7f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')


def as_iri(text: str) -> str | None:
    """``text`` as an IRI pyoxigraph accepts, the characters no IRI may hold percent-encoded
    (RFC 3987 section 3.1: ``a\b`` → ``a%5Cb``); ``None`` when it still is no IRI."""
    candidate = _NOT_IN_IRI.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)
    try:
        ox.NamedNode(candidate)
    except ValueError:
        return None
    return candidate


def _node(iri: str) -> ox.NamedNode:
    """The node of ``iri``; an IRI that is no IRI names nothing here (404)."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise NotFound(f"<{iri}> is not a valid IRI, so nothing is known about it") from None


def compact_iri(iri: str) -> str:
    """``evaw:Country`` for a term of a predeclared namespace, else the IRI itself."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = iri[len(PREFIXES[best]):]
        if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", local or "_"):
            return f"{best}:{local}"
    return iri


class Describer:
    """Descriptions of the IRIs of one store (open it once; it reads, never writes)."""

    def __init__(self, store: ox.Store):
        self.store = store
        self._hash_children = _hash_children(store)
        self._graphs = {graph.value for graph in store.named_graphs() if isinstance(graph, ox.NamedNode)}

    # -- one resource ---------------------------------------------------------------------------

    def describe(self, iri: str, *, inbound: bool = True,
                 inbound_limit: int = INBOUND_LIMIT) -> Description:
        """The description of the document ``iri`` (empty when the graph never mentions it)."""
        description = Description(iri)
        focus = [_node(iri), *self._hash_children.get(iri, ())]
        focus_set = set(focus)
        seen_blank: set[ox.BlankNode] = set()
        for node in focus:
            self._bounded(node, description.about, seen_blank)
        if iri in self._graphs:
            description.about.extend(self._graph_statements(focus[0]))
        if inbound:
            self._inbound(focus_set, description, inbound_limit)
        description.context = self._context(description)
        description.labels = Labels.from_statements(description.statements())
        return description

    def exists(self, iri: str) -> bool:
        if as_iri(iri) != iri:
            return False
        node = ox.NamedNode(iri)
        if iri in self._hash_children or iri in self._graphs:
            return True
        return (next(self.store.quads_for_pattern(node, None, None, None), None) is not None
                or next(self.store.quads_for_pattern(None, None, node, None), None) is not None)

    def _graph_statements(self, graph: ox.NamedNode) -> list[Statement]:
        """A named graph described as the VoID subset it is: its type, size and name."""
        size = sum(1 for _ in self.store.quads_for_pattern(None, None, None, graph))
        name = graph.value.rstrip("/").rsplit("/", 1)[-1]
        return [Statement(graph, RDF_TYPE, ox.NamedNode(VOID + "Dataset")),
                Statement(graph, RDFS_LABEL, ox.Literal(f"Named graph {name}", language="en")),
                Statement(graph, ox.NamedNode(VOID + "triples"),
                          ox.Literal(str(size), datatype=ox.NamedNode(XSD_INTEGER)))]

    def _statements(self, subject=None, predicate=None, obj=None) -> list[Statement]:
        """Matching statements once each, asserted winning over inferred."""
        found: dict[ox.Triple, bool] = {}
        for quad in self.store.quads_for_pattern(subject, predicate, obj, None):
            inferred = quad.graph_name == INFERRED_GRAPH
            triple = quad.triple
            found[triple] = found.get(triple, True) and inferred
        return [Statement(t.subject, t.predicate, t.object, inferred) for t, inferred in found.items()]

    def _bounded(self, node, into: list[Statement], seen_blank: set[ox.BlankNode]) -> None:
        for statement in sorted(self._statements(node), key=_statement_key):
            into.append(statement)
            value = statement.object
            if isinstance(value, ox.BlankNode) and value not in seen_blank:
                seen_blank.add(value)
                self._bounded(value, into, seen_blank)

    def _inbound(self, focus: set[ox.NamedNode], description: Description, limit: int) -> None:
        links: list[InboundLink] = []
        total = 0
        seen_blank: set[ox.BlankNode] = set()
        for target in sorted(focus, key=str):
            for statement in sorted(self._statements(obj=target), key=_statement_key):
                if statement.predicate == RDF_TYPE or statement.subject in focus:
                    continue
                total += 1
                if total > limit:
                    continue
                description.inbound.append(statement)
                if isinstance(statement.subject, ox.NamedNode):
                    links.append(InboundLink(statement.subject, (statement.predicate,), target,
                                             statement.inferred))
                    continue
                for owner, path, chain in self._owners(statement.subject, _OWNER_DEPTH):
                    description.inbound.extend(chain)
                    links.append(InboundLink(owner, (*path, statement.predicate), target,
                                             statement.inferred or any(s.inferred for s in chain)))
                if statement.subject not in seen_blank:
                    seen_blank.add(statement.subject)
                    self._bounded(statement.subject, description.inbound, seen_blank)
        description.links = links
        description.inbound_left_out = max(0, total - limit)

    def _owners(self, blank: ox.BlankNode, depth: int):
        """(owning IRI, predicate path, statements on the way) for each way up from ``blank``."""
        if depth == 0:
            return
        for statement in self._statements(obj=blank):
            if isinstance(statement.subject, ox.NamedNode):
                yield statement.subject, (statement.predicate,), [statement]
            else:
                for owner, path, chain in self._owners(statement.subject, depth - 1):
                    yield owner, (*path, statement.predicate), [*chain, statement]

    def _context(self, description: Description) -> list[Statement]:
        described = {s.subject for s in description.about}
        mentioned: set[ox.NamedNode] = set()
        typed: set[ox.NamedNode] = set()
        for statement in (*description.about, *description.inbound):
            mentioned.add(statement.predicate)
            for term in (statement.subject, statement.object):
                if isinstance(term, ox.NamedNode) and term not in described:
                    mentioned.add(term)
                    if statement.predicate != RDF_TYPE or term == statement.subject:
                        typed.add(term)
        context: list[Statement] = []
        for node in sorted(mentioned, key=str):
            for predicate in LABEL_PREDICATES:
                context.extend(s for s in self._statements(node, predicate) if not s.inferred)
            if node in typed:
                context.extend(s for s in self._statements(node, RDF_TYPE) if not s.inferred)
        return context

    # -- the graph at large ----------------------------------------------------------------------

    def labels_of(self, nodes: Iterable[ox.NamedNode]) -> Labels:
        statements: list[Statement] = []
        for node in nodes:
            for predicate in LABEL_PREDICATES:
                statements.extend(self._statements(node, predicate))
        return Labels.from_statements(statements)

    def classes(self) -> list[tuple[ox.NamedNode, int]]:
        """Every class with asserted instances, and how many, most instances first."""
        # The inferred graph's IRI is our constant, not input: written into the text.
        query = ("SELECT ?class (COUNT(DISTINCT ?thing) AS ?n) WHERE { { ?thing a ?class } UNION "
                 f"{{ GRAPH ?g {{ ?thing a ?class }} FILTER(?g != {INFERRED_GRAPH}) }} "
                 "FILTER(isIRI(?thing)) } GROUP BY ?class ORDER BY DESC(?n) ?class")
        return [(row["class"], int(row["n"].value)) for row in self.store.query(query)]

    def instances(self, cls: ox.NamedNode, *, limit: int = 500, offset: int = 0
                  ) -> tuple[list[ox.NamedNode], int]:
        """IRIs typed ``cls`` (asserted or inferred), one page, and how many there are."""
        total = self.count_instances(cls)
        if not total or limit <= 0 or offset >= total:
            # A page past the end reads nothing (Virtuoso refuses to sort past its TopN limit
            # for an OFFSET of 499,000: SR353, where the page is simply not there).
            return [], total
        rows = self.store.query(
            "SELECT DISTINCT ?class ?thing WHERE { ?thing a ?class FILTER(isIRI(?thing)) } ORDER BY ?thing "
            f"LIMIT {int(limit)} OFFSET {int(offset)}",
            substitutions={ox.Variable("class"): cls}, use_default_graph_as_union=True)
        return [row["thing"] for row in rows], total

    def count_instances(self, cls: ox.NamedNode) -> int:
        """How many IRIs are typed ``cls`` (asserted or inferred); 0 for a class without any."""
        # Grouped by ?class (substitutions need it projected): no instance, no row.
        rows = self.store.query(
            "SELECT ?class (COUNT(DISTINCT ?thing) AS ?n) WHERE { ?thing a ?class FILTER(isIRI(?thing)) } "
            "GROUP BY ?class",
            substitutions={ox.Variable("class"): cls}, use_default_graph_as_union=True)
        return sum(int(row["n"].value) for row in rows)

    def class_sizes(self, classes: Iterable[ox.NamedNode]) -> dict[ox.NamedNode, int]:
        """:meth:`count_instances` of each of ``classes`` (one call for the home page)."""
        return {cls: self.count_instances(cls) for cls in classes}

    def broader_terms(self, terms: Iterable[ox.NamedNode]) -> dict[str, frozenset[str]]:
        """For each of ``terms`` (properties or classes), the terms strictly broader than it:
        its ``rdfs:subPropertyOf`` and ``rdfs:subClassOf`` ancestors, asserted or inferred.

        Pages use it to leave out an inferred statement that only restates an asserted one
        through a broader property (``dcterms:subject`` beside ``evaw:topic``) or class."""
        broader: dict[str, frozenset[str]] = {}
        for term in terms:
            found = {row["broader"].value for row in self.store.query(
                "SELECT ?term ?broader WHERE { ?term (rdfs:subPropertyOf|rdfs:subClassOf)+ ?broader "
                "FILTER(isIRI(?broader) && ?broader != ?term) }",
                substitutions={ox.Variable("term"): term}, prefixes=PREFIXES,
                use_default_graph_as_union=True)}
            broader[term.value] = frozenset(found)
        return broader

    def region_path(self, place: ox.NamedNode) -> list[ox.NamedNode]:
        """The asserted ``evaw:locatedIn`` chain from ``place`` up to the top (``region/world``)."""
        path: list[ox.NamedNode] = []
        current = place
        while len(path) < 12:
            parents = sorted((s.object for s in self._statements(current, EVAW_LOCATED_IN)
                              if not s.inferred and isinstance(s.object, ox.NamedNode)), key=str)
            if not parents or parents[0] in path:
                break
            current = parents[0]
            path.append(current)
        return path

    def activities_of(self, agent: ox.NamedNode) -> list[dict]:
        """Activities ``agent`` leads, partners in or reports, with their earliest start and latest
        end (``xsd:gYearMonth``/``xsd:date``/``xsd:gYear`` text), for the agency timeline."""
        return self._activities(_ACTIVITIES_OF_AGENT, agent)

    def activities_at(self, place: ox.NamedNode) -> list[dict]:
        """Activities held at ``place`` or at a place inside it."""
        return self._activities(_ACTIVITIES_AT_PLACE, place)

    def _activities(self, query: str, focus: ox.NamedNode) -> list[dict]:
        rows = self.store.query(query, substitutions={ox.Variable("focus"): focus},
                                prefixes=PREFIXES, use_default_graph_as_union=True)
        found: dict[str, dict] = {}
        for row in rows:
            activity = row["activity"]
            entry = found.setdefault(activity.value, {"iri": activity, "start": None, "end": None})
            for key in ("start", "end"):
                value = row[key].value if row[key] is not None else None
                if value and (entry[key] is None or (value < entry[key]) == (key == "start")):
                    entry[key] = value
        return sorted(found.values(), key=lambda e: (e["start"] or "9999", e["iri"].value))


EVAW_LOCATED_IN = ox.NamedNode(str(EVAW.locatedIn))

_WHEN = """
  OPTIONAL { ?activity evaw:activityPeriod|evaw:reportingPeriod ?period .
    OPTIONAL { ?period time:hasBeginning/(time:inXSDgYearMonth|time:inXSDDate|time:inXSDgYear) ?start }
    OPTIONAL { ?period time:hasEnd/(time:inXSDgYearMonth|time:inXSDDate|time:inXSDgYear) ?end } }
"""

_ACTIVITIES_OF_AGENT = """SELECT ?focus ?activity ?start ?end WHERE {
  { ?activity prov:wasAssociatedWith ?focus } UNION { ?activity evaw:reportedBy ?focus }
  UNION { ?activity prov:qualifiedAssociation/prov:agent ?focus }
  ?activity a prov:Activity .""" + _WHEN + "}"

_ACTIVITIES_AT_PLACE = """SELECT ?focus ?activity ?start ?end WHERE {
  { ?activity prov:atLocation ?focus } UNION { ?activity prov:atLocation/evaw:locatedIn ?focus }
  ?activity a prov:Activity .""" + _WHEN + "}"


def _hash_children(store: ox.Store) -> dict[str, tuple[ox.NamedNode, ...]]:
    """Document IRI → the hash IRIs under it that are described (``D#x`` with statements)."""
    children: dict[str, set[ox.NamedNode]] = {}
    rows = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s) && "
                       "CONTAINS(STR(?s), '#')) }", use_default_graph_as_union=True)
    for row in rows:
        document, _, fragment = row["s"].value.partition("#")
        if fragment:
            children.setdefault(document, set()).add(row["s"])
    return {document: tuple(sorted(nodes, key=str)) for document, nodes in children.items()}


def _key(term: Term | str) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def _statement_key(statement: Statement) -> tuple[str, str, str]:
    return _triple_key(statement.triple)


__all__ = ["Describer", "Description", "Statement", "InboundLink", "Labels", "LANGUAGES",
           "LABEL_PREDICATES", "INBOUND_LIMIT", "readable_name", "compact_iri", "as_iri", "RDF_TYPE"]
