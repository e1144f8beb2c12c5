"""Which statements of a description a page leaves out because the page already says them.

The OWL 2 RL closure adds, beside each asserted statement, the same fact through every broader
property (``dcterms:subject`` beside ``evaw:topic``, ``schema:containedInPlace`` beside
``evaw:locatedIn``), every superclass as a type, and the inverse of every link. Data formats keep
them all (TriG sets them apart); a page for people shows an inferred statement only when it says
something the others do not. An inferred statement is left out when

* a statement with the same subject and object uses a strictly narrower property
  (rdfs:subPropertyOf, https://www.w3.org/TR/rdf11-schema/#ch_subpropertyof);
* it is a type that is a strict superclass of another type of the same subject;
* it is the inverse of an asserted link the page lists under "Linked from" (outbound), or it is
  an inbound link whose two ends the page already shows as an outbound statement.

Nothing asserted is ever left out.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from ..linked_data.description import RDF_TYPE, Description, InboundLink, Statement

Broader = Mapping[str, frozenset[str]]


def strictly_broader(broader: Broader, wide: str, narrow: str) -> bool:
    """``wide`` is broader than ``narrow`` and not the same term under another name."""
    return wide != narrow and wide in broader.get(narrow, ()) and narrow not in broader.get(wide, ())


def terms_to_look_up(description: Description) -> set[ox.NamedNode]:
    """The properties and classes whose broader terms decide what is redundant."""
    terms: set[ox.NamedNode] = set()
    for statement in description.about:
        terms.add(statement.predicate)
        if statement.predicate == RDF_TYPE and isinstance(statement.object, ox.NamedNode):
            terms.add(statement.object)
    for link in description.links:
        if len(link.path) == 1:
            terms.add(link.path[0])
    return terms


def hidden_statements(description: Description, broader: Broader) -> set[ox.Triple]:
    """The inferred statements of ``description.about`` a page leaves out."""
    by_pair: dict[tuple, list[Statement]] = {}
    for statement in description.about:
        by_pair.setdefault((statement.subject, statement.object), []).append(statement)
    asserted_inbound = {(link.source, link.target) for link in description.links
                        if not link.inferred and len(link.path) == 1}
    hidden: set[ox.Triple] = set()
    for statement in description.about:
        if not statement.inferred:
            continue
        if statement.predicate == RDF_TYPE:
            types = [s.object.value for s in description.about
                     if s.subject == statement.subject and s.predicate == RDF_TYPE
                     and isinstance(s.object, ox.NamedNode)]
            if any(strictly_broader(broader, statement.object.value, other) for other in types):
                hidden.add(statement.triple)
            continue
        same_pair = by_pair[(statement.subject, statement.object)]
        if any(strictly_broader(broader, statement.predicate.value, other.predicate.value)
               for other in same_pair):
            hidden.add(statement.triple)
        elif (statement.object, statement.subject) in asserted_inbound:
            hidden.add(statement.triple)
    return hidden


def shown_links(description: Description, broader: Broader,
                hidden: set[ox.Triple]) -> list[InboundLink]:
    """The inbound links a page lists: inferred ones only when nothing else on it says them."""
    outbound_pairs = {(s.subject, s.object) for s in description.about
                      if s.triple not in hidden and isinstance(s.object, ox.NamedNode)}
    by_pair: dict[tuple, list[InboundLink]] = {}
    for link in description.links:
        by_pair.setdefault((link.source, link.target), []).append(link)
    shown = []
    for link in description.links:
        if link.inferred:
            if (link.target, link.source) in outbound_pairs:
                continue
            if len(link.path) == 1 and any(
                    len(other.path) == 1
                    and strictly_broader(broader, link.path[0].value, other.path[0].value)
                    for other in by_pair[(link.source, link.target)]):
                continue
        shown.append(link)
    return shown


__all__ = ["hidden_statements", "shown_links", "terms_to_look_up", "strictly_broader"]
