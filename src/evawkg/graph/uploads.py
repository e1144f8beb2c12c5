"""Reading RDF from an untrusted source (an HTTP upload, a file someone sent) without being hurt.

Every Python RDF parser, unless told otherwise, fetches remote JSON-LD contexts and expands XML
entities. Here untrusted bytes are only ever parsed by pyoxigraph, which has no document loader
(a remote ``@context`` is a syntax error) and resolves no external XML entity, and a few cheap
checks run first for what pyoxigraph does *not* refuse:

* the bytes must be UTF-8 (the message names the line and column of the first bad byte);
* RDF/XML is read once by expat (which never loads an external entity or DTD) to refuse
  ``SYSTEM``/``PUBLIC`` entities and parameter entities, to stop entity expansion past a few
  megabytes (a "billion laughs" would otherwise keep pyoxigraph busy for minutes) and to stop
  element nesting past :data:`MAX_XML_DEPTH` (pyoxigraph's time grows with the square of depth);
* JSON-LD must nest no deeper than :data:`MAX_JSON_DEPTH` (pyoxigraph's JSON-LD expansion
  grows with the square of depth), may hold no integer longer than Python converts (4,300
  digits by default: JSON-LD makes such a number an ``xsd:double`` anyway, so it is refused
  with a message saying to write it as a typed string), and its ``@context`` may only name the
  project's own context (``{BASE}context.jsonld`` or a versioned one), which is put inline from
  the bundle: nothing is fetched, any other remote context is refused with a message saying so.

Formats: https://www.w3.org/TR/rdf-syntax-grammar/, https://www.w3.org/TR/json-ld11/.
"""

from __future__ import annotations

import json
import re
import sys
import xml.parsers.expat
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import UnparsableInput
from .formats import format_by_name, without_byte_order_mark
from .public_base import PublicBase
from ..namespaces import BASE

#: Deepest JSON nesting accepted; real JSON-LD documents nest a handful of levels.
MAX_JSON_DEPTH = 64
#: Deepest XML element nesting accepted; real RDF/XML nests a handful of levels.
MAX_XML_DEPTH = 256
#: Most characters entity expansion may add to an RDF/XML document.
MAX_ENTITY_EXPANSION = 4 * 1024 * 1024

#: The project's own JSON-LD contexts, the only ones a document may name.
_ENTITY_REFERENCE = re.compile(r"&([A-Za-z_][\w.\-]*);")
_OWN_CONTEXT = r"context(?:/v[0-9A-Za-z.\-]+)?\.jsonld"  # after the canonical or public base
#: A JSON string (skipped whole) or a number: its integer part and what follows it.
_JSON_STRING_OR_NUMBER = re.compile(r'"(?:[^"\\]|\\.)*"|-?(?P<integer>\d+)'
                                    r"(?P<rest>(?:\.\d+)?(?:[eE][-+]?\d+)?)")


@dataclass(frozen=True)
class Upload:
    """Serialised RDF from somewhere we do not trust, and how to read it."""

    data: bytes
    format: str  # a format name of :mod:`evawkg.graph.formats` (``turtle``, ``json-ld``…)
    source: str = "upload"  # what error messages call it: a file name, "the request body"
    base_iri: str | None = None
    #: The server's canonical and public bases: IRIs under the public one are read as the
    #: canonical IRIs they publish (a page's Turtle validates against the served graph), and
    #: the context at the public base is the project's own.
    iris: PublicBase | None = None
    #: prefix declarations read before ``data``, on its first line (a bundled data file is read
    #: with data/prefixes.ttl's: :mod:`evawkg.graph.shared_prefixes`); Turtle only
    prefix_header: str = ""

    def __post_init__(self) -> None:
        # An editor's byte-order mark is no part of the document: every reader of ``data``
        # (the checks, the parser, the line finder) reads the text after it.
        object.__setattr__(self, "data", without_byte_order_mark(self.data))

    def stored(self, quads: list) -> list:
        """``quads`` parsed from this upload with their IRIs as the graph stores them."""
        if self.iris is None or self.iris.identity:
            return quads
        return [ox.Quad(*(self.iris.term_in(t) for t in (q.subject, q.predicate, q.object,
                                                           q.graph_name))) for q in quads]


