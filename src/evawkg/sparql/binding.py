"""Query text for a remote store: the server's prefixes and base as a prologue, and a named
query's parameters as a ``VALUES`` block.

The embedded store binds parameters with pyoxigraph's ``substitutions``; a remote store has no
such thing, so each parameter becomes a one-row ``VALUES`` block at the start of the outermost
``WHERE`` group (SPARQL 1.1 section 10.2.1): joined first, it is seen by every pattern and filter
of that group, as a substitution is. The terms are written by pyoxigraph (N-Triples syntax, every
character escaped that must be), never pasted from the client's text. The same block is what
the named-query page shows as the query's editor example.

Finding that group takes a scan of the text that knows SPARQL's strings, IRIs and comments (a
``{`` inside them is not a group), linear in the text.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable

import pyoxigraph as ox

# One token of the scan: a comment, a string (long forms first), an IRI, a word, or one character.
_TOKEN = re.compile(r'''
    (?P<comment>\#[^\n\r]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!\'\'))*\'\'\'
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<other>[\s\S])
''', re.VERBOSE)

_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def where_group(text: str) -> int | None:
    """The offset just after the ``{`` opening the outermost ``WHERE`` group of a query, or
    None (no group found: an update, or not a query)."""
    depth = 0
    form = None
    after_where = False
    opened = 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "word" and depth == 0:
            word = match.group().upper()
            if form is None and word in _FORMS:
                form = word
            elif word == "WHERE":
                after_where = True
        elif kind == "other":
            character = match.group()
            if character == "{":
                if depth == 0:
                    opened += 1
                    # CONSTRUCT { template } WHERE { … }: the template is not the group.
                    if after_where or form != "CONSTRUCT" or opened == 2:
                        return match.end() if form else None
                depth += 1
            elif character == "}":
                depth = max(depth - 1, 0)
    return None


def values_block(bindings: Iterable[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]) -> str:
    """``VALUES (?a) { (term) } VALUES (?b) { (term) }`` for (variable name, term) pairs ("" for
    none): one block per variable, the same one row as a block of several columns, which
    Virtuoso 7.2 cannot be given where the group joins a grouped subquery (its server dies of a
    segmentation fault: ``activities-per-region``, two parameters)."""
    pairs = list(bindings)
    if not pairs:
        return ""
    for name, _ in pairs:
        if not re.fullmatch(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+", name):
            raise ValueError(f"{name!r} is no SPARQL variable name")
    return "".join(f" VALUES (?{name}) {{ ({term}) }}" for name, term in pairs) + " "


def bind(text: str, bindings: Iterable[tuple[str, object]], *, inline: bool = False) -> str:
    """``text`` with ``bindings`` as a ``VALUES`` block at the start of its ``WHERE`` group.

    ``inline``: the bound IRIs are also written in place of their variables inside that group
    (as pyoxigraph's substitutions do), for a store that needs a constant where a property
    path starts (Virtuoso 7: "transitive start not given" when it comes from ``VALUES``). The
    ``VALUES`` block stays, for the projection; a variable is left as it is where a constant
    cannot stand: after ``AS`` and in a subquery's projection."""
    pairs = list(bindings)
    block = values_block(pairs)  # type: ignore[arg-type]
    if not block:
        return text
    position = where_group(text)
    if position is None:
        raise ValueError("the query has no WHERE group to bind parameters in")
    body = text[position:]
    if inline:
        body = _inline(body, {name: term for name, term in pairs if isinstance(term, ox.NamedNode)})
    return text[:position] + block + body


def _inline(body: str, terms: dict) -> str:
    """``body`` (from just inside the WHERE group) with ``terms``' variables replaced by them
    up to the group's end, subqueries left whole (their projection and grouping name the
    variable: a constant cannot stand there)."""
    if not terms:
        return body
    parts: list[str] = []
    depth, previous, subquery = 1, "", 0  # subquery: the depth of the group holding one
    last = 0
    for match in _TOKEN.finditer(body):
        kind, token = match.lastgroup, match.group()
        if kind == "other":
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if subquery and depth < subquery:
                    subquery = 0
                if depth == 0:
                    break
        elif kind == "word" and token.upper() == "SELECT" and not subquery:
            subquery = depth
        elif (kind == "variable" and token[1:] in terms and previous != "AS" and not subquery):
            parts.append(body[last:match.start()])
            parts.append(str(terms[token[1:]]))
            last = match.end()
        if kind != "other" or not token.isspace():
            previous = token.upper() if kind == "word" else token
    parts.append(body[last:])
    return "".join(parts)


def prologue(prefixes: dict[str, str] | None, base_iri: str | None) -> str:
    """The server's ``BASE`` and ``PREFIX`` declarations on one line (no line feed, so the
    store's error positions keep their line numbers); the query's own declarations, coming
    after them, win."""
    parts = [f"BASE <{base_iri}>"] if base_iri else []
    parts += [f"PREFIX {prefix}: <{namespace}>" for prefix, namespace in (prefixes or {}).items()]
    return " ".join(parts) + " " if parts else ""


_LEADING_BASE = re.compile(r"\A(?:\s|#[^\n\r]*)*(BASE\s*<([A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*)>)",
                           re.IGNORECASE)


def leading_base(text: str) -> tuple[str, str | None]:
    """The query's own first declaration, when it is ``BASE <absolute IRI>``: ``text`` with that
    declaration blanked out (spaces, so positions in it stay) and the IRI, to be the prologue's
    ``BASE`` instead of the server's. Virtuoso 7.2 reads one BASE only, before any PREFIX: after
    the server's prologue, a query's own BASE was a syntax error there. Else ``(text, None)``."""
    found = _LEADING_BASE.match(text)
    if found is None:
        return text, None
    start, end = found.span(1)
    return text[:start] + " " * (end - start) + text[end:], found.group(2)


def variables(text: str):
    """``(name, offset of its ? or $)`` of each variable ``text`` names, in order, outside its
    strings, IRIs and comments."""
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "variable":
            yield match.group()[1:], match.start()


def ascii_variables(text: str) -> tuple[str, tuple[tuple[bytes, bytes], ...]]:
    """``text`` with each variable whose name is not ASCII renamed to an ASCII one, and the
    byte replacements that give the original names back in a JSON results answer.

    SPARQL names variables in any script (``?名``, ``?é``); Virtuoso 7.2 refuses every byte past
    ASCII there ("Bad character (0xc3) in SPARQL expression"). A new name holds a random part,
    so no value of the answer is one (the replacement is of the quoted name: a JSON string)."""
    found = list(variables(text))
    names = {name for name, _ in found if not name.isascii()}
    if not names:
        return text, ()
    stem = f"evawkg{secrets.token_hex(4)}v"
    new = {name: f"{stem}{number}" for number, name in enumerate(sorted(names))}
    parts, last = [], 0
    for name, start in found:
        if name in new:
            parts.append(text[last:start + 1] + new[name])
            last = start + 1 + len(name)
    parts.append(text[last:])
    back = tuple((json.dumps(ascii).encode(), json.dumps(name, ensure_ascii=False).encode())
                 for name, ascii in new.items())
    return "".join(parts), back


__all__ = ["where_group", "values_block", "bind", "prologue", "leading_base", "variables",
           "ascii_variables"]
