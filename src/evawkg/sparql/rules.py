"""The rules a query passes before it runs, decided from a real parse of the query.

* SPARQL Update (``INSERT``, ``LOAD``…) is refused: the server is read-only (403).
* ``SERVICE`` is refused unless its endpoint IRI is on the operator's allow-list (403); pyoxigraph
  would otherwise fetch any URL a query names. A variable endpoint cannot be checked: refused.
* ``FROM`` / ``FROM NAMED`` select graphs of the store (pyoxigraph never fetches them); whether a
  query has them decides the default graph (:mod:`.answers`).

Where each rule runs, and what it may cost:

* In the request thread only linear work on the raw text, so that no request body can buy CPU
  before a limit applies: :func:`check_nesting` (a bracket count) and :func:`check_graph_iri`.
* Everything else in the killable query process, under the query's time limit
  (:func:`prepare_query`, called by :func:`evawkg.sparql.answers.execute`).

pyoxigraph exposes no parse tree, so the facts come from rdflib's SPARQL parser and algebra: the
SERVICE nodes (endpoint resolved against BASE and the prefixes), the dataset clause and the form.
Two parsers reading one text must read it alike, so the text both receive is made the same:

* codepoint escapes (``\\u0053``, ``\\U0001F600``) are replaced *before* parsing, over the whole
  text, as SPARQL 1.1 section 19.2 says. rdflib does so itself; pyoxigraph 0.5 only inside
  strings and IRIs. So the unescaped text is what pyoxigraph runs too, and a text whose unescaping
  leaves another escape (``\\u005Cu0041``) is refused: each parser would read it differently;
* for rdflib only, a carriage return becomes a line feed: SPARQL ends a ``#`` comment at either,
  pyparsing's comment at a line feed only (``# … \\r SERVICE <…>`` would hide the call from it).

rdflib costs milliseconds, so :func:`prepare_query` may skip it when the text cannot hold what it
looks for: no ``SERVICE`` keyword without the letters "service", no dataset clause without
"from" (both case-insensitive). A text that mentions "service" and that rdflib cannot read is
refused (fail closed): what cannot be checked is not run.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import threading
from itertools import accumulate, islice
from operator import sub

import pyoxigraph as ox
# Imported with this module, so the query loader holds rdflib's SPARQL grammar before it forks:
# a fresh query process (one replaces each killed one) does not build it again (~70 ms).
from pyparsing import ParseResults
from rdflib.plugins.sparql import parser as _rdflib_parser
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue, ParamValue
from rdflib.term import URIRef, Variable

from ..errors import ClientError, QuerySyntaxError, QueryTooDeep, ReadOnly, ServiceRefused
from .service import PreparedQuery

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                     "WITH")

#: Deepest nesting of ``{``, ``(`` and ``[`` read. pyoxigraph's parser recurses per level and
#: overflows its stack (killing its process) near 3,000; rdflib's needs ~30 frames a level.
MAX_NESTING = 256

# rdflib's parser recurses through pyparsing: ~30 Python frames per nesting level. Raised only
# while it parses (Python 3.11 runs Python-to-Python calls off the C stack).
_PARSER_RECURSION = 25_000

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT",
          "DescribeQuery": "DESCRIBE"}


def _service_pattern(instring: str, loc: int, tokens: ParseResults) -> CompValue:
    """rdflib's ``Comp.postParse`` for ``SERVICE``, without the ``service_string`` it adds.

    rdflib finds that text (what its own evaluator would send to the endpoint) by scanning the
    *whole* query again for a SERVICE pattern, once per SERVICE: quadratic in their number, and a
    SERVICE nested inside another finds the outer one again, recursing until the recursion limit
    (6 s of a rules process, then refused as "nested too deeply"). evawkg never lets rdflib
    evaluate a query, so the text is not needed; the parse tree is otherwise rdflib's own."""
    value = CompValue("ServiceGraphPattern")
    for token in tokens:
        if isinstance(token, ParamValue):
            if token.isList:
                if token.name not in value:
                    value[token.name] = []
                value[token.name].append(token.tokenList)
            else:
                value[token.name] = token.tokenList
    return value


