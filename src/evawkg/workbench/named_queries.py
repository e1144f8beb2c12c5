"""Named queries: SPARQL files with a YAML ``#+`` header, typed parameters, binding and running.

A named query is ``queries/<name>.rq``: SPARQL 1.1 (https://www.w3.org/TR/sparql11-query/)
preceded by a header of ``#+ `` comment lines holding YAML, in the style of grlc
(https://github.com/CLARIAH/grlc)::

    #+ summary: Instruments in an agency's policy framework
    #+ description: >
    #+   Each legal instrument ... with its symbol, adoption date and adopting body.
    #+ tags: [mandates, instruments]
    #+ params:
    #+   agency:
    #+     type: iri
    #+     default: id:organization/unodc
    #+     description: The agency whose policy framework to list.
    SELECT ?agency ?instrument ... WHERE { ?agency evaw:hasPolicyFramework ?instrument ... }

The header is the documentation (and, over HTTP, the OpenAPI operation), so it is checked
strictly: a malformed one raises :class:`~evawkg.errors.QueryHeaderError` naming the file and
the problem. A parameter ``name`` is the query variable ``?name``; a value is checked against
the declared type and bound as an RDF term through pyoxigraph's ``substitutions`` (RDF-dev
SEP-0007), never pasted into the text. pyoxigraph only substitutes variables of the outermost
``SELECT`` projection, so every parameter is projected (and grouped by, in aggregate queries).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml

from ..errors import EvawError, ParameterError, QueryHeaderError
from ..namespaces import PREFIXES
from ..sparql import check_nesting, prepare_query
from ..sparql.answers import syntax_error
from ..sparql.projection import as_written
from ..sparql.syntax_words import explain

XSD = "http://www.w3.org/2001/XMLSchema#"

#: Parameter types and the XSD datatype each is bound as (``iri`` binds a ``NamedNode``).
PARAMETER_TYPES: dict[str, str | None] = {
    "iri": None,
    "string": XSD + "string",
    "integer": XSD + "integer",
    "decimal": XSD + "decimal",
    "date": XSD + "date",
    "gYearMonth": XSD + "gYearMonth",
    "boolean": XSD + "boolean",
}

#: What a value of each type looks like, for error messages (and the HTTP API's docs).
TYPE_HINTS: dict[str, str] = {
    "iri": "an absolute IRI or a prefixed name such as id:organization/unodc",
    "string": "any text",
    "integer": "a whole number such as 42",
    "decimal": "a number such as 3.5",
    "date": "a date YYYY-MM-DD",
    "gYearMonth": "a month YYYY-MM",
    "boolean": "true or false",
}

HEADER_KEYS = {"summary", "description", "tags", "params"}
PARAMETER_KEYS = {"type", "default", "example", "description", "enum"}

_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_LINE = re.compile(r"^#\+ ?(.*)$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_YEAR_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_PARSER_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)
_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


@dataclass(frozen=True)
class Parameter:
    """One typed parameter of a named query, bound to the query variable ``?name``."""

    name: str
    type: str
    description: str
    default: str | None = None
    example: str | None = None
    enum: tuple[str, ...] = ()

    @property
    def variable(self) -> pyoxigraph.Variable:
        return pyoxigraph.Variable(self.name)

    @property
    def required(self) -> bool:
        return self.default is None

    def to_term(self, value: str) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
        """``value`` as the RDF term this parameter binds; :class:`ParameterError` if it is
        not of the declared type (or not one of the allowed values)."""
        term = _to_term(self.type, value)
        if term is None:
            raise ParameterError(f"parameter {self.name!r} must be {TYPE_HINTS[self.type]} "
                                 f"(type {self.type}); got {value!r}")
        if self.enum and value not in self.enum:
            raise ParameterError(f"parameter {self.name!r} must be one of "
                                 f"{', '.join(self.enum)}; got {value!r}")
        return term


@dataclass(frozen=True)
class NamedQuery:
    """A query of ``queries/``: its name (the file stem), header and SPARQL text."""

    name: str
    path: Path
    summary: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    text: str
    form: str = field(default="SELECT")

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")

    def bind(self, values: Mapping[str, str]) -> dict[pyoxigraph.Variable, Any]:
        """The substitutions for ``values`` (parameter name → text), defaults filling the rest.

        Raises :class:`ParameterError` for an unknown parameter, a value not of its type, or a
        required parameter left out."""
        for name in values:
            self.parameter(name)
        substitutions = {}
        for parameter in self.parameters:
            value = values.get(parameter.name, parameter.default)
            if value is None:
                raise ParameterError(f"query {self.name!r} needs parameter {parameter.name!r} "
                                     f"({TYPE_HINTS[parameter.type]})")
            substitutions[parameter.variable] = parameter.to_term(value)
        return substitutions

    def run(self, store: pyoxigraph.Store, values: Mapping[str, str] | None = None):
        """Run on ``store`` with ``values`` bound (see :meth:`bind`)."""
        return run(store, self, self.bind(values or {}))


def run(store: pyoxigraph.Store, query: NamedQuery | str,
        substitutions: Mapping[pyoxigraph.Variable, Any] | None = None):
    """Run a named query or SPARQL text on ``store`` over the union of its graphs, with the
    project's prefixes predeclared. Returns pyoxigraph's results (``QuerySolutions``,
    ``QueryBoolean`` or ``QueryTriples``).

    The server's rules apply here too (:func:`evawkg.sparql.prepare_query`): SPARQL Update is
    refused (:class:`ReadOnly`) and so is every ``SERVICE`` call (:class:`ServiceRefused`), since
    pyoxigraph would otherwise fetch whatever endpoint the text names. And its answers: ``SELECT
    *`` has its columns in the order the text writes them (:func:`evawkg.sparql.projection.as_written`).

    Raises :class:`QuerySyntaxError` (the server's words and position,
    :func:`evawkg.sparql.answers.syntax_error`) for text that does not parse, and
    :class:`EvawError` when the engine refuses to evaluate it."""
    text = query.text if isinstance(query, NamedQuery) else query
    check_nesting(text)  # as the server does: the parsers recurse, and crash past a depth
    prepared = prepare_query(text, prefixes=PREFIXES)
    try:
        return store.query(as_written(prepared.text, PREFIXES, None), prefixes=PREFIXES,
                           use_default_graph_as_union=True,
                           substitutions=dict(substitutions) if substitutions else None)
    except SyntaxError as error:
        raise syntax_error(error, prepared.text, PREFIXES) from None
    except (RuntimeError, OSError, ValueError) as error:
        raise EvawError(f"query failed: {error}") from None


def run_sparql(store: pyoxigraph.Store, text: str):
    """Run ad-hoc SPARQL text (no parameters); see :func:`run`."""
    return run(store, text)


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` file of ``directory`` by name; :class:`QueryHeaderError` for the first
    one that is malformed."""
    return {query.name: query for query in map(load_named_query, sorted(Path(directory).glob("*.rq")))}


