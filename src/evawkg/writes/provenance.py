"""The provenance of commits: each one a ``prov:Activity`` in ``graph/changes``, and the change
feed's view of the journal (PROV-O, https://www.w3.org/TR/prov-o/).

A commit's activity is derived from its journal metadata by :func:`activity_quads` wherever the
commit is applied (the query processes, the on-disk store, an export), so the changes graph
always says exactly what the journal holds::

    <{BASE}changes/12> a prov:Activity ;
        rdfs:label "commit 12: +3 −1 triples in 1 graph" ;
        dcterms:identifier "12" ;
        prov:startedAtTime "…"^^xsd:dateTime ; prov:endedAtTime "…"^^xsd:dateTime ;
        prov:wasAssociatedWith <{BASE}changes/token/unwomen-curator> ;
        prov:wasInformedBy <{BASE}changes/11> ;
        chg:graph <{BASE}graph/activities> ;   # chg:defaultGraph true when it wrote that
        chg:triplesAdded 3 ; chg:triplesRemoved 1 ;
        chg:inferredAdded 2 ; chg:inferredRemoved 0 ;
        chg:operation "update" ; chg:requestSHA256 "…" ;
        chg:patch <{BASE}changes/12.rdfp> .

``chg:`` is ``{BASE}changes#`` (the change feed's page describes it). The delta itself stays in
the journal, served as an RDF Patch or an N-Quads pair by ``/changes/<id>``.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from ..graph.public_base import PublicBase
from ..namespaces import BASE, PREFIXES
from .tokens import CHANGES

CHANGES_GRAPH = ox.NamedNode(CHANGES)
#: The small vocabulary of the changes graph.
CHG = BASE + "changes#"
_PROV = PREFIXES["prov"]
_RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_LABEL = ox.NamedNode(PREFIXES["rdfs"] + "label")
_IDENTIFIER = ox.NamedNode(PREFIXES["dcterms"] + "identifier")
_DATETIME = ox.NamedNode(PREFIXES["xsd"] + "dateTime")
_INTEGER = ox.NamedNode(PREFIXES["xsd"] + "integer")
_BOOLEAN = ox.NamedNode(PREFIXES["xsd"] + "boolean")


def change_iri(seq: int) -> str:
    return f"{BASE}changes/{seq}"


def token_iri(name: str) -> str:
    return f"{BASE}changes/token/{quote(name, safe='-._~')}"


def summary(meta: dict) -> str:
    graphs = meta.get("graphs", [])
    return (f"commit {meta['seq']}: +{meta.get('added', 0)} −{meta.get('removed', 0)} triples in "
            f"{len(graphs)} graph{'s' if len(graphs) != 1 else ''}")


def activity_quads(meta: dict) -> list[ox.Quad]:
    """The quads recording commit ``meta`` in the changes graph."""
    seq = meta["seq"]
    activity = ox.NamedNode(change_iri(seq))
    agent = ox.NamedNode(token_iri(meta.get("token", "")))

    def chg(name: str) -> ox.NamedNode:
        return ox.NamedNode(CHG + name)

    def count(value: int) -> ox.Literal:
        return ox.Literal(str(int(value)), datatype=_INTEGER)

    triples = [
        (activity, _RDF_TYPE, ox.NamedNode(_PROV + "Activity")),
        (activity, _LABEL, ox.Literal(summary(meta))),
        (activity, _IDENTIFIER, ox.Literal(str(seq))),
        (activity, ox.NamedNode(_PROV + "startedAtTime"),
         ox.Literal(meta.get("started", meta["time"]), datatype=_DATETIME)),
        (activity, ox.NamedNode(_PROV + "endedAtTime"), ox.Literal(meta["time"], datatype=_DATETIME)),
        (activity, ox.NamedNode(_PROV + "wasAssociatedWith"), agent),
        (agent, _RDF_TYPE, ox.NamedNode(_PROV + "Agent")),
        (agent, _LABEL, ox.Literal(meta.get("token", ""))),
        (activity, chg("triplesAdded"), count(meta.get("added", 0))),
        (activity, chg("triplesRemoved"), count(meta.get("removed", 0))),
        (activity, chg("inferredAdded"), count(meta.get("inferred_added", 0))),
        (activity, chg("inferredRemoved"), count(meta.get("inferred_removed", 0))),
        (activity, chg("operation"), ox.Literal(meta.get("operation", "update"))),
        (activity, chg("requestSHA256"), ox.Literal(meta.get("request_sha256", ""))),
        (activity, chg("patch"), ox.NamedNode(change_iri(seq) + ".rdfp")),
    ]
    if seq > 1:
        triples.append((activity, ox.NamedNode(_PROV + "wasInformedBy"),
                        ox.NamedNode(change_iri(seq - 1))))
    for graph in meta.get("graphs", []):
        if graph is None:
            triples.append((activity, chg("defaultGraph"), ox.Literal("true", datatype=_BOOLEAN)))
        else:
            triples.append((activity, chg("graph"), ox.NamedNode(graph)))
    return [ox.Quad(s, p, o, CHANGES_GRAPH) for s, p, o in triples]


def apply_record(store: ox.Store, record) -> None:
    """Make ``store`` the state after journal ``record`` (a :class:`~evawkg.writes.journal.Record`
    read with its delta): the change, then its activity."""
    record.delta.apply(store)
    store.extend(activity_quads(record.meta))


def rdf_patch(record, iris: PublicBase | None = None) -> str:
    """The commit as an RDF Patch (https://afs.github.io/rdf-patch/): a transaction of ``D``
    (delete) and ``A`` (add) rows in N-Quads syntax; graph creations and drops as comments.
    With ``iris``, its IRIs are published under the public base, as the server publishes all."""
    from .delta import serialize_quads

    iris = iris or PublicBase()
    lines = [f"H id <{iris.iri_out(change_iri(record.seq))}> .", "TX ."]
    for name in record.delta.dropped:
        lines.append(f"# dropped graph <{iris.iri_out(name) if name else name}>")
    for name in record.delta.created:
        lines.append(f"# created graph <{iris.iri_out(name) if name else name}>")
    for prefix, quads in (("D", record.delta.removed), ("A", record.delta.added)):
        lines += [f"{prefix} {line}" for line in
                  serialize_quads(iris.quads_out(quads)).decode("utf-8").splitlines() if line]
    lines.append("TC .")
    return "\n".join(lines) + "\n"


__all__ = ["activity_quads", "apply_record", "rdf_patch", "change_iri", "token_iri", "summary",
           "CHANGES_GRAPH", "CHG"]
