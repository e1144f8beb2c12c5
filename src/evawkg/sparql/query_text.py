"""What a query's text holds where, read without parsing it: its IRIs, its strings and comments,
and the code between them (SPARQL 1.1 Query, section 19.8, https://www.w3.org/TR/sparql11-query/).

Two uses, both in the query process and both linear in the length of the text:

* :func:`rewrite_iris` applies a rule to every IRI written in full (``<…>``, also in ``PREFIX``
  and ``BASE``), so a query may name resources under the server's public base and run against the
  canonical one (:class:`evawkg.graph.public_base.PublicBase`). Strings and comments are left as
  they are: an IRI quoted in a string literal is data, not a name;
* :func:`slash_hint` explains the parse error a slash in a prefixed name causes
  (``id:country/TH`` is ``id:country`` divided by ``TH``) and says how to write it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Where a token may start: a string, an IRI or a comment.
_START = re.compile(r"[\"'<#]")
# Each token is matched where it starts, possessively: no input makes a match backtrack, and the
# scan never returns to a position it passed, so reading a text costs time linear in its length.
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*+>")
_LONG = {"'": re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*+'''", re.DOTALL),
         '"': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*+"""', re.DOTALL)}
_SHORT = {"'": re.compile(r"'(?:[^'\\\n\r]|\\.)*+'"), '"': re.compile(r'"(?:[^"\\\n\r]|\\.)*+"')}
_LINE_END = re.compile(r"[\n\r]")


def tokens(text: str):
    """``(kind, start, end)`` of each string, IRI and comment of ``text``, in order (kind is
    ``string``, ``iri`` or ``comment``). A string left open runs to the end of its line (a long
    one to the end of the text): the parser refuses the query anyway."""
    position = 0
    while True:
        found = _START.search(text, position)
        if found is None:
            return
        start, char = found.start(), found.group()
        if char == "#":
            line_end = _LINE_END.search(text, start)
            end = line_end.start() if line_end else len(text)
            yield "comment", start, end
        elif char == "<":
            match = _IRI.match(text, start)
            if match is None:
                position = start + 1  # a less-than sign
                continue
            end = match.end()
            yield "iri", start, end
        else:
            if text.startswith(char * 3, start):
                match = _LONG[char].match(text, start)
                end = match.end() if match else len(text)
            else:
                match = _SHORT[char].match(text, start)
                if match:
                    end = match.end()
                else:
                    line_end = _LINE_END.search(text, start)
                    end = line_end.start() if line_end else len(text)
            yield "string", start, end
        position = max(end, start + 1)


def rewrite_iris(text: str, rule: Callable[[str], str]) -> str:
    """``text`` with ``rule`` applied to the IRI inside every ``<…>`` token."""
    parts: list[str] = []
    last = 0
    for kind, start, end in tokens(text):
        if kind != "iri":
            continue
        iri = text[start + 1:end - 1]
        mapped = rule(iri)
        if mapped != iri:
            parts.append(text[last:start])
            parts.append(f"<{mapped}>")
            last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def code(text: str) -> str:
    """``text`` with its strings, IRIs and comments blanked (same length, lines kept), so what is
    left is the query's own syntax."""
    parts: list[str] = []
    last = 0
    for _kind, start, end in tokens(text):
        parts.append(text[last:start])
        parts.append(re.sub(r"[^\n\r]", " ", text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


#: A prefixed name run on by a slash and more name: ``id:country/TH``, ``id:activity/a-b``. The
#: part after the slash must not itself start a prefixed name (``evaw:p/evaw:q`` is a path).
_SLASHED = re.compile(r"(?<![\w.\-:/?$])(?P<prefix>[A-Za-z][\w\-.]*)?:(?P<local>[\w\-]+)"
                      r"(?P<rest>(?:/[\w\-]+(?:\.[\w\-]+)*)+)(?![\w\-.]*:)")


def slash_hint(text: str, prefixes: dict[str, str]) -> str | None:
    """How to write the first prefixed name with a slash in ``text``, or ``None`` if there is
    none: ``country:TH`` when a predeclared prefix names that namespace, and always the escaped
    form ``id:country\\/TH``."""
    match = _SLASHED.search(code(text))
    if match is None:
        return None
    prefix, local, rest = match.group("prefix") or "", match.group("local"), match.group("rest")
    written = match.group()
    escaped = f"{prefix}:{local}" + rest.replace("/", "\\/")
    forms = []
    namespace = prefixes.get(prefix)
    if namespace is not None:
        # The longest namespace a predeclared prefix names, as a serialiser would choose.
        full = namespace + local + rest
        best, best_namespace = max(((name, iri) for name, iri in prefixes.items()
                                    if full.startswith(iri)), key=lambda item: len(item[1]))
        if best != prefix:
            forms.append(f"{best}:" + full[len(best_namespace):].replace("/", "\\/"))
    forms.append(escaped)
    return (f'"{written}" is not one name: a prefixed name cannot hold an unescaped "/" (SPARQL '
            f"reads a path or a division there); write {' or '.join(forms)}")


__all__ = ["tokens", "rewrite_iris", "code", "slash_hint"]