def checked(upload: Upload):
    """The format of ``upload`` and its data, ready for pyoxigraph's parser once the checks above
    pass (the project's own JSON-LD context put inline); raises as
    :func:`evawkg.graph.store.read_upload` does."""
    fmt = format_by_name(upload.format)
    return fmt, checked_data(upload)


def checked_data(upload: Upload) -> bytes | str:
    """What of ``upload`` may be handed to pyoxigraph once the checks above passed (JSON-LD
    with the project's context put inline); raises like :func:`evawkg.graph.store.read_upload`.
    Writes use it to read request bodies as quads."""
    fmt = format_by_name(upload.format)
    text = _utf8(upload.data, upload.source)
    if fmt.name == "rdfxml":
        _check_xml(upload.data, upload.source)
    elif fmt.name == "json-ld":
        bases = (BASE,) if upload.iris is None else (upload.iris.canonical, upload.iris.public)
        return _inline_own_context(text, upload.source, bases)
    if upload.prefix_header and fmt.name == "turtle":
        return upload.prefix_header.encode() + upload.data
    return upload.data


def _utf8(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise UnparsableInput(
            f"{source}:{line}:{column}: the data is not valid UTF-8 (byte 0x{data[error.start]:02x} "
            f"at offset {error.start}); save it as UTF-8", source=source, line=line,
            column=column) from None


def _refuse(source: str, parser, message: str) -> UnparsableInput:
    line, column = parser.CurrentLineNumber, parser.CurrentColumnNumber + 1
    return UnparsableInput(f"{source}:{line}:{column}: rdfxml refused: {message}", source=source,
                           line=line, column=column)


def _check_xml(data: bytes, source: str) -> None:
    """Read RDF/XML with expat: well-formed, no external entity, bounded expansion and depth."""
    parser = xml.parsers.expat.ParserCreate()
    # Expat resolves no external entity unless a handler says so; refusing parameter entities
    # also keeps it from reading an external DTD subset.
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    state = {"depth": 0, "expanded": 0}
    sizes: dict[str, int] = {}

    def entity(name, is_parameter, value, base, system_id, public_id, notation):
        if is_parameter:
            raise _refuse(source, parser, f"parameter entity %{name}; is not allowed")
        if system_id is not None or public_id is not None:
            raise _refuse(source, parser, f"external entity &{name}; ({system_id or public_id}) "
                          "is not allowed: nothing is ever fetched or read while parsing")
        if value is not None:
            # pyoxigraph expands declared entities whether used or not: size each one now.
            size = len(value) + sum(sizes.get(ref, 0) - len(ref) - 2
                                    for ref in _ENTITY_REFERENCE.findall(value))
            sizes[name] = size
            if size > MAX_ENTITY_EXPANSION:
                raise _refuse(source, parser, f"entity &{name}; expands to {size} characters, "
                              f"more than {MAX_ENTITY_EXPANSION} (a 'billion laughs' document?)")

    def start(name, attributes):
        state["depth"] += 1
        if state["depth"] > MAX_XML_DEPTH:
            raise _refuse(source, parser, f"elements nest deeper than {MAX_XML_DEPTH} levels")

    def end(name):
        state["depth"] -= 1

    def characters(text):
        state["expanded"] += len(text)
        if state["expanded"] > len(data) + MAX_ENTITY_EXPANSION:
            raise _refuse(source, parser, "entity expansion makes the document more than "
                          f"{MAX_ENTITY_EXPANSION // 1024 // 1024} MB larger than it is "
                          "(a 'billion laughs' document?)")

    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.ExternalEntityRefHandler = lambda *args: 0
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        # Expat's own "amplification" guard fires here for entity bombs.
        raise UnparsableInput(f"{source}:{error.lineno}:{error.offset + 1}: rdfxml syntax error: "
                              f"{xml.parsers.expat.errors.messages.get(error.code, error)}",
                              source=source, line=error.lineno, column=error.offset + 1) from None


def _json_depth_position(text: str) -> tuple[int, int] | None:
    """Line and column where ``text`` nests deeper than :data:`MAX_JSON_DEPTH`, or ``None``."""
    depth, in_string, escaped, line, line_start = 0, False, False, 1, 0
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return line, index - line_start + 1
        elif char in "]}":
            depth -= 1
        if char == "\n":
            line, line_start = line + 1, index + 1
    return None


def _inline_own_context(text: str, source: str, bases: tuple[str, ...] = (BASE,)) -> str:
    """The JSON-LD with the project's own context put inline; other remote contexts refused."""
    position = _json_depth_position(text)
    if position is not None:
        line, column = position
        raise UnparsableInput(f"{source}:{line}:{column}: json-ld refused: JSON nests deeper than "
                              f"{MAX_JSON_DEPTH} levels", source=source, line=line, column=column)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnparsableInput(f"{source}:{error.lineno}:{error.colno}: json-ld syntax error: "
                              f"{error.msg}", source=source, line=error.lineno,
                              column=error.colno) from None
    except ValueError:
        # Python refuses to convert integers longer than sys.get_int_max_str_digits() (a guard
        # against quadratic conversion); JSON-LD would make such a number an xsd:double anyway.
        raise _long_number(text, source) from None
    changed = [False]
    own = re.compile("(?:" + "|".join(re.escape(base) for base in bases) + ")" + _OWN_CONTEXT)
    document = _replace_contexts(document, source, changed, own)
    return json.dumps(document) if changed[0] else text


def _long_number(text: str, source: str) -> UnparsableInput:
    """The error for a JSON number longer than Python converts, naming where it starts."""
    limit = sys.get_int_max_str_digits()
    line, column = _long_number_position(text, limit)
    return UnparsableInput(
        f"{source}:{line}:{column}: json-ld refused: a number has more than {limit} digits; "
        'write it as a typed string, {"@value": "123…", "@type": "xsd:integer"} (JSON-LD '
        "makes a number that large an xsd:double)", source=source, line=line, column=column)


def _long_number_position(text: str, limit: int) -> tuple[int, int]:
    """Line and column of the first integer (no fraction, no exponent: those Python reads as
    floats) with more than ``limit`` digits; strings are skipped whole. (1, 1) if none."""
    for match in _JSON_STRING_OR_NUMBER.finditer(text):
        integer = match.group("integer")
        if integer is not None and match.group("rest") == "" and len(integer) > limit:
            start = match.start()
            line = text.count("\n", 0, start) + 1
            return line, start - (text.rfind("\n", 0, start) + 1) + 1
    return 1, 1


def _replace_contexts(value, source: str, changed: list[bool], own: re.Pattern):
    if isinstance(value, list):
        return [_replace_contexts(item, source, changed, own) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "@context":
            result[key] = _context_value(item, source, changed, own)
        else:
            result[key] = _replace_contexts(item, source, changed, own)
    return result


def _context_value(context, source: str, changed: list[bool], own: re.Pattern):
    if isinstance(context, list):
        return [_context_value(item, source, changed, own) for item in context]
    if isinstance(context, str):
        if own.fullmatch(context):
            from ..graph.jsonld import build_context

            changed[0] = True
            return build_context()
        raise UnparsableInput(
            f"{source}: json-ld refused: the remote @context {context!r} is never fetched (no "
            f"network access while parsing); put the context inline or use the project's own, "
            f"{BASE}context.jsonld", source=source)
    if isinstance(context, dict):
        return {key: (_context_value(item, source, changed, own) if key == "@import"
                      else _replace_contexts(item, source, changed, own))
                for key, item in context.items()}
    return context


__all__ = ["Upload", "read_upload", "checked", "checked_data", "MAX_JSON_DEPTH", "MAX_XML_DEPTH",
           "MAX_ENTITY_EXPANSION"]