_rdflib_parser.ServiceGraphPattern.postParse = _service_pattern


def _not_a_literal_conversion(record: logging.LogRecord) -> bool:
    """Drop rdflib's warning, with its traceback, for a literal whose lexical form is no value
    of its datatype (``"2020-13-45"^^xsd:date``). Its parser logs one for each such literal in a
    client's query text: the query's own business (the engine gives the literal no value), never
    the server's fault, and a client could repeat it at will to fill the server's log."""
    return not str(record.msg).startswith("Failed to convert Literal lexical form")


logging.getLogger("rdflib.term").addFilter(_not_a_literal_conversion)

# --- Linear checks (request thread) ---------------------------------------------------------

_NOT_BRACKET = re.compile(r"[^{}()\[\]]+")
_BRACKET_STEP = {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets in ``text``, counted over the raw text in linear time.

    Brackets inside strings, IRIs and comments count too: that may overstate the depth (harmless
    at :data:`MAX_NESTING`), and closing brackets there may understate it; the parsers' own
    limits (a RecursionError, or a crash of one killable query process) remain behind it."""
    brackets = _NOT_BRACKET.sub("", text)
    if not brackets:
        return 0
    # The depth never goes below zero (a stray closer does not hide the openers after it):
    # depth_i = sum_i - min(0, sum_1..sum_i), computed by C loops, not a Python one.
    sums = list(accumulate(map(_BRACKET_STEP.__getitem__, brackets)))
    floors = islice(accumulate(sums, min, initial=0), 1, None)
    return max(map(sub, sums, floors))


def depth_past(text: str, limit: int = MAX_NESTING) -> int | None:
    """The nesting depth of ``text`` when it is deeper than ``limit``, else None: what queries
    and updates check before any parser recurses into them."""
    if text.count("{") + text.count("(") + text.count("[") <= limit:
        return None  # so few opening brackets cannot nest deeper (str.count: no Python loop)
    depth = nesting_depth(text)
    return depth if depth > limit else None


def check_nesting(text: str, limit: int = MAX_NESTING) -> None:
    """Refuse (400) a query nested deeper than ``limit``, before any parser recurses into it."""
    depth = depth_past(text, limit)
    if depth is not None:
        raise QueryTooDeep(f"query nested too deeply (depth {depth}; at most {limit}): "
                           "flatten it, e.g. fewer nested groups or parentheses")


def check_graph_iri(value: str, parameter: str) -> str:
    """``value`` if it is an absolute IRI, else a 400 naming ``parameter`` (linear: one IRI
    parse)."""
    try:
        ox.NamedNode(value)
    except ValueError as error:
        raise ClientError(f"{parameter}={value!r} is not an absolute IRI ({error}); give a "
                          "graph name such as https://example.org/graph/x") from None
    return value


# --- Codepoint escapes (SPARQL 1.1 section 19.2) --------------------------------------------

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Anything either parser would still expand after ours: rdflib expands \u or \U followed by
# four or eight hex digits, in any case; pyoxigraph \uXXXX and \UXXXXXXXX in strings and IRIs.
_LEFT_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")


def unescape_codepoints(text: str) -> str:
    """``text`` with every ``\\uXXXX`` and ``\\UXXXXXXXX`` replaced by its character.

    Raises :class:`QuerySyntaxError` for an escape of no character (a surrogate, past U+10FFFF)
    and for a text that would still hold an escape afterwards."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def character(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QuerySyntaxError(f"query syntax error: {match.group()} is no Unicode "
                                   "character")
        return chr(code)

    unescaped = _CODEPOINT.sub(character, text)
    left = _LEFT_ESCAPE.search(unescaped)
    if left:
        raise QuerySyntaxError(
            f"query syntax error: unescaping the codepoint escapes leaves another one "
            f"({left.group()} at character {left.start()}); write that character itself")
    return unescaped


