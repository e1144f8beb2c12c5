"""Reading the text of a SHACL-SPARQL query (https://www.w3.org/TR/shacl/#sparql-constraints):
its prefixes, the constructs SHACL forbids there, ``$PATH``, which variables it pre-binds, and
whether it may run once for all focus nodes instead of once per focus node.

Pre-binding (https://www.w3.org/TR/shacl/#pre-binding) fixes ``$this`` (and ``$value``,
``$currentShape``, parameters) *before* the query is evaluated, everywhere in it. pyoxigraph's
``substitutions`` do exactly that, one query per focus node (about 40 µs each). A query whose
``$this`` appears in a triple pattern of its outermost group, and elsewhere only in that group's
expressions or in ``EXISTS`` patterns, gives the same rows when run once with ``$this`` free and
the rows kept for the focus nodes: :attr:`QueryText.batchable` says so, and the engine then runs it
once (the difference between 25,000 queries and one on a million triples).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\u00B7\-.:%]*|[0-9][\w.]*|:[\w\-.]*)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}
_UNBATCHABLE = {"GROUP", "HAVING", "LIMIT", "OFFSET", "GRAPH", "OPTIONAL", "UNION", "FROM"}


class QueryTextError(ValueError):
    """A SHACL-SPARQL query using what SHACL forbids (MINUS, VALUES, SERVICE…)."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str

    def keyword(self) -> str | None:
        return self.text.upper() if self.kind == "word" and ":" not in self.text else None

    def variable(self) -> str | None:
        return self.text[1:] if self.kind == "var" else None


def tokens(text: str) -> list[Token]:
    return [Token(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)]


def _code(all_tokens: list[Token]) -> list[Token]:
    return [t for t in all_tokens if t.kind not in ("comment", "space")]


def mentions(text: str, name: str) -> bool:
    """Whether ``$name`` or ``?name`` occurs in the query (outside strings and comments)."""
    return any(t.variable() == name for t in tokens(text))


def replace_path(text: str, path_sparql: str) -> str:
    """``$PATH`` replaced by the shape's path (SHACL-SPARQL's one textual substitution)."""
    return "".join(path_sparql if t.variable() == "PATH" else t.text for t in tokens(text))


def check(text: str, prebound: set[str]) -> None:
    """Refuse what SHACL forbids in SPARQL-based constraints and validators: ``MINUS``,
    ``VALUES``, ``SERVICE``, rebinding a pre-bound variable with ``AS``, and a subquery that does
    not project ``$this`` (https://www.w3.org/TR/shacl/#pre-binding-limitations)."""
    code = _code(tokens(text))
    selects = 0
    for index, token in enumerate(code):
        keyword = token.keyword()
        if keyword in ("MINUS", "VALUES", "SERVICE"):
            raise QueryTextError(f"it uses {keyword}, which SHACL does not allow in a SPARQL-based "
                                 "constraint (pre-bound variables would not reach it)")
        if keyword == "AS" and index + 1 < len(code) and code[index + 1].variable() in prebound:
            raise QueryTextError(f"it rebinds the pre-bound variable ${code[index + 1].variable()} "
                                 "with AS, which SHACL does not allow")
        if keyword == "SELECT":
            selects += 1
            if selects > 1:
                projected = _projection(code, index)
                if projected is None:
                    raise QueryTextError("a subquery uses SELECT *, which does not pass the "
                                         "pre-bound $this on; list the variables, $this among them")
                if "this" in prebound and "this" not in projected:
                    raise QueryTextError("a subquery does not project $this, so the pre-bound "
                                         "focus node would not reach it; add $this to its SELECT")


def _projection(code: list[Token], select_index: int) -> set[str] | None:
    """The variables a SELECT at ``select_index`` projects (``None`` for ``*``)."""
    names, depth = set(), 0
    for token in code[select_index + 1:]:
        if token.keyword() in ("WHERE",) or (token.text == "{" and depth == 0):
            break
        if token.text == "*" and depth == 0:
            return None
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif token.kind == "var":
            names.add(token.text[1:])
    return names


