"""Content negotiation as data: ordered media-type tables per kind of answer, one chooser.

The first entry of a table is what ``*/*`` (or no ``Accept``) gets. werkzeug's ``best_match``
weighs q-values and then specificity (``text/turtle`` beats ``text/*`` beats ``*/*`` at equal
quality). ``?format=`` (a format name or a media type) overrides ``Accept``. When nothing fits,
:class:`~evawkg.errors.NotAcceptable` names what is available. Every negotiated response says
``Vary: Accept``. (RFC 9110 section 12; SPARQL 1.1 Protocol section 2.1.)
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from functools import lru_cache
from typing import Generic, TypeVar

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..errors import NotAcceptable, ParameterError
from ..sparql import GRAPH_FORMATS, RESULT_FORMATS, AnswerFormat

T = TypeVar("T")

#: Distinct Accept headers whose decision each table remembers; longer headers (a client may
#: send anything) are decided afresh each time, so the memory stays bounded.
ACCEPT_CACHE_SIZE = 256
ACCEPT_CACHE_MAX_LENGTH = 512

HTML = "text/html"


class MediaTable(Generic[T]):
    """An ordered table of (media type, value) with the names ``format=`` may use."""

    def __init__(self, what: str, rows: Sequence[tuple[str, T]], names: dict[str, T]):
        self.what = what
        self.rows = tuple(rows)
        self.names = names
        # Clients send the same few Accept headers over and over, and werkzeug's parse and
        # best_match cost ~50 us each time (a tenth of a point lookup's web-side work):
        # remember the decision per header text, a bounded number of them.
        self._best_match = lru_cache(maxsize=ACCEPT_CACHE_SIZE)(self._best_match_uncached)

    @property
    def media_types(self) -> list[str]:
        return [media_type for media_type, _ in self.rows]

    def value_of(self, media_type: str) -> T:
        for candidate, value in self.rows:
            if candidate == media_type:
                return value
        raise KeyError(media_type)

    def choose(self, accept: str | None,
               format_name: str | Sequence[str] | None = None) -> tuple[str, T]:
        """The (media type, value) answering ``accept`` (a header) or ``format_name``: one, or
        the several a query string gave (:func:`format_asked`), which must name one format."""
        names = [format_name] if isinstance(format_name, str) else list(format_name or ())
        names = [name for name in names if name.strip()]
        if names:
            # SPARQLWrapper sends a format twice, by name and by its Accept header
            # (format=json-ld&format=application/ld+json,application/x-json+ld): the names this
            # table does not know are passed over when another is known; two formats it knows
            # were answered by the first, silently, and are refused.
            known = []
            for name in names:
                try:
                    known.append((name, self._named(name)))
                except NotAcceptable:
                    continue
            if not known:
                self._named(names[0])  # the 406 naming it
            first_name, first = known[0]
            others = [name for name, (_, value) in known if value != first[1]]
            if others:
                raise ParameterError(f"format= names more than one format ({first_name[:40]!r} "
                                     f"and {others[0][:40]!r}); give one")
            return first
        best = (self._best_match(accept or "*/*")
                if len(accept or "") <= ACCEPT_CACHE_MAX_LENGTH
                else self._best_match_uncached(accept or "*/*"))
        if best is None:
            charset = "; every answer is UTF-8" if "charset" in (accept or "").lower() else ""
            raise NotAcceptable(f"cannot answer {self.what} as {accept!r}; available media types: "
                                f"{', '.join(self.media_types)}{charset}")
        return best, self.value_of(best)

    def _named(self, format_name: str) -> tuple[str, T]:
        key = format_name.strip().lower()
        if key in self.names:
            value = self.names[key]
            return next(mt for mt, v in self.rows if v == value), value
        if key in self.media_types:
            return key, self.value_of(key)
        raise NotAcceptable(f"format={format_name!r} is not available for {self.what}; use one "
                            f"of: {', '.join(sorted(self.names))} or a media type: "
                            f"{', '.join(self.media_types)}")

    def _best_match_uncached(self, accept: str) -> str | None:
        parsed = parse_accept_header(accept, MIMEAccept)
        if not parsed:
            parsed = parse_accept_header("*/*", MIMEAccept)
        return _without_parameters(parsed).best_match(self.media_types)


def _without_parameters(parsed: MIMEAccept) -> MIMEAccept:
    """``parsed`` with each media range's parameters dropped, its quality kept.

    werkzeug matches a range's parameters exactly, so ``text/turtle;charset=utf-8`` or JSON-LD's
    ``application/ld+json;profile="…#compacted"`` would match none of our bare media types and get
    a 406 naming the very type asked for. Every answer here is UTF-8, and JSON-LD is compacted:
    a parameter may narrow nothing we could serve otherwise (RFC 9110 section 12.5.1 lets a
    server disregard them), except a charset other than UTF-8, which we cannot honour: that range
    is dropped, so it is refused when nothing else fits. A lone ``*`` is read as ``*/*``."""
    kept = []
    for value, quality in parsed:
        media_type, _, parameters = value.partition(";")
        charsets = [parameter.split("=", 1)[1].strip().strip('"').lower()
                    for parameter in parameters.split(";")
                    if parameter.strip().lower().startswith("charset=")]
        if any(charset not in ("utf-8", "utf8") for charset in charsets):
            continue
        media_type = media_type.strip()
        # A lone "*" (older Java and shell clients send it) means any type, as Apache reads it;
        # werkzeug matches it to nothing, so such a client got a 406 for everything.
        kept.append(("*/*" if media_type == "*" else media_type, quality))
    return MIMEAccept(kept)