# --- The rules, from rdflib's algebra (query process) ---------------------------------------

#: Texts up to this length have their checks remembered (:func:`prepare_query`).
CACHED_TEXT_CHARS = 32_768


def prepare_query(text: str, *, allow_service: tuple[str, ...] = (), base_iri: str | None = None,
                  prefixes: dict[str, str] | None = None, always_parse: bool = True
                  ) -> PreparedQuery:
    """Check ``text`` against the read-only and SERVICE rules and tell what it asks for (see
    :func:`_prepare_query`). The answer depends on nothing but the arguments, so it is
    remembered for the last texts seen: a named query sends the same text on every request
    (its parameters are bound apart), and rdflib's parse costs 50-400 ms of a request."""
    if len(text) > CACHED_TEXT_CHARS:
        return _prepare_query(text, allow_service=allow_service, base_iri=base_iri,
                              prefixes=prefixes, always_parse=always_parse)
    return _remembered(text, tuple(allow_service), base_iri,
                       tuple(prefixes.items()) if prefixes else None, always_parse)


@functools.lru_cache(maxsize=256)
def _remembered(text: str, allow_service: tuple[str, ...], base_iri: str | None,
                prefixes: tuple[tuple[str, str], ...] | None, always_parse: bool) -> PreparedQuery:
    return _prepare_query(text, allow_service=allow_service, base_iri=base_iri,
                          prefixes=dict(prefixes) if prefixes is not None else None,
                          always_parse=always_parse)


def _prepare_query(text: str, *, allow_service: tuple[str, ...] = (), base_iri: str | None = None,
                   prefixes: dict[str, str] | None = None, always_parse: bool = True
                   ) -> PreparedQuery:
    """Check ``text`` against the read-only and SERVICE rules and tell what it asks for.

    Returns the :class:`PreparedQuery` to run: its ``text`` is the unescaped text (run that, not
    the original). Raises :class:`ReadOnly` for SPARQL Update and :class:`ServiceRefused` for a
    ``SERVICE`` whose endpoint is not in ``allow_service``, is a variable, or cannot be checked.
    A text rdflib cannot read otherwise passes with ``form=None``: the engine's parser then names
    the syntax error and its position.

    With ``always_parse=False`` rdflib runs only when the text mentions "service" or "from";
    otherwise ``parsed`` is False, ``form`` is None (the engine's answer tells it) and there is
    neither a SERVICE call nor a dataset clause."""
    runnable = unescape_codepoints(text)
    folded = runnable.casefold()
    mentions_service = "service" in folded
    if not (always_parse or mentions_service or "from" in folded):
        return PreparedQuery(runnable, None, False, (), parsed=False)
    readable = runnable.replace("\r", "\n")  # see the module's docstring
    try:
        query = _deeply(_parse_query, readable, base_iri, prefixes)
    except Exception as error:  # noqa: BLE001 -- pyparsing, rdflib and recursion errors alike
        refuse_update(readable)
        if mentions_service:
            raise ServiceRefused(
                "the SERVICE call(s) of this query could not be checked against the operator's "
                f"allow-list, so it is refused: the checker could not read it ({_reason(error)}); "
                "write it in standard SPARQL 1.1") from None
        return PreparedQuery(runnable, None, False, (), parsed=False)
    services = _service_endpoints(*query)
    refused = [endpoint for endpoint in services if endpoint not in allow_service]
    if refused:
        allowed = ("; allowed endpoints: " + ", ".join(allow_service)) if allow_service else (
            "; this server allows no SERVICE endpoint")
        raise ServiceRefused(f"SERVICE <{refused[0]}> is refused: queries may only call "
                             f"endpoints on the operator's allow-list{allowed}")
    algebra = query[0].algebra
    return PreparedQuery(runnable, _FORMS.get(algebra.name), bool(algebra.get("datasetClause")),
                         tuple(dict.fromkeys(services)), parsed=True)


