"""A SPARQL parser's refusal in words a person can act on.

pyoxigraph (embedded, and Oxigraph server behind the gateway) reports where its grammar stopped
and every token it would have taken there, character classes included: an undeclared prefix
reads "expected one of Prefix not found, ['%'], ['-' | '0' ..= '9' | '\\u{00B7}' …" for 400
characters of Unicode ranges. :func:`explain` keeps what helps: the tokens, with the classes said
as "a name" or "a digit"; the text just before the position; and, for an undeclared prefix, which
prefix and how to declare it (the server declares some itself).
"""

from __future__ import annotations

import re

#: One entry of the parser's "expected one of" list: a quoted token, a character class in
#: brackets (whose quoted characters may be brackets; a store's message may be cut inside one),
#: or a bare word or phrase.
_ENTRY = re.compile(r'"(?:[^"\\]|\\.)*"|\[(?:[^\]\']|\'(?:[^\'\\]|\\.)*(?:\'|\Z))*(?:\]|\Z)|[^,\["]+')
_EXPECTED = re.compile(r"expected one of (.*)\Z", re.DOTALL)
_SINGLE_CHARACTER = re.compile(r"^\['((?:[^'\\]|\\.))'\]$")
#: The prefixed name that ends where the parser stopped: ``foo:`` of ``foo:bar``.
_PREFIXED_NAME_BEFORE = re.compile(r"(?<![\w<:?$])([A-Za-z][\w.-]*)?:[\w.\-%\\]*\Z")
_UNDECLARED = "Prefix not found"
#: Most tokens listed: past that the list stops helping.
MOST_TOKENS = 16
#: Most of the server's own prefixes named when a query's prefix is not declared.
MOST_PREFIXES = 12
#: Characters of the text shown before the position.
NEAR_CHARACTERS = 30


def explain(message: str, text: str | None, line: int | None, column: int | None,
            prefixes: dict[str, str]) -> str:
    """``message`` (the parser's words after its position) said for a person: the expected
    tokens without character classes, what the text holds just before ``line``/``column``
    (1-based), and how to declare an undeclared prefix."""
    before = _text_before(text, line, column)
    found = _EXPECTED.search(message)
    if found is None:
        words = message
    else:
        entries = [entry.strip() for entry in _ENTRY.findall(found.group(1)) if entry.strip()]
        if _UNDECLARED in entries:
            prefix = _PREFIXED_NAME_BEFORE.search(before or "")
            return _undeclared(prefix.group(1) or "" if prefix else None, prefixes, before)
        words = message[:found.start()] + "expected " + _listed(entries)
    return f"{words} (after {_quoted(before)})" if before else words


def _listed(entries: list[str]) -> str:
    tokens, kinds = [], []
    for entry in entries:
        if not entry.startswith("["):
            tokens.append(entry)
            continue
        single = _SINGLE_CHARACTER.match(entry)
        if single:
            tokens.append(f'"{single.group(1)}"')
        elif entry == "[_]":  # the grammar's "any character": it says nothing here
            continue
        elif "'A'" in entry or "'a'" in entry:
            kinds.append("a name")
        elif "'0'" in entry:
            kinds.append("a digit")
        else:
            kinds.append("another character")
    shown = list(dict.fromkeys(tokens))
    kinds = list(dict.fromkeys(kinds))
    if len(shown) > MOST_TOKENS:
        listed = ", ".join(shown[:MOST_TOKENS]) + ", …"
        return listed + (" or " + " or ".join(kinds) if kinds else "")
    alternatives = shown + kinds
    if len(alternatives) <= 1:
        return "".join(alternatives) or "something else"
    return ", ".join(alternatives[:-1]) + " or " + alternatives[-1]


def _undeclared(prefix: str | None, prefixes: dict[str, str], before: str | None) -> str:
    names = sorted(prefixes)
    declared = ", ".join(f"{name}:" for name in names[:MOST_PREFIXES])
    more = ""
    if len(names) > MOST_PREFIXES:
        declared += f" and {len(names) - MOST_PREFIXES} more"
        more = " (the query editor at /sparql declares them all)"
    where = f" (after {_quoted(before)})" if before else ""
    known = f"; this server declares {declared} itself{more}" if declared else ""
    if prefix is None:
        return (f"a prefix is not declared{where}: declare it with PREFIX, or write the full IRI "
                f"in <…>{known}")
    return (f'the prefix "{prefix}:" is not declared{where}: add PREFIX {prefix}: <namespace IRI> '
            f"before the query, or write the full IRI in <…>{known}")


def _text_before(text: str | None, line: int | None, column: int | None) -> str | None:
    if not text or not line or not column:
        return None
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    before = lines[line - 1][:column - 1].rstrip("\r")
    return before[-NEAR_CHARACTERS:].lstrip() or None


def _quoted(text: str) -> str:
    return f"“{text}”"


__all__ = ["explain"]
