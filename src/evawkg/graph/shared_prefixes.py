"""The data folder's prefixes, declared once: ``data/prefixes.ttl``.

Every curated data file used to open with the same ~50 ``@prefix`` lines, copied from file to
file and drifting. Now ``data/prefixes.ttl`` declares them (it is plain Turtle holding no
triple, so an editor or ``riot`` reads it), and the loader reads each data file as if it began
with those declarations: a file holds only its triples. A file may still declare a prefix of its
own; Turtle lets a later declaration win, so it does for that file only.

The declarations are prepended on the file's first line, not before it, so a syntax error's line
number is the file's own; on line 1 the column is moved back by the header's length.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from .bundle import PREFIX_FILE, default_bundle



def header(prefix_file: Path, *, with_base: bool = True) -> str:
    """The declarations of ``prefix_file`` as one line of Turtle (no newline, no comment, so
    the file it is put before keeps its line numbers); ``with_base=False`` leaves the ``@base``
    out (a file from elsewhere resolves its relative IRIs against its own address)."""
    return _header(prefix_file.resolve(), prefix_file.stat().st_mtime_ns, with_base)


def predeclared(bundle=None) -> str:
    """The shared prefixes, without the base, as :func:`header` words them, for Turtle that a
    validator reads (``evawkg validate FILE``, ``/validate``): a record written with
    ``evawkg new-record`` holds no declarations and is checked before it is put in ``data/``.
    A file's own declarations still win. Empty when the bundle has no prefix file."""
    prefix_file = (bundle or default_bundle()).prefix_file
    return header(prefix_file, with_base=False) if prefix_file.is_file() else ""


@lru_cache(maxsize=8)
def _header(path: Path, _modified: int, with_base: bool) -> str:
    parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    if next(iter(parser), None) is not None:
        from ..errors import UnparsableInput

        raise UnparsableInput(f"{path}: holds triples; it may only declare prefixes (and a base)",
                              source=str(path))
    declared = [f"@prefix {name}: <{iri}> ." for name, iri in parser.prefixes.items()]
    if with_base and parser.base_iri:
        declared.append(f"@base <{parser.base_iri}> .")
    return " ".join(declared) + " "


def declared(prefix_file: Path) -> dict[str, str]:
    """The shared prefixes, name to namespace IRI."""
    parser = ox.parse(path=str(prefix_file), format=ox.RdfFormat.TURTLE)
    list(parser)
    return dict(parser.prefixes)


def conflicts(path: Path, prefix_file: Path) -> list[str]:
    """Where the data file ``path`` gives a shared prefix another namespace: legal Turtle, but
    the same ``org:`` then means two things in two files, which a curator never wants."""
    shared = declared(prefix_file)
    parser = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, lenient=True)
    try:
        list(parser)
    except SyntaxError:
        pass  # the load reports it, with its line; only declarations matter here
    return [f"{path.name}: @prefix {name}: <{iri}> gives the shared prefix another namespace "
            f"(data/{PREFIX_FILE} says <{shared[name]}>); rename the file's prefix"
            for name, iri in parser.prefixes.items() if name in shared and shared[name] != iri]


__all__ = ["PREFIX_FILE", "header", "predeclared", "declared", "conflicts"]