def refuse_update(text: str) -> None:
    """Raise :class:`ReadOnly` when ``text`` is SPARQL Update (as rdflib reads it)."""
    try:
        update = _deeply(parse_update, text.replace("\r", "\n"))
    except Exception:  # noqa: BLE001 -- not an update: the caller reports why it is no query
        return
    # (rdflib's CompValue.get returns the key itself for a missing key, never None)
    requests = update["request"] if "request" in update else []
    if not requests:  # nothing but whitespace, comments or prologue: no update, and no query
        return
    names = [_UPDATE_NAMES.get(getattr(request, "name", ""), "") for request in requests]
    operation = next((name for name in names if name), "an update")
    raise ReadOnly(f"SPARQL Update ({operation}) is refused: this endpoint is read-only; "
                   "send a SELECT, ASK, CONSTRUCT or DESCRIBE query")


_UPDATE_NAMES = {"InsertData": "INSERT", "DeleteData": "DELETE", "DeleteWhere": "DELETE",
                 "Modify": "INSERT/DELETE", "Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP",
                 "Create": "CREATE", "Add": "ADD", "Move": "MOVE", "Copy": "COPY"}


#: rdflib's SPARQL grammar (pyparsing) is entered by one thread at a time. pyparsing learns how
#: many arguments each parse action takes by calling it and catching the TypeError, the first
#: time the action runs; two threads doing that at once make each other's calls fail ("missing
#: 1 required positional argument"), and a valid text is refused. The query and rules processes
#: parse in one thread; a web worker compiles writes in its request threads.
_GRAMMAR = threading.Lock()


def _parse_query(text: str, base_iri: str | None, prefixes: dict[str, str] | None):
    """rdflib's translated query and its parse tree (prefixed names and relative IRIs resolved
    in place by the translation)."""
    with _GRAMMAR:
        tree = parseQuery(text)
    return translateQuery(tree, base=base_iri, initNs=dict(prefixes or {})), tree


def parse_update(text: str):
    """rdflib's parse tree of the update ``text`` (one thread in the grammar at a time)."""
    with _GRAMMAR:
        return parseUpdate(text)


def _deeply(function, *args):
    """``function(*args)`` with room for rdflib's recursion (restored afterwards)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _PARSER_RECURSION))
    try:
        return function(*args)
    finally:
        sys.setrecursionlimit(limit)


def _reason(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "it is nested too deeply"
    return " ".join(str(error).split())[:200] or type(error).__name__


def _service_endpoints(query, tree) -> list[str]:
    """Every SERVICE endpoint of ``query`` (rdflib's translated query): its algebra, and the
    resolved parse tree it was built from, so that no translation step can hide one."""
    found: list[str] = []
    for node in _walk((query.algebra, tree)):
        if getattr(node, "name", None) != "ServiceGraphPattern":
            continue
        term = node.get("term")
        if isinstance(term, URIRef):
            # An IRI holds no backslash: any here is rdflib keeping a prefixed name's escape
            # (e:a\.b); pyoxigraph drops it, so drop it too before comparing.
            found.append(_PN_LOCAL_ESCAPE.sub(r"\1", str(term)))
        else:
            shown = f"?{term}" if isinstance(term, Variable) else repr(term)
            raise ServiceRefused(f"SERVICE {shown} is refused: a SERVICE endpoint must be an "
                                 "IRI on the operator's allow-list (a variable cannot be checked)")
    return found


_PN_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _walk(root):
    """Every node under ``root`` (dicts, lists, rdflib's CompValues and ParseResults), without
    recursion: the trees of deep queries are deep."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, frozenset, ParseResults)):
            stack.extend(node)


__all__ = ["QUERY_FORMS", "UPDATE_OPERATIONS", "MAX_NESTING", "nesting_depth", "depth_past",
           "check_nesting",
           "parse_update",
           "check_graph_iri", "unescape_codepoints", "prepare_query", "refuse_update"]
