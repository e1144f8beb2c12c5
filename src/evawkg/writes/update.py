"""A SPARQL 1.1 Update request turned into :mod:`~evawkg.writes.operations`
(https://www.w3.org/TR/sparql11-update/).

pyoxigraph runs updates but says nothing of what they changed, and the guard needs exactly that
(the delta to validate, record and replay). So a request is *compiled* here into operations whose
effect the working view records, each evaluated by pyoxigraph where it is fast:

1. pyoxigraph checks the whole request's syntax by running it on an empty scratch store (a
   syntax error names line and column; ``LOAD`` s are blanked first: nothing is fetched here);
2. a small lexer (:func:`split`) cuts the request into operations and finds, in each, the data
   block or the ``WHERE`` group, skipping strings, IRIs and comments;
3. ``INSERT DATA`` / ``DELETE DATA``: their quads are what the block inserts into an empty
   scratch store (fast at any size; blank nodes fresh, as the Recommendation wants);
4. every other operation is parsed by rdflib (templates, ``WITH``, ``USING``, graph names; small
   texts), while its ``WHERE`` group is kept as text for pyoxigraph to evaluate on the store.

Compiling evaluates nothing (a ``WHERE`` group is parsed, never run: :func:`_check_syntax`),
so its cost follows the text's length, which ``max_write_bytes`` caps, and it runs in the web
process: a process forked for it would cost more than the work at 1M triples (a fork copies the
page tables of the graph). Only authenticated writers reach it. ``SERVICE`` must name an
allow-listed endpoint, as in queries; ``LOAD`` an allow-listed document (the web process
fetches it, the query processes having no network).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.plugins.sparql.algebra import translateUpdate

from ..errors import ClientError, LoadRefused, ServiceRefused, UpdateSyntaxError
from ..namespaces import PREFIXES
from ..sparql.rules import MAX_NESTING, depth_past, parse_update
from .operations import (Clear, Create, DeleteQuads, Drop, InsertQuads, Load, Modify, Operation,
                         Template, Transfer)

_TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"""(?:(?:"|"")?(?:[^"\\]|\\.))*"""|\'\'\'(?:(?:'|'')?(?:[^'\\]|\\.))*\'\'\'
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<variable>[?$]\w+)
  | (?P<word>(?:[^\W\d][\w.\-]*)?:(?:[\w\-.:%]|\\.)*|[^\W\d][\w\-]*)
  | (?P<open>\{)
  | (?P<close>\})
  | (?P<semicolon>;)
  | (?P<other>.)
''', re.VERBOSE | re.DOTALL)

_OPERATIONS = {"INSERT", "DELETE", "WITH", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
               "COPY"}
_POSITION = re.compile(r"^error at (\d+):(\d+): ?")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int
    depth: int  # braces open before it

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" and ":" not in self.text else ""


@dataclass(frozen=True)
class Segment:
    """One operation of the request: the prologue text in force, and its own tokens."""

    prologue: str
    tokens: tuple[Token, ...]
    text: str  # the operation's text, from its first keyword to before its ';'
    start: int
    #: Its own declarations (start, end, keyword, prefix, IRI), after those of earlier operations.
    declarations: tuple[tuple[int, int, str, str, str], ...] = ()

    @property
    def kind(self) -> str:
        first = self.tokens[0].keyword
        second = self.tokens[1].keyword if len(self.tokens) > 1 else ""
        if first in ("INSERT", "DELETE") and second == "DATA":
            return first + " DATA"
        if first == "DELETE" and second == "WHERE":
            return "DELETE WHERE"
        return "MODIFY" if first in ("INSERT", "DELETE", "WITH") else first

    def group_after(self, index: int) -> str:
        """The text of the ``{…}`` group opening at or after token ``index``."""
        start, end = self.span_after(index)
        return self.text[start - self.start:end - self.start]

    def span_after(self, index: int) -> tuple[int, int]:
        """Where in the request the ``{…}`` group opening at or after token ``index`` lies."""
        opening = next(t for t in self.tokens[index:] if t.kind == "open")
        closing = next(t for t in self.tokens[self.tokens.index(opening) + 1:]
                       if t.kind == "close" and t.depth == opening.depth)
        return opening.start, closing.end

    def where_span(self) -> tuple[int, int]:
        """Where a Modify's ``WHERE`` group lies (``DELETE WHERE``: its quad pattern)."""
        for index, token in enumerate(self.tokens):
            if token.keyword == "WHERE" and token.depth == self.tokens[0].depth:
                return self.span_after(index)
        raise ClientError("the operation has no WHERE group")

    def where_group(self) -> str:
        start, end = self.where_span()
        return self.text[start - self.start:end - self.start]


