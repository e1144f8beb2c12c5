"""``SELECT *`` answered with its columns in the order the query names them.

pyoxigraph projects ``SELECT *`` on its in-scope variables sorted by name, so
``SELECT * { ?s ?p ?o }`` gave CSV columns ``o,p,s``; Jena, rdflib and Virtuoso give them as
the query writes them, which is what an analyst reading the table expects. :func:`in_written_order`
keeps pyoxigraph's set of variables (what is in scope is its decision) and orders it by first
appearance in the text; :func:`with_projection` writes that order in place of the ``*``;
:func:`as_written` does both, for the embedded store and before a text goes to a remote one
(Oxigraph server sorts too; Virtuoso already writes them in order).
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from .binding import variables as named_variables
from .query_text import code

#: The query's own SELECT * (the first SELECT of the text is the outer query's: a prologue holds
#: none, and subqueries come inside its WHERE).
_SELECT_STAR = re.compile(r"\bSELECT(\s+(?:DISTINCT|REDUCED))?\s*(\*)", re.IGNORECASE)
_FIRST_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)


def as_written(text: str, prefixes: dict[str, str], base_iri: str | None) -> str:
    """``text``, or, when it is a ``SELECT *`` whose columns pyoxigraph would sort, the same
    query with its in-scope variables written out in the order the text names them.

    pyoxigraph decides what is in scope, on an empty store: nothing of the store is read, so
    this costs one parse, and only texts holding a ``*``. Not for a text naming SERVICE: pyoxigraph
    calls the endpoint as it prepares the answer, and it would be called twice."""
    if "*" not in text or "service" in text.lower():
        return text
    star = star_position(text)
    if star is None:
        return text
    try:
        solutions = ox.Store().query(text, prefixes=prefixes, base_iri=base_iri)
        variables = [variable.value for variable in solutions.variables]
    except (SyntaxError, OSError, RuntimeError, ValueError, AttributeError):
        return text  # the store's own parse says what is wrong, where it runs
    written = in_written_order(text, variables)
    return with_projection(text, star, written) if written and written != variables else text


def star_position(text: str) -> int | None:
    """Where the ``*`` of the outer ``SELECT *`` is in ``text``, or None if the outer query
    names its columns (or is no SELECT)."""
    blanked = code(text)
    first = _FIRST_SELECT.search(blanked)
    if first is None:
        return None
    star = _SELECT_STAR.match(blanked, first.start())
    return star.start(2) if star else None


def in_written_order(text: str, variables: list[str]) -> list[str]:
    """``variables`` ordered by where the text first names each (those it never writes, last,
    in the given order)."""
    first: dict[str, int] = {}
    for name, start in named_variables(text):
        first.setdefault(name, start)
    written = sorted((name for name in variables if name in first), key=first.__getitem__)
    return written + [name for name in variables if name not in first]


def with_projection(text: str, star: int, variables: list[str]) -> str:
    """``text`` with the ``*`` at ``star`` replaced by ``variables``."""
    return text[:star] + " ".join(f"?{name}" for name in variables) + text[star + 1:]


__all__ = ["as_written", "star_position", "in_written_order", "with_projection"]
