"""Writing RDF with prefixes: each document declares the prefixes it uses, and only those.

Turtle and TriG (https://www.w3.org/TR/turtle/, /trig/) are written by pyoxigraph, which writes
an IRI as ``prefix:local`` under the longest namespace given that it starts with (escaping what
the local name needs: ``activity:x\\#count``), but declares every prefix it is given. So a
document is written with the prefixes its IRIs could use (:func:`used_prefixes`), and the
``@prefix`` lines of those it did not use in the end (an IRI written as ``a``, a number written
bare) are dropped, found by reading the body with its strings and IRIs blanked out. The
remaining declarations are sorted by name, so equal graphs give equal bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from ..errors import NotAcceptable
from .formats import format_by_name

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: What pyoxigraph's Turtle holds besides prefixed names: strings (one line, escaped) and IRIs.
_STRINGS_AND_IRIS = re.compile(rb'"(?:[^"\\\n]|\\.)*"|<[^>\s]*>')
_PREFIX_LINE = re.compile(rb"@prefix ([A-Za-z][\w.\-]*)?: <[^>]*> \.\n")


def _iris(statements: Iterable) -> Iterable[str]:
    for statement in statements:
        terms = [statement.subject, statement.predicate, statement.object]
        if isinstance(statement, ox.Quad):
            terms.append(statement.graph_name)
        while terms:
            term = terms.pop()
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal):
                if term.language is None and term.datatype.value != XSD_STRING:
                    yield term.datatype.value
            elif isinstance(term, ox.Triple):
                terms.extend((term.subject, term.predicate, term.object))


def used_prefixes(statements: Iterable, prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes of ``prefixes`` whose namespace is the longest one some IRI of ``statements``
    (triples or quads; literal datatypes included) starts with, in the order of ``prefixes``."""
    by_length = sorted(prefixes.items(), key=lambda item: len(item[1]), reverse=True)
    chosen: set[str] = set()
    seen: set[str] = set()
    for iri in _iris(statements):
        if iri in seen:
            continue
        seen.add(iri)
        for prefix, namespace in by_length:
            if iri.startswith(namespace):
                chosen.add(prefix)
                break
    return {prefix: namespace for prefix, namespace in prefixes.items() if prefix in chosen}


def serialize_with_prefixes(statements: list, fmt: ox.RdfFormat, prefixes: dict[str, str]) -> bytes:
    """``statements`` in ``fmt`` (Turtle, TriG, RDF/XML) declaring the prefixes of ``prefixes``
    it uses and no other (Turtle and TriG: sorted by name, after one another at the top)."""
    candidates = used_prefixes(statements, prefixes)
    body = ox.serialize(statements, format=fmt, prefixes=candidates)
    if fmt not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return body
    declared: dict[bytes, bytes] = {}
    position = 0
    while True:
        match = _PREFIX_LINE.match(body, position)
        if match is None:
            break
        declared[match.group(1) or b""] = match.group()
        position = match.end()
    rest = body[position:]
    code = _STRINGS_AND_IRIS.sub(b"", rest)
    used = sorted(name for name in declared
                  if re.search(rb"(?<![\w.\-:])" + re.escape(name) + rb":", code))
    return b"".join(declared[name] for name in used) + rest


def serialize_graph_as(name: str, triples: list[ox.Triple], prefixes: dict[str, str], *,
                       json_ld: Callable[[list[ox.Triple]], bytes],
                       quads: list[ox.Quad] | None = None) -> bytes:
    """``triples`` in the RDF format called ``name`` (:mod:`.formats`): the one dispatch for
    graphs the server writes (answers to CONSTRUCT and DESCRIBE, linked-data pages).

    Turtle, TriG and RDF/XML declare the prefixes of ``prefixes`` they use; TriG and N-Quads
    write ``quads`` when given, else the triples in the default graph; JSON-LD is
    ``json_ld(triples)``, because its context and framing are the caller's."""
    if name == "json-ld":
        return json_ld(triples)
    if name in ("trig", "nquads"):
        if quads is None:
            quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        if name == "nquads":
            return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
        return serialize_with_prefixes(quads, ox.RdfFormat.TRIG, prefixes)
    if name == "ntriples":
        return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    written = serialize_with_prefixes(triples, format_by_name(name).oxigraph, prefixes)
    if name == "rdfxml":
        refuse_what_xml_cannot_carry(written, "Turtle, N-Triples or JSON-LD")
    return written


#: Characters XML 1.0 cannot carry, raw or as a reference (https://www.w3.org/TR/xml/#charsets):
#: C0 controls but tab, line feed and carriage return, and U+FFFE/U+FFFF. In UTF-8 no byte of a
#: multi-byte character is below 0x80, so the controls are found byte by byte.
_NOT_XML = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")


def refuse_what_xml_cannot_carry(document: bytes, instead: str) -> None:
    """Raise :class:`~evawkg.errors.NotAcceptable` when ``document`` (XML written by pyoxigraph,
    which copies a literal's characters as they are) holds a character XML 1.0 cannot carry: the
    client's parser would reject the whole document. ``instead`` names formats that can."""
    found = _NOT_XML.search(document)
    if found:
        character = found.group().decode("utf-8")
        raise NotAcceptable(f"the answer holds the character U+{ord(character):04X}, which XML 1.0 "
                            f"cannot carry; ask for {instead}")


__all__ = ["used_prefixes", "serialize_with_prefixes", "serialize_graph_as",
           "refuse_what_xml_cannot_carry"]