def tokenize(text: str) -> list[Token]:
    """The request's tokens but spaces and comments, each with the brace depth it sits at."""
    found, depth = [], 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("space", "comment"):
            continue
        if kind == "close":
            depth -= 1
        found.append(Token(kind, match.group(), match.start(), match.end(), depth))
        if kind == "open":
            depth += 1
    return found


def split(text: str) -> list[Segment]:
    """The operations of a request, in order, each with the prologue (``PREFIX``, ``BASE``)
    declared before it (a request's declarations hold for every later operation)."""
    segments, prologue, current, own, index = [], [], [], [], 0
    tokens = tokenize(text)

    def close() -> None:
        if current:
            start, end = current[0].start, current[-1].end
            segments.append(Segment(" ".join(prologue), tuple(current), text[start:end], start,
                                    tuple(own)))
            current.clear()
            own.clear()

    while index < len(tokens):
        token = tokens[index]
        if token.depth == 0 and not current and token.keyword in ("PREFIX", "BASE"):
            width = 3 if token.keyword == "PREFIX" else 2
            parts = tokens[index:index + width]
            prologue.append(text[token.start:parts[-1].end])
            own.append((token.start, parts[-1].end, token.keyword,
                        parts[1].text[:-1] if width == 3 else "", parts[-1].text[1:-1]))
            index += width
            continue
        if token.kind == "semicolon" and token.depth == 0:
            close()
        else:
            current.append(token)
        index += 1
    close()
    return segments


# --- Compiling ----------------------------------------------------------------------------------

def compile_update(text: str, base_iri: str, allow_service: tuple[str, ...],
                   allow_load: tuple[str, ...]) -> tuple[Operation, ...]:
    """The operations of the update ``text``. Raises :class:`UpdateSyntaxError` (400, with line
    and column), :class:`ServiceRefused` or :class:`LoadRefused` (403)."""
    # pyoxigraph's parser recurses on the C stack: a WHERE nested some thousands deep crashed
    # the web worker (SIGSEGV) and every request it was answering. Queries have the same bound.
    depth = depth_past(text)
    if depth is not None:
        raise UpdateSyntaxError(f"the update nests too deeply (depth {depth}; at most "
                                f"{MAX_NESTING}, brackets in strings counted): flatten it, "
                                "e.g. fewer nested groups, parentheses or blank nodes")
    segments = split(text)
    if not segments:
        raise UpdateSyntaxError("the update holds no operation; send at least one, such as "
                                "INSERT DATA { … }", line=1, column=1)
    for segment in segments:
        if segment.kind not in ("INSERT DATA", "DELETE DATA", "DELETE WHERE", "MODIFY",
                                *_OPERATIONS):
            token = segment.tokens[0]
            line, column = _line_column(text, token.start)
            raise UpdateSyntaxError(f"error at {line}:{column}: expected an update operation "
                                    f"(INSERT, DELETE, LOAD, CLEAR…), found {token.text[:40]!r}",
                                    line=line, column=column)
    _check_services(text, segments, allow_service)
    _check_syntax(text, segments, base_iri)
    operations: list[Operation] = []
    for segment in segments:
        kind = segment.kind
        if kind in ("INSERT DATA", "DELETE DATA"):
            quads = _data_quads(segment, base_iri)
            operations.append(InsertQuads(quads) if kind == "INSERT DATA" else DeleteQuads(quads))
            continue
        parsed = _rdflib_operation(segment, base_iri, text)
        if kind == "LOAD":
            iri = str(parsed.iri)
            if iri not in allow_load:
                raise LoadRefused(f"LOAD <{iri}> is refused: this server loads only documents "
                                  "its operator allowed (allow_load); send the data in INSERT "
                                  "DATA or with the Graph Store Protocol instead")
            operations.append(Load(iri, _iri(parsed.graphiri), bool(parsed.silent)))
        elif kind in ("CLEAR", "DROP"):
            target = parsed.graphiri
            cls = Clear if kind == "CLEAR" else Drop
            operations.append(cls(str(target) if isinstance(target, URIRef) else target,
                                  bool(parsed.silent)))
        elif kind == "CREATE":
            operations.append(Create(str(parsed.graphiri), bool(parsed.silent)))
        elif kind in ("ADD", "MOVE", "COPY"):
            source, target = (None if g == "DEFAULT" else str(g) for g in parsed.graph)
            operations.append(Transfer(kind, source, target, bool(parsed.silent)))
        elif kind == "DELETE WHERE":
            template = _template(parsed.triples, parsed.quads)
            operations.append(Modify(segment.prologue, segment.where_group(), template, (),
                                     None, None, None))
        else:
            operations.append(_modify(segment, parsed))
    return tuple(operations)


