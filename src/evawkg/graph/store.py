"""Loading the bundle, or any RDF files, into an embedded pyoxigraph ``Store``.

Two ways files become a dataset:

* :func:`load_dataset` (what ``evawkg serve --data`` serves) keeps a dataset exactly as written:
  the named graphs of a quad format (TriG, N-Quads, JSON-LD) stay those graphs and its default
  graph stays the default graph; a triple format (Turtle, N-Triples, RDF/XML) fills the default
  graph. Each file may instead name one graph its triples (a quad file's default-graph triples)
  go into, as ``oxigraph load --graph`` does.
* :func:`load_bundle` and :func:`load_files` (the tools: ``validate``, ``export``, benchmarks)
  put every file in a named graph, a bundled file in the graph ``bundle.py`` gives it, any other
  in ``{BASE}graph/<file-stem>``, so ``GRAPH`` tells a triple's origin; inferred triples go to
  ``graph/inferred`` (``inference.py``) and queries run with ``use_default_graph_as_union=True``.

Files are streamed to the parser, never read whole into memory; given a ``progress`` reporter
(``graph/progress.py``), a load that takes more than a couple of seconds says how far it is and,
at the end, how many quads it read how fast.

Parsing never touches the network: pyoxigraph fetches no remote JSON-LD ``@context`` (it has no
document loader unless one is given, and we give none) and resolves no external XML entity in
RDF/XML (``<!ENTITY x SYSTEM "…">`` is a syntax error). A file that does not parse raises
:class:`~evawkg.errors.UnparsableInput` naming the file, line and column.

Formats: https://www.w3.org/TR/turtle/, /n-triples/, /n-quads/, /trig/, /json-ld11/,
/rdf-syntax-grammar/; RDF datasets: https://www.w3.org/TR/rdf11-concepts/#section-dataset.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import io
import re
import sys
import xml.parsers.expat
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, XSD

from .bundle import Bundle, default_bundle
from ..errors import UnparsableInput
from .formats import (RdfFormat, format_by_name, format_for_path, skip_byte_order_mark,
                      without_byte_order_mark)
from ..namespaces import GRAPH, PREFIXES
from .progress import Reporter, Task, rate
from .shared_prefixes import header

#: Where progress of long loads goes: a :class:`~evawkg.graph.progress.Reporter` (a status
#: line on a terminal) or any callable taking a line; ``None``: nowhere.
Report = Reporter | Callable[[str], None] | None

#: The name ``load_files`` reads standard input under.
STDIN = "-"

_RDF_LANG_STRING = RDF.langString
_XSD_STRING = str(XSD.string)
_POSITION = re.compile(r"^Parser error (?:at|between) line [^:]*: ")


def load_bundle(bundle: Bundle | None = None, *, infer: bool = True, progress: Report = None,
                leave_out: Iterable[Path | str] = ()) -> ox.Store:
    """A store holding the bundle's ontology and data, each file in its own named graph, and
    (with ``infer``) their OWL 2 RL closure in ``graph/inferred``. Long loads and inference
    tell ``progress`` how far they are. Files named in ``leave_out`` (any path that resolves to
    a bundled file) are not loaded: a curator checking an edited bundled file against the rest
    of the graph must not see its old version beside the new one."""
    bundle = bundle or default_bundle()
    skipped = {Path(path).resolve() for path in leave_out}
    store = ox.Store()
    for source in bundle.sources():
        if source.path.resolve() in skipped:
            continue
        if source.prefixes is not None:
            load_with_prefixes(store, source.path, source.prefixes, graph=source.graph)
        else:
            load_path(store, source.path, format_for_path(source.path), graph=source.graph,
                      progress=progress)
    if infer:
        from .inference import infer as run_inference

        run_inference(store, progress=progress)
    return store


def load_dataset(files: Iterable[tuple[Path | str, str | None]], *,
                 input_format: str | None = None, progress: Report = None) -> ox.Store:
    """A store holding the RDF dataset the given ``(path, graph)`` pairs make, exactly as written.

    A quad file's named graphs are kept; its default-graph triples, and all the triples of a
    triple file, go into ``graph`` (an IRI), or into the default graph when ``graph`` is
    ``None``. The format comes from ``input_format`` or else each file's extension (``.gz`` is
    looked through); every extension is checked before any file is parsed.
    """
    chosen = [(Path(path), format_by_name(input_format) if input_format else _format_of(Path(path)),
               graph) for path, graph in files]
    store = ox.Store()
    for path, fmt, graph in chosen:
        load_path(store, path, fmt, graph=graph, progress=progress)
    return store


def load_files(paths: Iterable[Path | str], *, input_format: str | None = None,
               progress: Report = None) -> ox.Store:
    """A store holding the given files (``-`` is standard input and needs ``input_format``),
    each in a named graph of its own (the tools' view: ``GRAPH`` tells a triple's file).

    Triples of a triple format, and a quad format's default-graph triples, load into
    ``graph/<stem>``; a second file with the same stem gets ``graph/<stem>-2`` and so on, so no
    two files share a graph by accident. A quad format's named graphs are kept.
    """
    used: set[str] = set()
    return load_dataset([(Path(path), _unique_graph(_stem(Path(path)), used)) for path in paths],
                        input_format=input_format, progress=progress)


def read_source(path: Path) -> tuple[bytes, str | None]:
    """The bytes of a file (``.gz`` unpacked) or of ``-``, standard input, and the base IRI its
    relative IRIs resolve against (the file's ``file:`` URI; none for standard input)."""
    name = str(path)
    try:
        if name == STDIN:
            if sys.stdin is None:  # the process was started with its standard input closed
                raise OSError(errno.EBADF, "standard input is closed; pipe the data in")
            return without_byte_order_mark(sys.stdin.buffer.read()), None
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as stream:
                return without_byte_order_mark(stream.read()), path.resolve().as_uri()
        return without_byte_order_mark(path.read_bytes()), path.resolve().as_uri()
    except OSError as error:
        raise UnparsableInput(f"{name}: cannot read the file: {error.strerror or error}",
                              source=name) from error


def load_path(store: ox.Store, path: Path, fmt: RdfFormat, *, graph: str | None,
              progress: Report = None) -> None:
    """Parse one file (or ``-``, standard input) into ``store``; its triples (a quad file's
    default-graph triples) land in ``graph``, the default graph if ``None``.

    A file is streamed to the parser (never held whole in memory), through a counter of the
    bytes read that tells ``progress`` how far a long load is; the last line gives the count
    and rate of quads."""
    if str(path) == STDIN or fmt.name in CHECKED_FORMATS:
        data, base_iri = read_source(path)
        data = _checked(data, fmt, str(path), base_iri)
        load_data(store, data, fmt, source=str(path), graph=graph, base_iri=base_iri)
        return
    task = Task(progress, f"loading {path.name}") if progress is not None else None
    before = len(store) if task is not None else 0
    try:
        with open(path, "rb") as raw:
            size = _file_size(raw)
            unpacked = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix.lower() == ".gz" else raw
            skip_byte_order_mark(unpacked)
            stream = _CountingReader(unpacked, raw, size, task)
            _load(store, stream, fmt, source=str(path), graph=graph, base_iri=path.resolve().as_uri(),
                  document=lambda: read_source(path)[0])
    except (OSError, EOFError) as error:
        raise UnparsableInput(f"{path}: cannot read the file: {getattr(error, 'strerror', None) or error}",
                              source=str(path)) from error
    if task is not None:
        task.finish(f"loaded {path.name}: {rate(len(store) - before, task.elapsed, 'quads')}")


#: Formats whose files pass the upload checks before pyoxigraph reads them: its JSON-LD parser
#: takes time growing with the square of the nesting and crashes (stack overflow) past a few
#: thousand levels; RDF/XML may hold an entity bomb.
CHECKED_FORMATS = ("json-ld", "rdfxml")


def _checked(data: bytes, fmt: RdfFormat, source: str, base_iri: str | None) -> bytes | str:
    if fmt.name not in CHECKED_FORMATS:
        return data
    from .uploads import Upload, checked_data

    return checked_data(Upload(data, fmt.name, source=source, base_iri=base_iri))


def read_upload(upload) -> rdflib.Graph:
    """The triples of ``upload`` (the union of its graphs for quad formats) as an rdflib graph.

    Raises :class:`~evawkg.errors.UnparsableInput` (400) naming line and column when the bytes
    are not UTF-8, do not parse, or are refused by :mod:`evawkg.graph.uploads`' checks, and
    :class:`~evawkg.errors.UnknownFormat` (415) for an unknown format name.
    """
    from .uploads import checked

    fmt, data = checked(upload)
    store = ox.Store()
    load_data(store, data, fmt, source=upload.source, graph=str(GRAPH["upload"]),
              base_iri=upload.base_iri, first_line_offset=len(upload.prefix_header))
    if upload.iris is not None and not upload.iris.identity:
        quads = upload.stored(list(store))
        store = ox.Store()
        store.extend(quads)
    return to_rdflib(store)


def check_parses(path: Path, fmt: RdfFormat) -> None:
    """Parse one file keeping nothing: :class:`UnparsableInput` where :func:`load_path` would
    raise it (``serve`` checks its ``--data`` files so, before any worker starts loading)."""
    if fmt.name in CHECKED_FORMATS:
        data, base_iri = read_source(path)
        load_data(ox.Store(), _checked(data, fmt, str(path), base_iri), fmt, source=str(path),
                  graph=None, base_iri=base_iri)
        return
    try:
        with open(path, "rb") as raw:
            unpacked = gzip.GzipFile(fileobj=raw, mode="rb") if path.suffix.lower() == ".gz" else raw
            skip_byte_order_mark(unpacked)
            for _ in ox.parse(unpacked, fmt.oxigraph, base_iri=path.resolve().as_uri()):
                pass
    except SyntaxError as error:
        raise _unparsable(error, lambda: read_source(path)[0], fmt, str(path), 0) from None
    except MemoryError as error:
        raise _too_long_a_term(error, fmt, str(path)) or error from None
    except (OSError, EOFError) as error:
        raise UnparsableInput(f"{path}: cannot read the file: {getattr(error, 'strerror', None) or error}",
                              source=str(path)) from error


def load_with_prefixes(store: ox.Store, path: Path, prefix_file: Path, *, graph: str | None) -> None:
    """Load a bundled data file (Turtle) read as if it began with the shared prefix declarations
    of ``prefix_file`` (:mod:`evawkg.graph.shared_prefixes`); errors name the file's own line
    and column."""
    load_data(store, with_prefixes(path, prefix_file), format_by_name("turtle"), source=str(path),
              graph=graph, base_iri=path.resolve().as_uri(), first_line_offset=len(header(prefix_file)))


def data_file_graph(path: Path | str, bundle: Bundle | None = None) -> rdflib.Graph:
    """One file of the bundle's ``data/`` as an rdflib graph, read as the loader reads it (with
    the shared prefixes): what a test or a tool inspecting one file needs."""
    bundle = bundle or default_bundle()
    store = ox.Store()
    if bundle.prefix_file.is_file():
        load_with_prefixes(store, Path(path), bundle.prefix_file, graph=None)
    else:
        load_path(store, Path(path), format_for_path(Path(path)), graph=None)
    return to_rdflib(store)


def with_prefixes(path: Path, prefix_file: Path) -> bytes:
    """A data file's bytes behind the shared declarations, on its first line."""
    data, _ = read_source(path)
    return header(prefix_file).encode() + data


def load_data(store: ox.Store, data: bytes | str, fmt: RdfFormat, *, source: str,
              graph: str | None, base_iri: str | None = None, first_line_offset: int = 0) -> None:
    """Parse serialised RDF (a request body, a file's bytes) into ``store``; triples (a quad
    format's default-graph triples) go into ``graph``, the default graph if ``None``.

    The load is one transaction: on a syntax error nothing is added and
    :class:`UnparsableInput` says where (``source:line:column``), the column on line 1 less
    ``first_line_offset`` (characters put before the source's own text)."""
    _load(store, data, fmt, source=source, graph=graph, base_iri=base_iri, document=lambda: data,
          first_line_offset=first_line_offset)


def _load(store: ox.Store, data, fmt: RdfFormat, *, source: str, graph: str | None,
          base_iri: str | None, document: Callable[[], bytes | str], first_line_offset: int = 0) -> None:
    target = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    try:
        if fmt.is_dataset and graph is not None:
            # Quad formats keep their named graphs; only default-graph triples go to ``graph``.
            quads = ox.parse(data, fmt.oxigraph, base_iri=base_iri, rename_blank_nodes=True)
            store.extend([q if not isinstance(q.graph_name, ox.DefaultGraph)
                          else ox.Quad(q.subject, q.predicate, q.object, target) for q in quads])
        else:
            # A quad format's graphs as written (``to_graph`` only places a triple format's).
            store.load(data, fmt.oxigraph, base_iri=base_iri, to_graph=target)
    except SyntaxError as error:
        raise _unparsable(error, document, fmt, source, first_line_offset) from None
    except MemoryError as error:
        raise _too_long_a_term(error, fmt, source) or error from None


def _file_size(raw) -> int:
    try:
        return max(1, raw.seek(0, io.SEEK_END))
    finally:
        raw.seek(0)


class _CountingReader(io.RawIOBase):
    """A file as the parser reads it, telling a :class:`Task` the share read so far (of the
    file on disk: a ``.gz`` file's compressed bytes)."""

    _EVERY = 1 << 20

    def __init__(self, stream, raw, size: int, task: Task | None) -> None:
        super().__init__()
        self._stream, self._raw, self._size, self._task = stream, raw, size, task
        self._read = self._next = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._stream.readinto(buffer)
        self._count(count)
        return count

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._count(len(data))
        return data

    def _count(self, count: int | None) -> None:
        self._read += count or 0
        if self._task is None or self._read < self._next:
            return
        self._next = self._read + self._EVERY
        done = self._raw.tell()
        elapsed = max(self._task.elapsed, 1e-9)
        self._task.update(f"{done / 1e6:,.0f} of {self._size / 1e6:,.0f} MB ({100 * done / self._size:.0f}%), "
                          f"{done / 1e6 / elapsed:,.1f} MB/s")


def _too_long_a_term(error: MemoryError, fmt: RdfFormat, source: str) -> UnparsableInput | None:
    """pyoxigraph's parsers hold one token (a literal, an IRI, a line of N-Triples) in a buffer of
    fixed size and raise ``MemoryError`` past it: the input's fault, not the machine's."""
    if "buffer maximal size" not in str(error):
        return None
    return UnparsableInput(f"{source}: {fmt.name} refused: a term (a literal or an IRI) is longer "
                           f"than the parser reads ({error}); split it or link to it", source=source)


def _unparsable(error: SyntaxError, document: Callable[[], bytes | str], fmt: RdfFormat,
                source: str, first_line_offset: int = 0) -> UnparsableInput:
    message = str(error.args[0]) if error.args else str(error)
    line, column = error.lineno, error.offset
    if line == 1 and column is not None:
        column = max(1, column - first_line_offset)
    if line is None and fmt.name == "rdfxml":
        # pyoxigraph's RDF/XML errors carry no position; expat finds well-formedness errors'.
        line, column = _xml_position(document())
    message = _POSITION.sub("", message)
    if "LoadDocumentCallback" in message:
        message = ("the JSON-LD refers to a remote @context, which is never fetched "
                   "(no network access while parsing); inline the context in the document")
    where = source if line is None else f"{source}:{line}:{column}"
    return UnparsableInput(f"{where}: {fmt.name} syntax error: {message}", source=source,
                           line=line, column=column)


def _xml_position(data: bytes | str) -> tuple[int | None, int | None]:
    parser = xml.parsers.expat.ParserCreate()
    # Expat resolves no external entity unless a handler is set; none is.
    try:
        parser.Parse(data.encode() if isinstance(data, str) else data, True)
    except xml.parsers.expat.ExpatError as error:
        return error.lineno, error.offset + 1
    return None, None


def _format_of(path: Path) -> RdfFormat:
    if str(path) == STDIN:
        from ..errors import UnknownFormat

        raise UnknownFormat("standard input has no file extension; name its format with "
                            "--input-format (turtle, ntriples, json-ld, rdfxml, trig, nquads)")
    return format_for_path(path)


def _stem(path: Path) -> str:
    if str(path) == STDIN:
        return "stdin"
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem) or "file"