def format_asked(args) -> list[str] | None:
    """The ``format=`` values of a query string or form (werkzeug's ``MultiDict``), or None:
    :meth:`MediaTable.choose` takes them all, so two formats are refused (400), not the first
    taken silently. Empty ones say nothing (``format=`` alone lets ``Accept`` decide)."""
    return [value for value in args.getlist("format") if value.strip()] or None


def _format_rows(formats: Sequence[AnswerFormat]) -> list[tuple[str, AnswerFormat]]:
    # Every format's preferred media type first, then the aliases: */* picks the first.
    preferred = [(fmt.media_type, fmt) for fmt in formats]
    aliases = [(mt, fmt) for fmt in formats for mt in fmt.media_types[1:]
               if mt not in {row[0] for row in preferred}]
    return preferred + aliases


def _format_names(formats: Sequence[AnswerFormat]) -> dict[str, AnswerFormat]:
    return {name: fmt for fmt in formats for name in (fmt.name, *fmt.aliases)}


#: SELECT and ASK answers: SPARQL JSON, XML, CSV, TSV.
RESULTS = MediaTable("SELECT/ASK results", _format_rows(RESULT_FORMATS), _format_names(RESULT_FORMATS))

#: CONSTRUCT and DESCRIBE answers: Turtle, N-Triples, JSON-LD, RDF/XML, TriG, N-Quads.
GRAPHS = MediaTable("CONSTRUCT/DESCRIBE graphs", _format_rows(GRAPH_FORMATS), _format_names(GRAPH_FORMATS))

#: GET /sparql without a query: the service description as RDF, or the query page.
SERVICE_DESCRIPTION = MediaTable(
    "the service description", _format_rows(GRAPH_FORMATS) + [(HTML, None)],
    {**_format_names(GRAPH_FORMATS), "html": None})

#: Error bodies: text for SPARQL clients and scripts, JSON for API clients, HTML for browsers.
ERRORS = MediaTable("errors", [("text/plain", "text"), ("application/json", "json"),
                               (HTML, "html")], {"text": "text", "json": "json", "html": "html"})


@lru_cache(maxsize=ACCEPT_CACHE_SIZE)
def _accepts_gzip(header: str) -> bool:
    return bool(parse_accept_header(header)["gzip"])


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header accepts gzip (werkzeug's reading, remembered per
    header text like the media-type decisions: clients repeat the same header)."""
    header = header or ""
    if len(header) > ACCEPT_CACHE_MAX_LENGTH:
        return bool(parse_accept_header(header)["gzip"])
    return _accepts_gzip(header)


def remember_compressed(response, payload: bytes, memo: dict[int, bytes]) -> None:
    """Let :func:`gzipped` keep ``payload`` compressed in ``memo`` (an answer's, which the
    answer cache keeps): a repeated answer is then compressed once, not on every request."""
    response.compressed_memo = (payload, memo)


def gzipped(response, data: bytes, level: int) -> bytes:
    """``data``, the response's body, gzip-compressed at ``level``: from the memo that
    :func:`remember_compressed` left on the response while the body is still those bytes, else
    compressed now (and kept in that memo)."""
    payload, memo = getattr(response, "compressed_memo", (None, None))
    if memo is None or len(payload) != len(data) or payload != data:
        return gzip.compress(data, compresslevel=level, mtime=0)
    found = memo.get(level)
    if found is None:
        found = memo[level] = gzip.compress(data, compresslevel=level, mtime=0)
    return found


def add_vary(response, name: str) -> None:
    """``name`` added to the response's ``Vary`` once (header names are case-insensitive), as
    ``response.vary.add`` does without parsing the header into a set and writing it back."""
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
    elif name.lower() not in {part.strip().lower() for part in current.split(",")}:
        response.headers["Vary"] = f"{current}, {name}"


def table_for(kind: str) -> MediaTable:
    """The table of a query's kind of answer (``results`` or ``graph``)."""
    return GRAPHS if kind == "graph" else RESULTS


__all__ = ["accepts_gzip", "add_vary", "format_asked", "MediaTable", "RESULTS", "GRAPHS", "SERVICE_DESCRIPTION", "ERRORS", "HTML", "table_for"]
