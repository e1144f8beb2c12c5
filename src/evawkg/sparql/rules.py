"""The rules a query passes before it runs, and what it asks for (:func:`prepare_query`).

* SPARQL Update (``INSERT``, ``LOAD``…) is refused: the server is read-only (403).
* ``SERVICE`` is refused unless its endpoint IRI is on the operator's allow-list (403); pyoxigraph
  would otherwise fetch any URL a query names. The check reads the query with a lexer that knows
  SPARQL's strings, IRIs, comments, prefixed names and variables, so ``service`` in a literal, an
  IRI or ``ex:service`` is no call, while ``sErViCe``, ``SERVICE SILENT`` or an endpoint spelled
  with a prefix or a relative IRI is found and resolved.
* ``FROM`` / ``FROM NAMED`` select graphs of the store; pyoxigraph never fetches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from ..errors import ReadOnly, ServiceRefused
from .service import PreparedQuery

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_OPERATIONS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                     "WITH")

# --- Reading a query's structure -------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<var>[?$][\w\u00B7]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<word>[\w:%\\](?:[\w\u00B7\-.:%\\]*[\w\u00B7\-:%\\])?)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LOCAL_ESCAPE = re.compile(r"\\([_~.\-!$&'()*+,;=/?#@%])")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    def is_keyword(self, *names: str) -> bool:
        return self.kind == "word" and ":" not in self.text and self.text.upper() in names


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("comment", "space")]


def _iri_text(token: _Token) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token.text[1:-1])


def prepare_query(text: str, *, allow_service: tuple[str, ...] = (), base_iri: str | None = None,
                  prefixes: dict[str, str] | None = None) -> PreparedQuery:
    """Check ``text`` against the read-only and SERVICE rules and tell its form.

    Raises :class:`ReadOnly` for SPARQL Update and :class:`ServiceRefused` for a ``SERVICE`` whose
    endpoint is not in ``allow_service``. Syntax errors are left to the engine's parser, which
    names their position.
    """
    tokens = _tokens(text)
    base = base_iri
    declared = dict(prefixes or {})
    position = 0
    # Prologue: BASE and PREFIX declarations, needed to resolve SERVICE endpoints.
    while position < len(tokens) and tokens[position].is_keyword("BASE", "PREFIX"):
        if tokens[position].is_keyword("BASE") and _kind_at(tokens, position + 1) == "iri":
            base = urljoin(base or "", _iri_text(tokens[position + 1]))
            position += 2
        elif (_kind_at(tokens, position + 1) == "word" and tokens[position + 1].text.endswith(":")
              and _kind_at(tokens, position + 2) == "iri"):
            iri = _iri_text(tokens[position + 2])
            declared[tokens[position + 1].text[:-1]] = urljoin(base or "", iri) if base else iri
            position += 3
        else:
            break
    form = None
    if position < len(tokens):
        first = tokens[position]
        if first.is_keyword(*UPDATE_OPERATIONS):
            operation = first.text.upper()
            raise ReadOnly(f"SPARQL Update ({operation}) is refused: this endpoint is read-only; "
                           "send a SELECT, ASK, CONSTRUCT or DESCRIBE query")
        if first.is_keyword(*QUERY_FORMS):
            form = first.text.upper()
    services = tuple(_service_endpoints(tokens, base, declared))
    refused = [iri for iri in services if iri not in allow_service]
    if refused:
        allowed = ("; allowed endpoints: " + ", ".join(allow_service)) if allow_service else (
            "; this server allows no SERVICE endpoint")
        raise ServiceRefused(f"SERVICE <{refused[0]}> is refused: queries may only call "
                             f"endpoints on the operator's allow-list{allowed}")
    has_dataset = any(token.is_keyword("FROM") for token in tokens)
    return PreparedQuery(text, form, has_dataset, services)


def _kind_at(tokens: list[_Token], position: int) -> str | None:
    return tokens[position].kind if position < len(tokens) else None


def _service_endpoints(tokens: list[_Token], base: str | None, prefixes: dict[str, str]):
    for position, token in enumerate(tokens):
        if not token.is_keyword("SERVICE"):
            continue
        target = position + 1
        if target < len(tokens) and tokens[target].is_keyword("SILENT"):
            target += 1
        endpoint = tokens[target] if target < len(tokens) else None
        if endpoint is not None and endpoint.kind == "iri":
            iri = _iri_text(endpoint)
            yield urljoin(base, iri) if base else iri
        elif endpoint is not None and endpoint.kind == "word" and ":" in endpoint.text:
            prefix, local = endpoint.text.split(":", 1)
            if prefix not in prefixes:
                raise ServiceRefused(f"SERVICE {endpoint.text} is refused: its prefix "
                                     f"{prefix!r} is not declared")
            yield prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        else:
            shown = endpoint.text if endpoint is not None else "(nothing)"
            raise ServiceRefused(f"SERVICE {shown} is refused: a SERVICE endpoint must be an "
                                 "IRI on the operator's allow-list (a variable cannot be checked)")


__all__ = ["QUERY_FORMS", "UPDATE_OPERATIONS", "prepare_query"]
