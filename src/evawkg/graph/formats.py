"""RDF serialisation formats: names, file extensions and media types, in one table.

Every reader and writer in the project (CLI, store, HTTP) asks this module which format a
file name, a media type or a ``--format`` name means, so the answer is the same everywhere.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from ..errors import UnknownFormat


@dataclass(frozen=True)
class RdfFormat:
    """One RDF syntax, named as users, files, HTTP and both libraries name it."""

    name: str
    media_types: tuple[str, ...]
    extensions: tuple[str, ...]
    rdflib_name: str
    oxigraph: pyoxigraph.RdfFormat
    is_dataset: bool = False

    @property
    def media_type(self) -> str:
        return self.media_types[0]


RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", ("text/turtle", "application/x-turtle"), ("ttl",), "turtle",
              pyoxigraph.RdfFormat.TURTLE),
    RdfFormat("ntriples", ("application/n-triples", "text/plain"), ("nt",), "nt",
              pyoxigraph.RdfFormat.N_TRIPLES),
    RdfFormat("json-ld", ("application/ld+json", "application/json"), ("jsonld", "json"),
              "json-ld", pyoxigraph.RdfFormat.JSON_LD, is_dataset=True),
    RdfFormat("rdfxml", ("application/rdf+xml", "application/xml", "text/xml"), ("rdf", "owl", "xml"),
              "xml", pyoxigraph.RdfFormat.RDF_XML),
    RdfFormat("trig", ("application/trig",), ("trig",), "trig", pyoxigraph.RdfFormat.TRIG,
              is_dataset=True),
    RdfFormat("nquads", ("application/n-quads",), ("nq",), "nquads", pyoxigraph.RdfFormat.N_QUADS,
              is_dataset=True),
)

_ALIASES = {"ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "jsonld": "json-ld",
            "xml": "rdfxml", "rdf/xml": "rdfxml", "rdf": "rdfxml", "nq": "nquads",
            "n-quads": "nquads"}


def without_byte_order_mark(data: bytes) -> bytes:
    """``data`` without the UTF-8 byte-order mark some editors write before the text: no part
    of any RDF document (pyoxigraph would read it as the first term, JSON as an error), and
    skipped by Jena, rdflib and browsers alike."""
    return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data


def skip_byte_order_mark(stream) -> None:
    """Read past a UTF-8 byte-order mark at the start of a buffered binary ``stream``
    (``peek``: an open file, a ``GzipFile``), as :func:`without_byte_order_mark` drops it."""
    if stream.peek(len(codecs.BOM_UTF8)).startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))


def format_by_name(name: str) -> RdfFormat:
    """The format called ``name`` (``turtle``, ``ttl``, ``json-ld``, ``rdfxml``…)."""
    key = _ALIASES.get(name.lower(), name.lower())
    for fmt in RDF_FORMATS:
        if fmt.name == key:
            return fmt
    raise UnknownFormat(f"unknown RDF format {name!r}; use one of: "
                        + ", ".join(f.name for f in RDF_FORMATS))


def format_for_path(path: str | Path) -> RdfFormat:
    """The format a file's extension names (``.gz`` is looked through)."""
    suffixes = [s.lstrip(".").lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == "gz":
        suffixes.pop()
    extension = suffixes[-1] if suffixes else ""
    for fmt in RDF_FORMATS:
        if extension in fmt.extensions:
            return fmt
    raise UnknownFormat(f"cannot tell the RDF format of {str(path)!r} from its extension; "
                        "name it with --input-format (turtle, ntriples, json-ld, rdfxml, trig, nquads)")


def format_for_media_type(media_type: str) -> RdfFormat:
    """The format a ``Content-Type`` names (parameters such as ``charset`` are ignored)."""
    essence = media_type.split(";", 1)[0].strip().lower()
    for fmt in RDF_FORMATS:
        if essence in fmt.media_types:
            return fmt
    raise UnknownFormat(f"unsupported media type {essence!r}; send one of: "
                        + ", ".join(f.media_type for f in RDF_FORMATS))
