"""Query answers as tables: SELECT queries (a named query with its parameters, or the
workbench's own) run through a :class:`~evawkg.sparql.SparqlService`, so in its killable query
processes under the server's time limit and row cap, never in the web process.

A named query's parameters are bound by pyoxigraph (``substitutions``), never pasted into the
text. The service writes CSV, TSV and SPARQL JSON itself (SPARQL 1.1 Query Results CSV/TSV,
https://www.w3.org/TR/sparql11-results-csv-tsv/; JSON, https://www.w3.org/TR/sparql11-results-json/);
:class:`Table` reads SPARQL JSON back into rows for the plain JSON and the HTML table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .named_queries import NamedQuery
from ..sparql import Answer, AnswerFormats, QueryRequest, SparqlService, answer_format


@dataclass(frozen=True)
class Cell:
    """One value of a row: its text, and what it is (``uri``, ``literal``, ``bnode``)."""

    value: str
    type: str
    datatype: str | None = None
    language: str | None = None

    @property
    def is_iri(self) -> bool:
        return self.type == "uri"


@dataclass(frozen=True)
class Table:
    """A SELECT answer: its columns in projection order and one mapping per row."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, Cell], ...]
    seconds: float = 0.0

    @classmethod
    def from_sparql_json(cls, payload: bytes, seconds: float = 0.0) -> Table:
        document = json.loads(payload)
        if "boolean" in document:  # ASK
            return cls(("boolean",), ({"boolean": Cell(str(document["boolean"]).lower(), "literal")},),
                       seconds)
        rows = tuple({name: Cell(term["value"], term["type"], term.get("datatype"),
                                 term.get("xml:lang"))
                      for name, term in binding.items()}
                     for binding in document["results"]["bindings"])
        return cls(tuple(document["head"].get("vars", ())), rows, seconds)

    def records(self) -> list[dict[str, str | None]]:
        """Rows as plain objects (column → text, ``None`` when unbound): the plain JSON."""
        return [{column: (row[column].value if column in row else None) for column in self.columns}
                for row in self.rows]

    def column(self, name: str) -> list[str | None]:
        return [row[name].value if name in row else None for row in self.rows]


def run_select(service: SparqlService, text: str, *, timeout: float, fmt: str = "json",
               substitutions: Mapping | None = None, public_base: str | None = None) -> Answer:
    """Run our own SELECT ``text`` through ``service`` and answer it in format ``fmt`` (the
    service applies the query rules in its query process, as for any client's query), its IRIs
    published under ``public_base`` when given."""
    pairs = tuple((variable.value, term) for variable, term in (substitutions or {}).items())
    return service.query(QueryRequest(text, AnswerFormats.only(answer_format(fmt)), timeout,
                                      substitutions=pairs, public_base=public_base))


def select(service: SparqlService, text: str, *, timeout: float,
           substitutions: Mapping | None = None) -> Table:
    """:func:`run_select` read back as a :class:`Table`."""
    answer = run_select(service, text, timeout=timeout, substitutions=substitutions)
    return Table.from_sparql_json(answer.payload, answer.seconds)


def run_named_query(service: SparqlService, query: NamedQuery, values: Mapping[str, str], *,
                    timeout: float, fmt: str = "json", public_base: str | None = None) -> Answer:
    """Run ``query`` with ``values`` (parameter name → text; defaults fill the rest).

    Raises :class:`~evawkg.errors.ParameterError` (400) naming the parameter and its type for
    a value that is not of it, before anything runs."""
    return run_select(service, query.text, timeout=timeout, fmt=fmt,
                      substitutions=query.bind(values), public_base=public_base)


def named_query_table(service: SparqlService, query: NamedQuery, values: Mapping[str, str], *,
                      timeout: float) -> Table:
    answer = run_named_query(service, query, values, timeout=timeout)
    return Table.from_sparql_json(answer.payload, answer.seconds)


__all__ = ["Cell", "Table", "run_select", "select", "run_named_query", "named_query_table"]