def project(text: str, names: list[str]) -> str:
    """The query with ``names`` added to its (outermost) SELECT projection when missing:
    pyoxigraph substitutes only projected variables."""
    all_tokens = tokens(text)
    code_positions = [i for i, t in enumerate(all_tokens) if t.kind not in ("comment", "space")]
    for position, index in enumerate(code_positions):
        if all_tokens[index].keyword() == "SELECT":
            code = [all_tokens[i] for i in code_positions]
            projected = _projection(code, position)
            if projected is None:
                return text
            missing = [n for n in names if n not in projected]
            if not missing:
                return text
            insert_at = index + 1
            following = code_positions[position + 1] if position + 1 < len(code_positions) else None
            if following is not None and all_tokens[following].keyword() in ("DISTINCT", "REDUCED"):
                insert_at = following + 1
            addition = Token("space", " " + " ".join("?" + n for n in missing) + " ")
            return "".join(t.text for t in all_tokens[:insert_at] + [addition] + all_tokens[insert_at:])
        if all_tokens[index].keyword() in ("ASK", "CONSTRUCT", "DESCRIBE"):
            return text
    return text


def sparql_term(term) -> str | None:
    """``term`` written in SPARQL, or ``None`` for a blank node (which no query text can name)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        escaped = (term.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\r", "\\r"))
        if term.language:
            return f'"{escaped}"@{term.language}'
        return f'"{escaped}"^^<{term.datatype.value}>'
    return None


class Template:
    """A query whose pre-bound variables are replaced by their values in its text: SHACL's
    pre-binding (the value everywhere the variable is, so ``BIND ($this AS ?x)`` and
    ``FILTER bound($this)`` in any nested group see it). A subquery's projection gets
    ``(<value> AS ?this)``, the outermost one keeps ``?this`` and a trailing ``VALUES`` binds it;
    ``GROUP BY``/``ORDER BY`` get ``(<value>)`` and ``bound($this)`` becomes ``(true)``. Blank nodes cannot be written in a query: those are left to pyoxigraph's
    ``substitutions`` (:meth:`render` says which)."""

    def __init__(self, text: str, names: set[str]):
        self.tokens = tokens(text)
        self.names = names
        #: token index -> (variable name, context) for each pre-bound variable occurrence
        self.slots: dict[int, tuple[str, str]] = {}
        #: tokens after a ``BOUND`` that ``true`` replaces, with the variable they test
        self.skipped: dict[int, str] = {}
        #: pre-bound variables the outermost SELECT projects
        self.projected: set[str] = set()
        code = [i for i, t in enumerate(self.tokens) if t.kind not in ("comment", "space")]
        #: the token opening the outermost group pattern (where a VALUES block may go)
        self.where: int | None = None
        region, depth, previous, selects = "body", 0, [], 0
        for position, index in enumerate(code):
            token = self.tokens[index]
            keyword = token.keyword()
            if token.text == "{" and self.where is None:
                self.where = index
            if keyword == "SELECT":
                selects += 1
                region, depth = ("projection" if selects == 1 else "subprojection"), 0
            elif keyword in ("WHERE",) or (token.text == "{"):
                region = "body"
            elif keyword == "BY" and previous and previous[-1] in ("GROUP", "ORDER"):
                region, depth = "ordering", 0
            elif keyword in ("HAVING", "LIMIT", "OFFSET") or token.text == "}":
                region = "body"
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            name = token.variable()
            if name in names:
                if (position >= 2 and self.tokens[code[position - 1]].text == "("
                        and self.tokens[code[position - 2]].keyword() == "BOUND"
                        and position + 1 < len(code) and self.tokens[code[position + 1]].text == ")"):
                    self.slots[code[position - 2]] = (name, "bound")
                    for skipped in range(code[position - 2] + 1, code[position + 1] + 1):
                        self.skipped[skipped] = name
                elif region == "projection" and depth == 0:
                    # The outer projection keeps the variable; a trailing VALUES binds it.
                    self.projected.add(name)
                elif region == "subprojection" and depth == 0:
                    self.slots[index] = (name, "projection")
                elif region == "ordering" and depth == 0:
                    self.slots[index] = (name, "ordering")
                else:
                    self.slots[index] = (name, "expression")
            previous.append(keyword)

    def render(self, values: dict, table: tuple[str, list[str]] | None = None) -> tuple[str, dict]:
        """The query text with ``values`` (name -> term) in place, and the blank-node values left
        for pyoxigraph's substitutions (name -> term). ``table`` (a variable and the SPARQL
        terms it takes) opens the outermost group with a VALUES block."""
        written = {name: sparql_term(term) for name, term in values.items() if name in self.names}
        substitutions = {name: values[name] for name, text in written.items() if text is None}
        parts = []
        for index, token in enumerate(self.tokens):
            if table is not None and index == self.where:
                parts.append("{ VALUES ?" + table[0] + " { " + " ".join(table[1]) + " } ")
                continue
            if index in self.skipped and written.get(self.skipped[index]) is not None:
                continue
            slot = self.slots.get(index)
            text = written.get(slot[0]) if slot is not None else None
            if text is None:
                parts.append(token.text)
            elif slot[1] == "bound":
                parts.append("(true)")
            elif slot[1] == "projection":
                parts.append(f"({text} AS ?{slot[0]})")
            elif slot[1] == "ordering":
                parts.append(f"({text})")
            else:
                parts.append(text)
        trailing = [name for name in sorted(self.projected) if written.get(name) is not None]
        if trailing:
            parts.append("\nVALUES (" + " ".join("?" + n for n in trailing) + ") { ("
                         + " ".join(written[n] for n in trailing) + ") }")
        return "".join(parts), substitutions


def batchable(text: str) -> bool:
    """Whether running the query once with ``$this`` free and keeping each focus node's rows
    equals running it once per focus node with ``$this`` pre-bound (see the module docstring)."""
    code = _code(tokens(text))
    first = next((i for i, t in enumerate(code) if t.keyword() in ("SELECT", "ASK", "CONSTRUCT",
                                                                    "DESCRIBE")), None)
    if first is None or code[first].keyword() != "SELECT":
        return False
    braces, parens, anchored = 0, 0, False
    exists_depths: list[int] = []
    pending_exists = False
    for token in code[first + 1:]:
        keyword = token.keyword()
        if keyword == "SELECT" or keyword in _UNBATCHABLE or keyword in _AGGREGATES:
            return False
        if keyword == "EXISTS":
            pending_exists = True
            continue
        if token.text == "{":
            braces += 1
            if pending_exists:
                exists_depths.append(braces)
                pending_exists = False
            elif braces > 1 and not exists_depths:
                # A nested group is evaluated on its own: a $this inside would be unbound there.
                if _has_this_until_close(code, token):
                    return False
        elif token.text == "}":
            if exists_depths and exists_depths[-1] == braces:
                exists_depths.pop()
            braces -= 1
        elif token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.variable() == "this":
            if exists_depths or braces == 0:
                continue  # in EXISTS (substituted per solution) or the projection / modifiers
            if braces != 1:
                return False
            if parens == 0:
                anchored = True
    return anchored


def _has_this_until_close(code: list[Token], opening: Token) -> bool:
    start = next(i for i, t in enumerate(code) if t is opening)
    depth = 0
    for token in code[start:]:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
            if depth == 0:
                return False
        elif token.variable() == "this":
            return True
    return False


__all__ = ["QueryTextError", "Template", "sparql_term", "tokens", "mentions", "replace_path", "check",
           "project", "batchable"]