def _unique_graph(stem: str, used: set[str]) -> str:
    candidate, number = stem, 1
    while candidate in used:
        number += 1
        candidate = f"{stem}-{number}"
    used.add(candidate)
    return str(GRAPH[candidate])


def data_version(paths: Iterable[Path]) -> str:
    """A short hash of the given source files' names and bytes: changes whenever a source does."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def bundle_version(bundle: Bundle | None = None) -> str:
    """The data version of the bundle: a hash of its ontology and data files."""
    bundle = bundle or default_bundle()
    return data_version(bundle.version_files())


def to_rdflib(store: ox.Store, graphs: Iterable[str | ox.NamedNode] | None = None) -> rdflib.Graph:
    """The union of ``graphs`` (all graphs, default graph included, if ``None``) as an rdflib
    in-memory ``Graph`` (what pySHACL and owlrl need).

    Blank nodes keep pyoxigraph's ids, so triples converted in separate calls still share them.
    """
    result = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        result.bind(prefix, namespace)
    cache: dict[object, rdflib.term.Node] = {}

    def convert(term):
        node = cache.get(term)
        if node is None:
            node = cache[term] = _rdflib_term(term)
        return node

    if graphs is None:
        patterns: list[ox.NamedNode | None] = [None]
    else:
        patterns = [g if isinstance(g, ox.NamedNode) else ox.NamedNode(str(g)) for g in graphs]
    for graph in patterns:
        result.addN((convert(q.subject), convert(q.predicate), convert(q.object), result)
                    for q in store.quads_for_pattern(None, None, None, graph))
    return result


def _rdflib_term(term) -> rdflib.term.Node:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            # RDF 1.1: a simple literal is an xsd:string; rdflib keeps them apart, so drop it.
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to rdflib (RDF-star triple terms are not used here)")


def from_rdflib(graph: rdflib.Graph, store: ox.Store, *, graph_name: str) -> None:
    """Add an rdflib graph's triples to ``store`` in ``graph_name`` (tests and tools)."""
    target = ox.NamedNode(graph_name)
    cache: dict[rdflib.term.Node, object] = {}

    def convert(node):
        term = cache.get(node)
        if term is None:
            term = cache[node] = _oxigraph_term(node)
        return term

    store.extend([ox.Quad(convert(s), convert(p), convert(o), target) for s, p, o in graph])


def _oxigraph_term(node: rdflib.term.Node):
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"cannot convert {node!r} to pyoxigraph")


def count_triples(store: ox.Store, graph: str | None = None) -> int:
    """How many quads ``store`` holds (in ``graph`` if named), its default graph included."""
    if not graph:
        return len(store)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


__all__ = ["STDIN", "load_bundle", "load_dataset", "load_files", "load_path", "load_data",
           "to_rdflib", "from_rdflib", "data_version", "bundle_version", "count_triples"]