def _modify(segment: Segment, parsed) -> Modify:
    delete = _template(parsed.delete.triples, parsed.delete.quads) if parsed.delete else ()
    insert = _template(parsed.insert.triples, parsed.insert.quads) if parsed.insert else ()
    using = named = None
    if parsed.using:
        using = tuple(str(u.default) for u in parsed.using if u.default is not None)
        named = tuple(str(u.named) for u in parsed.using if u.named is not None)
    return Modify(segment.prologue, segment.where_group(), delete, insert,
                  _iri(parsed.withClause), using, named)


def _iri(value) -> str | None:
    return str(value) if isinstance(value, URIRef) else None


def _check_services(text: str, segments: list[Segment], allow_service: tuple[str, ...]) -> None:
    for segment in segments:
        tokens = segment.tokens
        for index, token in enumerate(tokens):
            if token.keyword != "SERVICE":
                continue
            following = [t for t in tokens[index + 1:index + 3] if t.keyword != "SILENT"]
            endpoint = following[0] if following else None
            if endpoint is None or endpoint.kind != "iri":
                raise ServiceRefused("SERVICE with a variable endpoint is refused; name an "
                                     "allowed endpoint")
            iri = endpoint.text[1:-1]
            if iri not in allow_service:
                raise ServiceRefused(f"SERVICE <{iri}> is not allowed on this server"
                                     + (f"; allowed: {', '.join(allow_service)}" if allow_service
                                        else "; it calls no remote endpoint"))


def _check_syntax(text: str, segments: list[Segment], base_iri: str) -> None:
    """pyoxigraph's verdict on the request, without running anything that could take long.

    The whole request runs on an empty store with every ``WHERE`` group emptied and every
    ``LOAD`` blanked (a group of ``VALUES`` alone can make work for hours even there); each
    ``WHERE`` group is then parsed as a query that is never iterated (pyoxigraph evaluates
    lazily), its error mapped back to the request's line and column. pyoxigraph also refuses
    ``PREFIX`` or ``BASE`` after a ``;``, which SPARQL 1.1 allows (the ``Update`` after ``;``
    has its own prologue): those are blanked, their prefixes given to pyoxigraph aside."""
    checked, prefixes, groups = text, dict(PREFIXES), []
    try:
        for segment in segments[1:]:
            for start, end, keyword, prefix, iri in segment.declarations:
                checked = _blank(checked, start, end)
                if keyword == "PREFIX":
                    prefixes[prefix] = iri
        for segment in segments:
            if segment.kind == "LOAD":
                replacement = "CLEAR SILENT DEFAULT"
                end = segment.start + len(segment.text)
                blank = _blank(checked, segment.start, end)[segment.start:end]
                checked = (checked[:segment.start] + replacement + blank[len(replacement):]
                           + checked[end:])
            elif segment.kind in ("MODIFY", "DELETE WHERE"):
                start, end = segment.where_span()
                groups.append((segment, text[start:end], start))
                checked = checked[:start] + "{}" + _blank(checked, start + 2, end)[start + 2:]
    except (StopIteration, ClientError, ValueError):
        checked, groups = text, []  # the lexer lost its way: pyoxigraph will say where
    _parse_or_raise(lambda: ox.Store().update(checked, base_iri=base_iri, prefixes=prefixes),
                    text, 0, 0)
    for segment, group, start in groups:
        header = f"{segment.prologue}\nSELECT * WHERE "
        _parse_or_raise(lambda: ox.Store().query(header + group, base_iri=base_iri,
                                                 prefixes=prefixes),
                        header + group, len(header), start, text)


