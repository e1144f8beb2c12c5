"""Result messages (https://www.w3.org/TR/shacl/#results-message): the shape's ``sh:message``
(every language it is given in), SHACL-SPARQL's ``{$var}``/``{?var}`` templates, and the default
messages for shapes without one, worded as pySHACL words them so both engines read alike.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from .terms import Term, to_rdflib

_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][\w]*)\}")


def show(term: Term | None) -> str:
    """A term as a default message names it: a prefixed IRI, a literal in Turtle, ``_:id``."""
    from .report import short_term

    if term is None:
        return "None"
    return short_term(to_rdflib(term))


def substitute(text: str, bindings: dict[str, Term] | None) -> str:
    """Replace ``{$var}`` and ``{?var}`` by the value bound to ``var`` (its IRI, lexical form or
    blank-node id, as SHACL-SPARQL says); unknown variables stay as written."""
    if not bindings:
        return text

    def value(match: re.Match) -> str:
        bound = bindings.get(match.group(1))
        if bound is None:
            return match.group(0)
        return bound.value if isinstance(bound, (ox.NamedNode, ox.BlankNode, ox.Literal)) else str(bound)

    return _TEMPLATE.sub(value, text)


def result_messages(raw) -> list[ox.Literal]:
    """The ``sh:resultMessage`` s of a :class:`~evawkg.shacl.results.Raw` result: the
    constraint's own messages and the shape's, each with its templates filled, else the default
    message."""
    shape_messages = list(raw.shape.messages)
    messages = [m for m in raw.extra_messages if m not in shape_messages]
    messages += shape_messages
    if not messages:
        text = raw.generic() if raw.generic is not None else ""
        return [ox.Literal(text)] if text else []
    if raw.bindings is None:
        return messages
    return [ox.Literal(substitute(m.value, raw.bindings), language=m.language) if m.language
            else ox.Literal(substitute(m.value, raw.bindings), datatype=m.datatype)
            for m in messages]


__all__ = ["show", "substitute", "result_messages"]