def load_named_query(path: Path) -> NamedQuery:
    """The named query in ``path``; raises :class:`QueryHeaderError` if its header is malformed,
    names a parameter the query does not use, or the query does not parse."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QueryHeaderError(f"{path}: cannot read: {error}") from None
    return parse_named_query(text, name=path.stem, path=path)


def parse_named_query(text: str, *, name: str, path: Path | str | None = None,
                      ad_hoc: bool = False) -> NamedQuery:
    """Parse a named query from its ``text``; see :func:`load_named_query`. ``ad_hoc`` is
    for a user's own file (or stdin): its name need not be kebab-case."""
    where = str(path) if path is not None else name

    def fail(problem: str, line: int | None = None) -> QueryHeaderError:
        return QueryHeaderError(f"{where}:{line}: {problem}" if line else f"{where}: {problem}")

    def fail_at(problem: str, line: int, column: int) -> QueryHeaderError:
        return QueryHeaderError(f"{where}:{line}:{column}: {problem}")

    if not ad_hoc and not _NAME.match(name):
        raise fail(f"name {name!r} is not kebab-case (lower-case letters, digits and '-')")
    header_lines, first = _header_lines(text)
    if not header_lines:
        raise fail("no '#+' header: start the file with '#+ summary: ...' lines")
    try:
        header = yaml.load("\n".join(header_lines), Loader=_StrictLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise fail(f"header is not valid YAML: {problem}",
                   first + mark.line if mark is not None else None) from None
    if not isinstance(header, dict):
        raise fail("header must be a YAML mapping with summary, description, tags and params", first)
    unknown = sorted(set(header) - HEADER_KEYS)
    if unknown:
        raise fail(f"unknown header key(s) {', '.join(map(str, unknown))}; "
                   f"allowed: {', '.join(sorted(HEADER_KEYS))}", first)
    for key in ("summary", "description"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise fail(f"header needs a non-empty '{key}' (text)", first)
    tags = header.get("tags")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
        raise fail("header needs 'tags': a non-empty list of words", first)
    params = header.get("params") or {}
    if not isinstance(params, dict):
        raise fail("'params' must map each parameter name to its type, default and description", first)
    parameters = tuple(_parameter(str(key), spec, fail) for key, spec in params.items())

    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for parameter in parameters:
        if not re.search(rf"[?$]{re.escape(parameter.name)}\b", body):
            raise fail(f"parameter {parameter.name!r} is not used: the query has no ?{parameter.name}")
    form = _check_query(text, parameters, fail, fail_at)
    return NamedQuery(name=name, path=Path(path or name + ".rq"), summary=header["summary"].strip(),
                      description=header["description"].strip(), tags=tuple(tags),
                      parameters=parameters, text=text, form=form)


def has_header(text: str) -> bool:
    """Whether SPARQL ``text`` starts with a ``#+`` header (an ad-hoc file may have one)."""
    return bool(_header_lines(text)[0])


def _header_lines(text: str) -> tuple[list[str], int]:
    """The YAML of the leading ``#+`` lines and the file line number of the first one."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    header = []
    for line in lines[start:]:
        match = _HEADER_LINE.match(line)
        if not match:
            break
        header.append(match.group(1))
    return header, start + 1


def _parameter(name: str, spec: Any, fail) -> Parameter:
    if not _VARIABLE_NAME.match(name):
        raise fail(f"parameter name {name!r} is not a SPARQL variable name")
    if not isinstance(spec, dict):
        raise fail(f"parameter {name!r} must be a mapping with type, default and description")
    unknown = sorted(set(spec) - PARAMETER_KEYS)
    if unknown:
        raise fail(f"parameter {name!r}: unknown key(s) {', '.join(map(str, unknown))}; "
                   f"allowed: {', '.join(sorted(PARAMETER_KEYS))}")
    kind = spec.get("type")
    if kind not in PARAMETER_TYPES:
        raise fail(f"parameter {name!r}: type must be one of {', '.join(PARAMETER_TYPES)}; got {kind!r}")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise fail(f"parameter {name!r} needs a 'description'")
    enum = spec.get("enum") or []
    if not isinstance(enum, list):
        raise fail(f"parameter {name!r}: 'enum' must be a list of values")
    parameter = Parameter(name=name, type=kind, description=description.strip(),
                          default=_text(spec.get("default")), example=_text(spec.get("example")),
                          enum=tuple(_text(value) for value in enum))
    for what, values in (("enum value", parameter.enum), ("default", [parameter.default]),
                         ("example", [parameter.example])):
        for value in values:
            if value is not None and _to_term(kind, value) is None:
                raise fail(f"parameter {name!r}: {what} {value!r} is not {TYPE_HINTS[kind]}")
    if parameter.enum and parameter.default is not None and parameter.default not in parameter.enum:
        raise fail(f"parameter {name!r}: default {parameter.default!r} is not one of its enum values")
    return parameter


def _text(value: Any) -> str | None:
    """A YAML scalar as the text a user would type (YAML reads 1993-12-20 as a date, true as a bool)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _check_query(text: str, parameters: tuple[Parameter, ...], fail, fail_at) -> str:
    """Parse the query (and bind its defaults) against an empty store; returns its form."""
    substitutions = {p.variable: p.to_term(p.default or p.example or _PLACEHOLDER[p.type])
                     for p in parameters}
    try:
        result = pyoxigraph.Store().query(text, prefixes=PREFIXES, use_default_graph_as_union=True,
                                          substitutions=substitutions or None)
    except SyntaxError as error:
        located = _PARSER_POSITION.match(str(error))
        if located:
            line, column = int(located.group(1)), int(located.group(2))
            words = explain(located.group(3), text, line, column, PREFIXES)
            raise fail_at(f"query does not parse: {words}", line, column) from None
        raise fail(f"query does not parse: {error}") from None
    except RuntimeError as error:
        raise fail(f"parameters cannot be bound ({error}); pyoxigraph binds only variables of "
                   "the outermost SELECT projection, so project every parameter") from None
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "ASK"
    if isinstance(result, pyoxigraph.QueryTriples):
        return "CONSTRUCT"
    return "SELECT"


_PLACEHOLDER = {"iri": "urn:x-evawkg:placeholder", "string": "", "integer": "0", "decimal": "0",
                "date": "2000-01-01", "gYearMonth": "2000-01", "boolean": "false"}


def _to_term(kind: str, value: str) -> pyoxigraph.NamedNode | pyoxigraph.Literal | None:
    """``value`` as a term of type ``kind``, or ``None`` if it is not one."""
    value = value.strip() if kind != "string" else value
    if kind == "iri":
        prefix, _, local = value.partition(":")
        if prefix in PREFIXES and not local.startswith("//"):
            value = PREFIXES[prefix] + local
        try:
            return pyoxigraph.NamedNode(value) if ":" in value else None
        except ValueError:
            return None
    lexical: str | None = value
    if kind == "integer":
        lexical = str(int(value)) if _INTEGER.match(value) else None
    elif kind == "decimal":
        lexical = _decimal(value)
    elif kind == "date":
        lexical = _date(value)
    elif kind == "gYearMonth":
        lexical = value if _YEAR_MONTH.match(value) else None
    elif kind == "boolean":
        lexical = _BOOLEANS.get(value.lower())
    if lexical is None:
        return None
    return pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(PARAMETER_TYPES[kind]))


def _decimal(value: str) -> str | None:
    if not _DECIMAL.match(value):
        return None
    try:
        return str(Decimal(value))
    except InvalidOperation:
        return None


def _date(value: str) -> str | None:
    if not _DATE.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice (YAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
