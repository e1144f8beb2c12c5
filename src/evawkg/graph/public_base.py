"""Where the served IRIs live: the canonical base the data is written under, and the public base
the server publishes them under (docs/linked-data.md, "IRIs that work where the server runs").

The bundle's files, the store, the OWL 2 RL closure, the shapes and the named queries all use the
canonical base (``https://evawkg.example.org/``, a placeholder no one can dereference). A
deployment says where it lives (``--public-base https://kg.example.org/``; by default the server's
own address), and everything the server emits uses that base instead. :class:`PublicBase` is the
one rule both ways, applied to IRIs (terms), never to text: an IRI that starts with one base gets
the other in its place. Literals are data and are never rewritten, not even a string that happens
to hold an IRI; a literal's *datatype* is an IRI and is.

The rule is applied at the edges only: to query text, graph names and parameters coming in
(:mod:`evawkg.sparql.query_text` finds the IRIs of a query), and to every answer going out (SPARQL
results and graphs, resource descriptions, VoID, dumps, the JSON-LD context).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from ..namespaces import BASE


#: A TSV field holding a triple term, ``<<( s p o )>>`` (a literal's tab and line feed are
#: escaped, so a field never holds either), and the terms inside one: the triple term's brackets,
#: a literal whole (its text may hold ``<…>`` and spaces), an IRI, or anything else (blank nodes).
_TRIPLE_FIELD = re.compile(rb"(?<![^\t\n])<<\([^\t\n]*")
_TRIPLE_TERM = re.compile(rb'<<\(|\)>>|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>\s]*>)?'
                          rb"|<[^>\s]*>|[^\s]+")


@dataclass(frozen=True)
class PublicBase:
    """The canonical base IRI of the data and the public one it is published under."""

    canonical: str = BASE
    public: str = BASE

    @property
    def identity(self) -> bool:
        """Nothing to map: the data is published under the base it is written under."""
        return self.canonical == self.public

    # -- single IRIs ------------------------------------------------------------------------

    def iri_out(self, iri: str) -> str:
        """``iri`` as published: under the public base if it is under the canonical one.
        Idempotent: an IRI already published (a public base inside the canonical one) stays."""
        if self.identity or not iri.startswith(self.canonical) or (
                iri.startswith(self.public) and self.public.startswith(self.canonical)):
            return iri
        return self.public + iri[len(self.canonical):]

    def iri_in(self, iri: str) -> str:
        """``iri`` as stored: under the canonical base if a client wrote it under the public
        one (IRIs already in canonical form, or under no base of ours, pass unchanged)."""
        if self.identity or not iri.startswith(self.public) or (
                iri.startswith(self.canonical) and self.canonical.startswith(self.public)):
            return iri
        return self.canonical + iri[len(self.public):]

    # -- RDF terms --------------------------------------------------------------------------

    def term_out(self, term):
        return self._term(term, self.iri_out)

    def term_in(self, term):
        return self._term(term, self.iri_in)

    def _term(self, term, rule):
        if self.identity:
            return term
        if isinstance(term, ox.NamedNode):
            mapped = rule(term.value)
            return term if mapped == term.value else ox.NamedNode(mapped)
        if isinstance(term, ox.Literal):
            if term.language is not None:
                return term
            datatype = term.datatype.value
            mapped = rule(datatype)
            return term if mapped == datatype else ox.Literal(term.value, datatype=ox.NamedNode(mapped))
        if isinstance(term, ox.Triple):  # RDF 1.2 triple terms
            return ox.Triple(self._term(term.subject, rule), self._term(term.predicate, rule),
                             self._term(term.object, rule))
        return term  # blank nodes, the default graph

    def triple_out(self, triple: ox.Triple) -> ox.Triple:
        return ox.Triple(self.term_out(triple.subject), self.term_out(triple.predicate),
                         self.term_out(triple.object))

    def quad_out(self, quad: ox.Quad) -> ox.Quad:
        return ox.Quad(self.term_out(quad.subject), self.term_out(quad.predicate),
                       self.term_out(quad.object), self.term_out(quad.graph_name))

    def triples_out(self, triples: Iterable[ox.Triple]) -> list[ox.Triple]:
        if self.identity:
            return list(triples)
        return [self.triple_out(triple) for triple in triples]

    def quads_out(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        if self.identity:
            return list(quads)
        return [self.quad_out(quad) for quad in quads]

    # -- prefixes and contexts --------------------------------------------------------------

    def prefixes_out(self, prefixes: dict[str, str]) -> dict[str, str]:
        """``prefixes`` with every namespace under the canonical base published under the public
        one (``country:`` stays ``country:``, its namespace moves)."""
        return {prefix: self.iri_out(namespace) for prefix, namespace in prefixes.items()}

    def context_out(self, context: dict) -> dict:
        """A JSON-LD context whose prefix definitions (IRIs) are published under the public base;
        term definitions are compact IRIs (``evaw:Country``) and follow their prefix."""
        return {name: self.iri_out(value) if isinstance(value, str) and not name.startswith("@")
                else value for name, value in context.items()}

    # -- SPARQL results written as TSV ------------------------------------------------------

    def tsv_out(self, data: bytes) -> bytes:
        """SPARQL TSV results (https://www.w3.org/TR/sparql11-results-csv-tsv/) with their IRIs
        published. A TSV field is one term in Turtle syntax, and a literal's tab and line feed
        are escaped, so an IRI term is exactly a field starting with ``<``, and a datatype is
        the ``^^<…>`` ending a field that starts with ``"``: both are found by position, never
        by a search inside a literal's text. A field holding an RDF 1.2 triple term,
        ``<<( s p o )>>``, is read term by term (a literal whole), so the IRIs inside it are
        published too, as :meth:`json_out` publishes them."""
        if self.identity:
            return data
        raw = self.canonical.encode()
        if raw not in data:  # nothing under the canonical base: one substring search in C
            return data
        canonical = re.escape(raw)
        public = self.public.encode().replace(b"\\", b"\\\\")
        # A field's start as a lookbehind, not an alternation: the engine then scans for the
        # literal "<canonical" (2-3x faster on a large answer).
        data = re.sub(rb"(?<![^\t\n])<" + canonical, b"<" + public, data)
        if b'"^^<' + raw in data:
            data = re.sub(rb'("\^\^<)' + canonical + rb'([^>\t\n]*>)(?=[\t\n]|$)',
                          rb"\1" + public + rb"\2", data)
        if b"<<(" in data:  # RDF 1.2 triple terms: their own IRIs, term by term
            data = _TRIPLE_FIELD.sub(lambda field: _TRIPLE_TERM.sub(
                lambda term: _term_out(term.group(), raw, self.public.encode()), field.group()),
                data)
        return data

    # -- SPARQL results written as JSON -----------------------------------------------------

    def json_out(self, data: bytes) -> bytes:
        """SPARQL JSON results (https://www.w3.org/TR/sparql11-results-json/) as pyoxigraph
        writes them, with their IRIs published by the rule of :meth:`tsv_out` (every IRI under
        the canonical base, as a prefix of bytes). pyoxigraph writes them compactly, keys in a
        fixed order: an IRI term, also inside a triple term, is exactly
        ``"type":"uri","value":"<iri>"`` and a datatype ``"datatype":"<iri>"``. Both hold
        unescaped quotes after a letter, which a JSON string never holds (a quote in it is
        written ``\\"``), so they are found by position, never inside a literal's text or a
        variable's name (a variable is followed by ``:{``). An IRI is written verbatim: JSON
        escapes only quotes, backslashes and control characters, none of which an IRI holds."""
        if self.identity:
            return data
        raw = self.canonical.encode()
        if raw not in data:  # nothing under the canonical base: one substring search in C
            return data
        public = json.dumps(self.public, ensure_ascii=False)[1:-1].encode()
        for key in (b'"type":"uri","value":"', b'"datatype":"'):
            data = data.replace(key + raw, key + public)
        return data


def _term_out(term: bytes, raw: bytes, public: bytes) -> bytes:
    """One term inside a triple term written as TSV: an IRI ``<…>`` or a literal's ``^^<…>``
    under the canonical base ``raw`` gets ``public`` in its place, as every other IRI of the
    answer (:meth:`PublicBase.tsv_out`); a literal's text never changes."""
    if term.startswith(b"<" + raw):
        return b"<" + public + term[1 + len(raw):]
    # A datatype ends the literal: the last "^^< of a literal ending in ">" (its text may hold
    # an escaped \"^^<…> too, before the closing quote).
    at = term.rfind(b'"^^<') if term.startswith(b'"') and term.endswith(b">") else -1
    if at > 0 and term.startswith(raw, at + 4):
        return term[:at + 4] + public + term[at + 4 + len(raw):]
    return term


__all__ = ["PublicBase"]