def _blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` turned to spaces (line breaks kept: positions hold)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _parse_or_raise(run, checked: str, skip: int, offset: int, original: str | None = None) -> None:
    """Run ``run``; a syntax error in ``checked`` is raised at its place in the request (the
    part of ``checked`` after ``skip`` characters lies at ``offset`` of ``original``)."""
    try:
        run()
    except SyntaxError as error:
        message = str(error.args[0]) if error.args else str(error)
        found = _POSITION.match(message)
        line = column = None
        if found:
            line, column = int(found.group(1)), int(found.group(2))
            if original is not None:
                lines = checked.split("\n")
                position = sum(len(text) + 1 for text in lines[:line - 1]) + column - 1
                line, column = _line_column(original, offset + max(0, position - skip))
                message = _POSITION.sub(f"error at {line}:{column}: ", message, count=1)
        raise UpdateSyntaxError(f"the update does not parse: {_short(message)}", line=line,
                                column=column) from None
    except Exception:  # noqa: BLE001 -- it parsed; what failed on an empty store was running it
        pass


def _short(message: str) -> str:
    first = message.split("\n", 1)[0]
    return first if len(first) <= 300 else first[:297] + "…"


def _line_column(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _data_quads(segment: Segment, base_iri: str) -> tuple[ox.Quad, ...]:
    """The quads of an ``INSERT DATA`` / ``DELETE DATA`` block: what it inserts into an empty
    store (a DELETE DATA block, already checked, is read as INSERT DATA)."""
    scratch = ox.Store()
    scratch.update(f"{segment.prologue}\nINSERT DATA {segment.group_after(0)}",
                   base_iri=base_iri, prefixes=PREFIXES)
    return tuple(scratch)


def _rdflib_operation(segment: Segment, base_iri: str, request: str):
    """rdflib's parse of one operation (its templates, dataset clauses, graph names); a
    Modify's WHERE group, kept as text for pyoxigraph, is left out (rdflib parses slowly)."""
    text = segment.text
    where = (0, 0)
    if segment.kind == "MODIFY":
        where = segment.where_span()
        start, end = (offset - segment.start for offset in where)
        text = text[:start] + "{}" + text[end:]
    try:
        update = translateUpdate(parse_update(f"{segment.prologue}\n{text}"),
                                 base=base_iri, initNs=PREFIXES)
    except Exception as error:  # noqa: BLE001 -- pyoxigraph accepted it; rdflib's grammar lags
        found = _rdf12_term(segment, where)
        if found is not None:
            # rdflib's message ("Expected end of text, found 'INSERT'") pointed at the start
            # of a text the client never sent, and did not say what to change.
            line, column = _line_column(request, found.start)
            raise UpdateSyntaxError(
                f"error at {line}:{column}: RDF 1.2 terms (a triple term <<( … )>>, a reifier, "
                "an annotation or a literal's base direction) are read here in INSERT DATA, "
                "DELETE DATA and WHERE, not in the template of "
                f"{'INSERT/DELETE … WHERE' if segment.kind == 'MODIFY' else segment.kind}; "
                "write them with INSERT DATA, or make them in the "
                "WHERE (BIND(<<( ?s ?p ?o )>> AS ?t), STRLANGDIR) and put the variable in the "
                "template", line=line, column=column) from None
        raise UpdateSyntaxError(f"this form of update is not supported here: {error}") from None
    return update.algebra[0]


def _rdf12_term(segment: Segment, where: tuple[int, int]) -> Token | None:
    """The first RDF 1.2 construct of the operation outside its WHERE group (``<<``, ``~``,
    ``{|``, ``@lang--dir``): the syntax rdflib's SPARQL 1.1 grammar lacks."""
    tokens = segment.tokens
    for index, token in enumerate(tokens):
        if where[0] <= token.start < where[1]:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        adjacent = following is not None and following.start == token.end
        if token.text == "~" or (
                adjacent and ((token.text == "<" and following.text == "<")
                              or (token.kind == "open" and following.text == "|")
                              or (token.text == "@" and "--" in following.text))):
            return token
    return None


def _template(triples, quads) -> tuple[Template, ...]:
    """rdflib's template (default-graph triples, then ``GRAPH`` blocks) as pyoxigraph terms;
    graph ``None`` is the operation's target (``WITH``, else the default graph)."""
    result = [Template(*(_term(t) for t in triple), None) for triple in triples or ()]
    for graph, graph_triples in (quads or {}).items():
        result += [Template(*(_term(t) for t in triple), _term(graph))
                   for triple in graph_triples]
    return tuple(result)


def _term(node):
    if isinstance(node, Variable):
        return ox.Variable(str(node))
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise ClientError(f"cannot use {node!r} in an update template")


__all__ = ["compile_update", "split", "tokenize", "Segment", "Token"]
