"""The ``evawkg`` command: check, validate, query and export the knowledge graph.

This module only translates: arguments become calls into the core modules, and their values
or errors become output and an exit code. The exit-code contract (as pySHACL's):

* ``0``: ok, the data conforms, the query ran;
* ``1``: the data does not conform, a check failed, a query failed while running;
* ``2``: usage error, a bad parameter, input that cannot be read or parsed, a broken bundle;
* ``130``: stopped by Ctrl-C, at any moment (the console script's, :mod:`evawkg.__main__`).

Reports go to stdout, diagnostics to stderr: a user's mistake is one line on stderr, never a
traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import click
import pyoxigraph

from . import __version__
from .graph.bundle import HOME_VARIABLE, Bundle, default_bundle
from .errors import BundleError, ClientError, EvawError, UnparsableInput
from .namespaces import PREFIXES

#: Result formats of ``query`` and the pyoxigraph serialiser of each (``table`` is ours).
RESULT_FORMATS: dict[str, pyoxigraph.QueryResultsFormat | None] = {
    "table": None,
    "csv": pyoxigraph.QueryResultsFormat.CSV,
    "tsv": pyoxigraph.QueryResultsFormat.TSV,
    "json": pyoxigraph.QueryResultsFormat.JSON,
}
#: What ``query`` writes for CONSTRUCT/DESCRIBE answers, by ``--format``.
GRAPH_FORMATS: dict[str, pyoxigraph.RdfFormat] = {
    "table": pyoxigraph.RdfFormat.TURTLE,
    "csv": pyoxigraph.RdfFormat.N_TRIPLES,
    "tsv": pyoxigraph.RdfFormat.N_TRIPLES,
    "json": pyoxigraph.RdfFormat.JSON_LD,
}
TABLE_CELL_WIDTH = 40
#: How ``check`` names the validation engine it ran (``--engine``).
ENGINE_NAMES = {"store": "store engine", "pyshacl": "pySHACL"}


class OneLineUsageError(click.UsageError):
    """A usage error told as the contract says, on one line of stderr (click's own takes four:
    usage, a hint, a blank line, the error), naming the command and where its help is."""

    def __init__(self, error: click.UsageError):
        super().__init__(error.format_message(), error.ctx)

    def show(self, file=None) -> None:
        command = self.ctx.command_path if self.ctx is not None else "evawkg"
        click.echo(f"{command}: {' '.join(self.format_message().split())} "
                   f"(see {command} --help)", err=True)


class EvawGroup(click.Group):
    """A click group mapping the core's errors onto the exit-code contract in one place."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # a bare `evawkg` asks for the help, which is many lines by design
        except click.UsageError as error:
            raise OneLineUsageError(error) from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as error:
            raise OneLineUsageError(error) from None
        except (ClientError, BundleError) as error:
            click.echo(f"evawkg: {describe_error(error)}", err=True)
            ctx.exit(2)
        except EvawError as error:
            click.echo(f"evawkg: {describe_error(error)}", err=True)
            ctx.exit(1)
        except OSError as error:
            # A file or directory the user named, or one in it (a store's lock file), that this
            # user may not read or write or that cannot be made there; a full disk or a failing
            # device under stdout: the user's to fix. A closed pipe (EPIPE) is click's, which
            # ends quietly.
            if error.filename is not None and error.strerror:
                click.echo(f"evawkg: {error.filename}: {error.strerror}", err=True)
            elif error.errno in OUTPUT_FAILURES:
                click.echo(f"evawkg: cannot write: {error.strerror}", err=True)
            else:
                raise
            ctx.exit(2)


#: Errors writing the output (no file name: stdout or an open stream) that are the user's to fix.
OUTPUT_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def describe_error(error: EvawError) -> str:
    """One line for an error; an unparsable input is named ``file:line:column: problem``."""
    message = " ".join(error.message.split())
    if isinstance(error, UnparsableInput) and error.source and not message.startswith(error.source):
        position = ":".join(str(part) for part in (error.source, error.line, error.column)
                            if part is not None)
        return f"{position}: {message}"
    return message


@click.group(cls=EvawGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="evawkg")
@click.option("--home", type=click.Path(exists=True, file_okay=False, path_type=Path),
              envvar="EVAWKG_HOME",
              help="The checkout whose ontology/, data/, shapes/ and queries/ to use "
                   "(default: $EVAWKG_HOME, else this installation's own).")
@click.pass_context
def main(ctx: click.Context, home: Path | None) -> None:
    """The EVAW knowledge graph: check, validate, query and export it.

    Exit codes: 0 ok, 1 does not conform or failed, 2 usage error or unreadable input.
    """
    ctx.obj = Bundle(home) if home is not None else default_bundle()
    if home is not None:
        _home_for_the_command(ctx, ctx.obj)


def _home_for_the_command(ctx: click.Context, bundle: Bundle) -> None:
    """Make ``bundle`` the home every ``default_bundle()`` finds while the command runs: the
    steps that take no bundle (the JSON-LD context of a dump, …) and the processes a command
    starts (the server's workers and query processes inherit the environment). Restored when
    the command ends (the test runner calls commands in its own process)."""
    previous = os.environ.get(HOME_VARIABLE)
    os.environ[HOME_VARIABLE] = str(bundle.root)

    def restore() -> None:
        if previous is None:
            os.environ.pop(HOME_VARIABLE, None)
        else:
            os.environ[HOME_VARIABLE] = previous

    ctx.call_on_close(restore)


# --------------------------------------------------------------------------- check


@main.command()
@click.option("--engine", default="store", show_default=True, type=click.Choice(["store", "pyshacl"]),
              help="Validate with store: SHACL evaluated on the pyoxigraph store; pyshacl: pySHACL "
                   "on an rdflib copy (the reference; much slower).")
@click.option("--sparql-endpoint", envvar="EVAWKG_SPARQL_ENDPOINT", metavar="URL",
              help="Check the content of this remote SPARQL store instead of the bundle: its "
                   "graphs read in pages, then the same steps; named queries run on the store.")
@click.option("--store-auth", envvar="EVAWKG_STORE_AUTH", metavar="USER:PASSWORD",
              help="Credentials for the remote store (USER:PASSWORD or bearer:TOKEN).")
@click.pass_obj
def check(bundle: Bundle, engine: str = "store", sparql_endpoint: str | None = None,
          store_auth: str | None = None) -> None:
    """Check the bundle: parse, infer, lint the ontology, validate the data, run every named query.

    Prints one line per step with counts and timings; exits 1 if any step finds a problem,
    2 if the bundle cannot be loaded. The data is validated as asserted (with the ontology,
    without the inferred graph), by either engine with the same results.
    """
    if sparql_endpoint:
        from .settings import check_store_url

        _check_remote(bundle, check_store_url(sparql_endpoint, "--sparql-endpoint"),
                      store_auth or "")
        return
    from .graph import store as stores
    from .graph.progress import print_progress

    failed = False
    started = time.perf_counter()

    with _step("parse") as step:
        store = stores.load_bundle(bundle, progress=print_progress)
        asserted_graphs = [source.graph for source in bundle.sources()]
        data_graphs = [source.graph for source in bundle.data_sources()]
        ontology_graphs = [source.graph for source in bundle.ontology_sources()]
        asserted = sum(_graph_size(store, graph) for graph in asserted_graphs)
        step.say(f"{len(asserted_graphs)} files, {asserted} triples asserted, "
                 f"{len(store) - asserted} inferred")

    failed |= _check_graph(bundle, store, data_graphs, ontology_graphs,
                           lambda query: query.run(store), engine)
    elapsed = time.perf_counter() - started
    click.echo(f"check {'FAILED' if failed else 'passed'} in {elapsed:.2f} s")
    if failed:
        raise SystemExit(1)


def _check_graph(bundle: Bundle, store: pyoxigraph.Store, data_graphs: list[str],
                 ontology_graphs: list[str], run_query, engine: str = "store") -> bool:
    """``check``'s steps after the graph is read: lint, validate, named queries (each run by
    ``run_query``). True when one of them failed."""
    from .graph import lint, store as stores
    from .shacl import validation
    from .shacl.report import render_text
    from .workbench.named_queries import load_named_queries

    failed = False
    with _step("lint") as step:
        ontology = stores.to_rdflib(store, ontology_graphs)
        data = stores.to_rdflib(store, data_graphs)
        problems = lint.lint_ontology(ontology, data) + _prefix_conflicts(bundle)
        step.say(f"{len(problems)} problem{_s(problems)}", ok=not problems)
        for problem in problems:
            step.detail(str(problem))
        failed |= bool(problems)

    with _step("validate") as step:
        try:
            if engine == "store":
                from .graph.inference import INFERRED_GRAPH
                from .shacl import store_validation

                report = store_validation.validate_dataset(store, bundle=bundle,
                                                           exclude_graphs=[INFERRED_GRAPH])
            else:
                report = validation.validate(data, ontology=ontology, bundle=bundle)
        except BundleError as error:  # the bundle's shapes are missing or do not parse
            step.say(describe_error(error), ok=False)
            failed = True
        else:
            counts = report.counts_by_severity()
            step.say(f"{'conforms' if report.conforms else 'does not conform'}: "
                     + ", ".join(f"{n} {name.lower()}{'s' if n != 1 else ''}"
                                 for name, n in counts.items())
                     + f" ({ENGINE_NAMES[engine]})", ok=report.conforms)
            if not report.conforms:
                step.detail(render_text(report))
            failed |= not report.conforms

    with _step("queries") as step:
        try:
            queries = load_named_queries(bundle.queries_dir)
        except BundleError as error:
            step.say(describe_error(error), ok=False)
            failed = True
        else:
            rows, failures = 0, []
            for query in queries.values():
                try:
                    rows += _count(run_query(query))
                except EvawError as error:
                    failures.append(f"{query.name}: {describe_error(error)}")
            step.say(f"{len(queries)} named quer{'y' if len(queries) == 1 else 'ies'} ran, "
                     f"{rows} rows" + (f", {len(failures)} failed" if failures else ""),
                     ok=not failures and bool(queries))
            for failure in failures:
                step.detail(failure)
            failed |= bool(failures) or not queries
    return failed


def _check_remote(bundle: Bundle, endpoint: str, auth: str) -> None:
    """``check --sparql-endpoint``: the store's served graphs read into memory (in pages), then
    the same lint and validation; the named queries run on the store itself."""
    from .graph.inference import INFERRED_GRAPH
    from .sparql.remote import served_graphs
    from .sparql.remote_store import RemoteStore
    from .sparql.store_client import StoreClient

    started = time.perf_counter()
    client = StoreClient(endpoint, auth=auth)
    try:
        with _step("store") as step:
            graphs = served_graphs(client)
            remote = RemoteStore(client, tuple(graphs), page_rows=5000, timeout=600)
            store = pyoxigraph.Store()
            for graph in graphs:
                store.bulk_extend(remote.graph_quads(graph))
            asserted = sorted(g for g in graphs if g != INFERRED_GRAPH.value)
            step.say(f"{client.kind or 'sparql'} store at {endpoint}: {len(asserted)} graphs, "
                     f"{sum(graphs[g] for g in asserted)} triples asserted, "
                     f"{graphs.get(INFERRED_GRAPH.value, 0)} inferred", ok=bool(asserted))
        ontology_names = {source.graph for source in bundle.ontology_sources()}
        ontology = [g for g in asserted if g in ontology_names]
        data = [g for g in asserted if g not in ontology_names]
        failed = not asserted or _check_graph(bundle, store, data, ontology,
                                              lambda query: query.run(remote))
    finally:
        client.close()
    elapsed = time.perf_counter() - started
    click.echo(f"check {'FAILED' if failed else 'passed'} in {elapsed:.2f} s")
    if failed:
        raise SystemExit(1)


class _step:
    """Times one step of ``check`` and prints its line (name, ok/FAIL, what it found, seconds)
    followed by the details of what went wrong, indented."""

    def __init__(self, name: str):
        self.name = name
        self.line: tuple[str, bool] | None = None
        self.details: list[str] = []

    def say(self, text: str, ok: bool = True) -> None:
        self.line = (text, ok)

    def detail(self, text: str) -> None:
        self.details.append(text)

    def __enter__(self) -> _step:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.line is not None:
            text, ok = self.line
            seconds = time.perf_counter() - self.started
            click.echo(f"{self.name:<9} {'ok' if ok else 'FAIL':<5} {text}  ({seconds:.2f} s)")
        for text in self.details:
            click.echo(_indent(text))


def _graph_size(store: pyoxigraph.Store, graph: str) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(graph)))


def _count(results) -> int:
    if isinstance(results, pyoxigraph.QueryBoolean):
        return 1
    return sum(1 for _ in results)


def _s(items) -> str:
    return "" if len(items) == 1 else "s"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.rstrip("\n").splitlines())


# --------------------------------------------------------------------------- validate


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--input-format", "-i", metavar="FORMAT",
              help="RDF format of the files (turtle, ntriples, json-ld, rdfxml, trig, nquads); "
                   "default: from each file's extension, turtle for stdin.")
@click.option("--format", "-f", "output_format", default="text", show_default=True,
              type=click.Choice(["text", "turtle", "json-ld", "json", "html"]),
              help="text: a readable report; turtle/json-ld: SHACL's report graph; "
                   "json: a summary with every result; html: the page the HTTP service shows.")
@click.option("--shapes", "-s", "shapes_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Validate against the shapes in this file instead of the bundled shapes "
                   "(then any result, warnings too, means the data does not conform, as SHACL says).")
@click.option("--shape", "shape_names", multiple=True, metavar="NAME",
              help="Use only this node shape (ActivityShape, shapes:ActivityShape or its IRI); "
                   "repeatable or comma-separated. Default: every shape.")
@click.option("--inference", default="none", show_default=True,
              type=click.Choice(["none", "rdfs", "owlrl", "both"]),
              help="Inference applied to the data before validating (the store engine adds the "
                   "OWL 2 RL closure for any option but none).")
@click.option("--with-graph", "with_graph", is_flag=True,
              help="Validate FILES as if added to the bundled graph (their references to existing "
                   "resources resolve) and report only results about what FILES describe.")
@click.option("--engine", default="store", show_default=True, type=click.Choice(["store", "pyshacl"]),
              help="store: SHACL evaluated on the pyoxigraph store; pyshacl: pySHACL on an rdflib "
                   "copy (the reference; much slower).")
@click.pass_obj
def validate(bundle: Bundle, files: tuple[Path, ...], input_format: str | None,
             output_format: str, shapes_file: Path | None, shape_names: tuple[str, ...],
             inference: str, with_graph: bool, engine: str) -> None:
    """Validate FILES (or - for stdin; default: the bundled data) against the SHACL shapes.

    Files are read as the HTTP service reads uploads (evawkg.graph.uploads): nothing is fetched and
    no XML entity is expanded. Writes the report to stdout; exits 0 if the data conforms
    (warnings allowed with the bundled shapes), 1 if not, 2 if an input cannot be read or parsed
    (one line on stderr: file:line:column) or a shape cannot be evaluated. With --with-graph, a
    new record is checked together with the bundle (the bundle's own results are not repeated).
    """
    from .graph import store as stores
    from .shacl.rendering import render_report

    shape_iris = tuple(name.strip() for value in shape_names for name in value.split(",")
                       if name.strip()) or None
    if with_graph and not files:
        raise click.UsageError("--with-graph checks FILES against the bundle; name the file(s)")
    options = {"inference": inference, "shape_iris": shape_iris}
    if engine == "store":
        from .shacl import store_validation

        shapes = _shapes_graph(shapes_file) if shapes_file else None
        if with_graph:
            report = store_validation.validate_with_graph(_uploads(files, input_format, bundle),
                                                          _graph_without(bundle, files),
                                                          shapes, bundle=bundle, **options)
        elif files:
            report = store_validation.validate_uploads(_uploads(files, input_format, bundle), shapes,
                                                       bundle=bundle, **options)
        else:
            report = store_validation.validate_dataset(stores.load_bundle(bundle, infer=False),
                                                       shapes, bundle=bundle, **options)
    else:
        from .shacl import validation

        shapes = _shapes_rdflib(shapes_file) if shapes_file else None
        strict = {"allow_warnings": shapes_file is None}
        if with_graph:
            from .shacl.with_graph import validate_with_graph

            report = validate_with_graph(_uploads(files, input_format, bundle), bundle, shapes,
                                         engine="pyshacl", base=_graph_without(bundle, files),
                                         **options)
        elif files:
            report = validation.validate_uploads(_uploads(files, input_format, bundle), shapes,
                                                 bundle=bundle, **options, **strict)
        else:
            data = stores.to_rdflib(stores.load_bundle(bundle, infer=False),
                                    [source.graph for source in bundle.data_sources()])
            report = validation.validate(data, shapes, bundle=bundle, **options, **strict)
    click.echo(render_report(report, output_format), nl=False)
    if not report.conforms:
        raise SystemExit(1)


def _prefix_conflicts(bundle: Bundle) -> list[str]:
    """Data files that give one of data/prefixes.ttl's prefixes another namespace."""
    from .graph.shared_prefixes import conflicts

    if not bundle.prefix_file.is_file():
        return []
    return [problem for source in bundle.data_sources()
            for problem in conflicts(source.path, bundle.prefix_file)]


def _graph_without(bundle: Bundle, files: Iterable[Path]):
    """The bundle's asserted graph less any of ``files`` that is itself a bundled file: checking
    an edited ``data/unfpa.ttl`` against the graph replaces its old version rather than adding
    to it (else each blank node, a period's beginning say, would be there twice)."""
    from .graph import store as stores

    return stores.load_bundle(bundle, infer=False,
                              leave_out=[path for path in files if str(path) != "-"])


def _shapes_graph(path: Path):
    """A shapes file parsed with its literals as written (``"1"^^xsd:boolean`` stays ``"1"``)."""
    from .shacl.loading import load_shapes_upload

    return load_shapes_upload(_shapes_upload(path))


def _shapes_rdflib(path: Path):
    """A shapes file as an rdflib graph, for pySHACL."""
    from .graph import store as stores
    from .shacl.loading import load_uploads

    return stores.to_rdflib(load_uploads([_shapes_upload(path)]).store)


def _shapes_upload(path: Path):
    """A shapes file read as the data files are, through the upload checks: a byte-order mark or
    ``.gz`` is looked through, and an entity bomb or deep nesting is refused before the parser
    spends minutes on it."""
    from .graph import store as stores
    from .graph.formats import format_for_path
    from .graph.uploads import Upload

    data, base_iri = stores.read_source(path)
    return Upload(data, format_for_path(path).name, source=str(path), base_iri=base_iri)


def _uploads(paths: Iterable[Path], input_format: str | None, bundle: Bundle | None = None) -> list:
    """The files' bytes and formats (``-`` is stdin, Turtle unless ``--input-format`` says).
    Turtle is read with the shared prefixes predeclared (data/prefixes.ttl); a file of the
    bundle's ``data/`` with its base too, exactly as the loader reads it."""
    from .graph import store as stores
    from .graph.formats import format_by_name, format_for_path
    from .graph.uploads import Upload

    uploads = []
    for path in paths:
        name = str(path)
        fmt = (format_by_name(input_format) if input_format
               else format_by_name("turtle") if name == stores.STDIN else format_for_path(path))
        data, base_iri = stores.read_source(path)
        shared = _shared_prefixes(bundle, path, fmt.name)
        uploads.append(Upload(data, fmt.name, source=name, base_iri=base_iri, prefix_header=shared))
    return uploads


def _shared_prefixes(bundle: Bundle | None, path: Path, format_name: str) -> str:
    """What Turtle from ``path`` is read with: a file of the bundle's ``data/`` with
    data/prefixes.ttl's declarations and base, as the loader reads it; any other with the shared
    prefixes predeclared (its own declarations win); other formats with nothing."""
    from .graph.shared_prefixes import header, predeclared

    if format_name != "turtle":
        return ""
    if bundle is not None and bundle.is_data_file(path) and bundle.prefix_file.is_file():
        return header(bundle.prefix_file)
    return predeclared(bundle)


# --------------------------------------------------------------------------- new-record


@main.command("new-record")
@click.argument("agency")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the template to this file (it must not exist yet) instead of stdout.")
def new_record_command(agency: str, output: Path | None) -> None:
    """Write the template of a new Inventory record for AGENCY (its slug: who, unhcr, un-women).

    docs/adding-a-record.md says how to fill it in; then check it with
    `evawkg validate FILE --with-graph`. Exits 2 for a bad slug or an existing output file.
    """
    from .graph.record_template import new_record

    text = new_record(agency)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with output.open("x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError:
        raise ClientError(f"{output} exists already; name a new file or delete it first") from None
    except OSError as error:
        raise ClientError(f"{output}: cannot write: {error.strerror or error}") from None
    click.echo(str(output))


# --------------------------------------------------------------------------- query


def _parse_param(ctx, option, values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals or not name:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE", ctx=ctx, param=option)
        params[name.strip()] = text
    return params


@main.command()
@click.argument("query", metavar="NAME|FILE|-", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE", callback=_parse_param,
              help="A value for a parameter of the named query (repeatable).")
@click.option("--format", "-f", "output_format", default="table", show_default=True,
              type=click.Choice(list(RESULT_FORMATS)), help="How to write the results.")
@click.option("--list", "list_only", is_flag=True, help="List the named queries and their parameters.")
@click.pass_obj
def query(bundle: Bundle, query: str | None, params: dict[str, str], output_format: str,
          list_only: bool) -> None:
    """Run a named query (NAME), a SPARQL file (FILE) or SPARQL from stdin (-) on the graph.

    Named queries live in queries/NAME.rq; `evawkg query --list` lists them. A file may carry
    a #+ header with parameters of its own. Exits 1 if the query fails while running, 2 for a
    bad parameter or a query that does not parse.
    """
    from .workbench.named_queries import load_named_queries, run

    if list_only:
        _list_queries(load_named_queries(bundle.queries_dir))
        return
    if query is None:
        raise click.UsageError("name a query (NAME, a .rq FILE or - for stdin), or use --list")
    named, text = _resolve_query(bundle, query)
    if named is None and params:
        raise ClientError("--param needs a named query or a file with a #+ params header; "
                          "this query has no parameters")
    substitutions = named.bind(params) if named is not None else None
    from .graph import store as stores

    def answer() -> str:
        results = run(stores.load_bundle(bundle), named or text, substitutions)
        try:
            return _serialise(results, output_format)
        except (OSError, RuntimeError, ValueError) as error:
            raise EvawError(f"query failed: {error}") from None

    click.echo(_interruptible(answer), nl=False)


def _interruptible(work):
    """``work()`` run in a thread while this one waits for it: pyoxigraph evaluates a query
    without returning to Python (a long one would not hear Ctrl-C until it ended), but it lets
    go of the GIL, so the waiting thread still hears Ctrl-C (see :mod:`evawkg.__main__`)."""
    import gc
    import threading

    outcome: dict = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 -- handed back to the waiting thread
            outcome["error"] = error
        finally:
            # pyoxigraph's results may only be freed by the thread that made them; any caught
            # in a reference cycle are freed here, not by a later collection on another thread.
            gc.collect()

    thread = threading.Thread(target=target, name="evawkg-query", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.2)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _resolve_query(bundle: Bundle, name: str):
    """``(NamedQuery or None, text)`` for a query name, a file path or ``-``."""
    from .workbench.named_queries import has_header, load_named_queries, parse_named_query

    if name == "-" or Path(name).suffix == ".rq" or Path(name).is_file():
        source = "<stdin>" if name == "-" else name
        try:
            if name == "-" and sys.stdin is None:  # started with its standard input closed
                raise OSError(errno.EBADF, "standard input is closed; pipe the query in")
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            # An editor's byte-order mark is no part of the query (SPARQL's parser stops at it).
            text = data.decode("utf-8-sig")
        except OSError as error:
            raise ClientError(f"{source}: cannot read: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise ClientError(f"{source}: the query is not valid UTF-8 (byte 0x{data[error.start]:02x} "
                              f"at offset {error.start}); save it as UTF-8") from None
        if not text.strip():  # as the server refuses an empty query, before any parser
            raise ClientError(f"{source}: the query is empty; give a SELECT, ASK, CONSTRUCT or "
                              "DESCRIBE query")
    else:
        queries = load_named_queries(bundle.queries_dir)
        if name not in queries:
            raise ClientError(f"no named query {name!r}; known: {', '.join(queries) or 'none'} "
                              "(or give a .rq file or - for stdin)")
        return queries[name], queries[name].text
    if has_header(text):
        try:
            return parse_named_query(text, name=Path(source).stem, path=source, ad_hoc=True), text
        except BundleError as error:  # a user's own header: their mistake, not the bundle's
            raise ClientError(error.message) from None
    return None, text


def _list_queries(queries) -> None:
    for query in queries.values():
        click.echo(f"{query.name}: {query.summary}")
        for parameter in query.parameters:
            default = f" (default {parameter.default})" if parameter.default is not None else ""
            click.echo(f"    --param {parameter.name}=<{parameter.type}>{default}  {parameter.description}")


def _serialise(results, output_format: str) -> str:
    if isinstance(results, pyoxigraph.QueryTriples):
        return pyoxigraph.serialize(results, format=GRAPH_FORMATS[output_format],
                                    prefixes=PREFIXES).decode("utf-8")
    if output_format == "table":
        if isinstance(results, pyoxigraph.QueryBoolean):
            return ("true" if bool(results) else "false") + "\n"
        return render_table(results)
    return results.serialize(format=RESULT_FORMATS[output_format]).decode("utf-8")


def render_table(solutions: pyoxigraph.QuerySolutions) -> str:
    """SELECT results as an aligned text table: IRIs as prefixed names, literals as their text."""
    variables = [variable.value for variable in solutions.variables]
    rows = [[_cell(solution[variable]) for variable in variables] for solution in solutions]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(variables)]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths)).rstrip()

    out = [line(variables), line(["-" * width for width in widths])]
    out += [line(row) for row in rows]
    out.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(out) + "\n"


def _cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, pyoxigraph.NamedNode):
        text = shorten(term.value)
    elif isinstance(term, pyoxigraph.Literal):
        # English is the graph's working language; other tags are worth seeing.
        text = term.value + (f"@{term.language}" if term.language and term.language != "en" else "")
    elif isinstance(term, pyoxigraph.BlankNode):
        text = f"_:{term.value}"
    else:
        text = str(term)
    text = " ".join(text.split())
    return text if len(text) <= TABLE_CELL_WIDTH else text[: TABLE_CELL_WIDTH - 1] + "…"


def shorten(iri: str) -> str:
    """``https://evawkg.example.org/id/country/TH`` → ``id:country/TH`` (longest prefix wins)."""
    best = max((item for item in PREFIXES.items() if iri.startswith(item[1])),
               key=lambda item: len(item[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else f"<{iri}>"


# --------------------------------------------------------------------------- export


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Dump this writable store (its base and every commit) instead of the bundle.")
@click.pass_obj
def export(bundle: Bundle, directory: Path | None, store_dir: Path | None) -> None:
    """Write dumps of the whole graph (Turtle, N-Triples gz, JSON-LD; the inferred part
    separate) with checksums to DIRECTORY (default: dumps/). With --store, of a writable
    store as it is now (a server may be running on it)."""
    from .graph import store as stores
    from .graph.progress import print_progress
    from .linked_data.dumps import export_dumps

    target = directory or bundle.root / "dumps"
    if store_dir is not None:
        from .writes.store import open_in_memory, read_info

        graph, head = open_in_memory(store_dir)
        version = f"{read_info(store_dir).seed}-c{head.seq}"
    else:
        graph = stores.load_bundle(bundle, progress=print_progress)
        version = stores.bundle_version(bundle)
    try:
        written = export_dumps(graph, target, version=version)
    except OSError as error:
        raise ClientError(f"{target}: cannot write the dumps: {error.strerror or error}") from None
    for path in written:
        click.echo(str(path))


# --------------------------------------------------------------------------- writes

_STORE_OPTION = click.option(
    "--store", "store_dir", required=True, envvar="EVAWKG_STORE",
    type=click.Path(file_okay=False, path_type=Path),
    help="The writable store's directory (default: $EVAWKG_STORE).")


@main.group()
def token() -> None:
    """Manage the bearer tokens allowed to write (the file the write_tokens setting names)."""


_TOKEN_FILE = click.option(
    "--file", "token_file", required=True, envvar="EVAWKG_WRITE_TOKENS",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The token file (default: $EVAWKG_WRITE_TOKENS).")


@token.command("add")
@click.argument("name")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="A graph the token may write: an IRI, 'default', '*' (any named graph but the "
                   "ontology's and shapes') or a prefix ending in '*'. Repeatable.")
@click.option("--replace", is_flag=True, help="Renew an existing token (its old secret stops working).")
@_TOKEN_FILE
def token_add(name: str, graphs: tuple[str, ...], replace: bool, token_file: Path) -> None:
    """Add token NAME and print its secret, once: only its SHA-256 is stored."""
    from .writes.tokens import add_token

    if not graphs:
        raise click.UsageError("name the graphs the token may write with --graph (repeatable)")
    secret = add_token(token_file, name, graphs, replace=replace)
    click.echo(secret)
    click.echo(f"evawkg: token {name!r} saved in {token_file}; the secret above is shown once "
               "(send it as Authorization: Bearer <secret>)", err=True)


@token.command("list")
@_TOKEN_FILE
def token_list(token_file: Path) -> None:
    """List the tokens and the graphs each may write (never their secrets)."""
    from .writes.tokens import TokenTable

    for entry in TokenTable(str(token_file)).tokens:
        click.echo(f"{entry.name}\t{' '.join(entry.graphs)}")


@token.command("remove")
@click.argument("name")
@_TOKEN_FILE
def token_remove(name: str, token_file: Path) -> None:
    """Remove token NAME (a running server stops accepting it at once)."""
    from .writes.tokens import remove_token

    remove_token(token_file, name)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="The graph the file's triples go into (an IRI, or 'default'). With "
                   "--sparql-endpoint: one for all FILES or one per file (default: "
                   "{BASE}graph/<file stem>). Repeatable.")
@click.option("--store", "store_dir", envvar="EVAWKG_STORE",
              type=click.Path(file_okay=False, path_type=Path),
              help="The writable store's directory (default: $EVAWKG_STORE).")
@click.option("--sparql-endpoint", envvar="EVAWKG_SPARQL_ENDPOINT", metavar="URL",
              help="Load into this remote SPARQL store instead: FILES (default: the bundle), "
                   "each graph replaced, then the closure.")
@click.option("--update-endpoint", envvar="EVAWKG_UPDATE_ENDPOINT", metavar="URL",
              help="The remote store's SPARQL Update endpoint (default: the query endpoint).")
@click.option("--graph-store", envvar="EVAWKG_GRAPH_STORE", metavar="URL",
              help="The remote store's Graph Store Protocol endpoint; without: chunked INSERT DATA.")
@click.option("--store-auth", envvar="EVAWKG_STORE_AUTH", metavar="USER:PASSWORD",
              help="Credentials (USER:PASSWORD, Basic or Digest as the store asks; bearer:TOKEN).")
@click.option("--infer/--no-infer", default=True, show_default=True,
              help="With --sparql-endpoint: recompute the OWL 2 RL closure of everything the "
                   "store serves into graph/inferred.")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="With --sparql-endpoint: seconds each request to the store may take.")
@click.option("--input-format", "-i", metavar="FORMAT",
              help="RDF format of FILE (default: from its extension; turtle for stdin).")
@click.option("--replace", is_flag=True, help="Replace the graph's triples (default: add to them).")
@click.option("--no-validate", "no_validate", is_flag=True,
              help="Skip SHACL validation (the closure is still kept); for bulk loads you have "
                   "validated already.")
@click.option("--as", "author", metavar="NAME", help="Who the change feed names (default: cli:$USER).")
@click.pass_obj
def load(bundle: Bundle, files: tuple[Path, ...], graphs: tuple[str, ...], store_dir: Path | None,
         sparql_endpoint: str | None, update_endpoint: str | None, graph_store: str | None,
         store_auth: str | None, infer: bool, timeout: float, input_format: str | None,
         replace: bool, no_validate: bool, author: str | None) -> None:
    """Load FILE into GRAPH of a writable store (--store), through the same guard as HTTP
    writes; or, with --sparql-endpoint, FILES (default: the bundle) into a remote SPARQL store.

    A running server sees the commit at once. Exits 0 when committed, 1 when the shapes refuse
    it (the report on stdout) or the remote store fails, 2 when the file or the store cannot be
    read."""
    from .settings import check_store_url
    from .sparql import check_graph_iri

    for graph in graphs:
        if graph != "default":
            check_graph_iri(graph, "--graph")
    for option, url in (("--sparql-endpoint", sparql_endpoint),
                        ("--update-endpoint", update_endpoint), ("--graph-store", graph_store)):
        if url:
            check_store_url(url, option)
    if sparql_endpoint:
        _load_remote(bundle, files, sparql_endpoint, update_endpoint, graph_store, store_auth,
                     graphs, infer, timeout)
        return
    if store_dir is None:
        raise click.UsageError("say where to load: --store DIR (a writable store) or "
                               "--sparql-endpoint URL (a remote store)")
    if len(files) != 1 or len(graphs) != 1:
        raise click.UsageError("a writable store takes one FILE and one --graph IRI")
    _load_into_store(bundle, files[0], graphs[0], store_dir, input_format, replace, no_validate,
                     author)


def _load_into_store(bundle: Bundle, file: Path, graph: str, store_dir: Path,
                     input_format: str | None,
                     replace: bool, no_validate: bool, author: str | None) -> None:
    """``load --store``: one file into one graph of a writable store, through the guard. Turtle
    is read with data/prefixes.ttl's prefixes, as ``validate`` reads it."""
    import getpass

    from .graph import store as stores
    from .graph.formats import format_by_name, format_for_path
    from .shacl.rendering import render_report
    from .writes.bodies import read_graph
    from .writes.operations import InsertQuads, ReplaceGraph
    from .writes.tokens import WriteToken
    from .writes.store import read_info
    from .writes.writer import commit_in_process
    from .errors import ShapesViolated

    read_info(store_dir)  # before the commit takes its lock file, which would make the directory
    fmt = (format_by_name(input_format) if input_format
           else format_by_name("turtle") if str(file) == stores.STDIN else format_for_path(file))
    data, base_iri = stores.read_source(file)
    name = None if graph == "default" else graph
    quads = read_graph(data, fmt.media_type, name, base_iri=base_iri, source=str(file),
                       prefix_header=_shared_prefixes(bundle, file, fmt.name))
    operation = (ReplaceGraph(name, quads) if replace
                 else InsertQuads(quads, create=(name,) if name else ()))
    writer = WriteToken(author or f"cli:{getpass.getuser()}", "", (graph,))
    started = time.perf_counter()
    try:
        committed = commit_in_process(store_dir, (operation,), writer, operation="load",
                                      request=data, validate=not no_validate, bundle=bundle)
    except ShapesViolated as error:
        click.echo(render_report(error.report, "text"), nl=False)
        click.echo(f"evawkg: {error.message}", err=True)
        raise SystemExit(1) from None
    if committed.record is None:
        click.echo("evawkg: nothing changed: the graph holds these triples already", err=True)
        return
    meta = committed.record.meta
    click.echo(f"commit {committed.seq}: +{meta['added']} −{meta['removed']} triples in "
               f"{graph} ({time.perf_counter() - started:.1f} s)")
    if committed.warnings:
        click.echo(render_report(committed.report, "text"), nl=False)



def _load_remote(bundle: Bundle, files: tuple[Path, ...], sparql_endpoint: str,
                 update_endpoint: str | None, graph_store: str | None, store_auth: str | None,
                 graphs: tuple[str, ...], infer: bool, timeout: float) -> None:
    """``load --sparql-endpoint``: FILES (default: the bundle) into a remote SPARQL store, each
    graph replaced, then its OWL 2 RL closure into graph/inferred (same rules as the embedded
    store). Exit codes: 0 loaded, 1 the store failed, 2 bad arguments or unreadable files."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise click.UsageError("no such file: " + ", ".join(missing))
    from .graph import store as stores
    from .graph.dataset import file_graphs
    from .sparql.remote import served_graphs
    from .sparql.remote_load import load_into_store
    from .sparql.store_client import StoreClient

    if files:
        placed = file_graphs(tuple(str(f) for f in files), graphs)
        dataset = (stores.load_dataset(list(zip(files, [g or None for g in placed])))
                   if placed else stores.load_files(files))
    else:
        if graphs:
            raise ClientError("--graph names the graphs of FILES; the bundle has its own")
        dataset = stores.load_bundle(bundle, infer=False)
    client = StoreClient(sparql_endpoint, update_url=update_endpoint or "",
                         graph_store_url=graph_store or "", auth=store_auth or "")
    try:
        served = tuple(served_graphs(client, timeout=timeout)) if infer else ()
        report = load_into_store(client, dataset, infer=infer, served=served, timeout=timeout,
                                 progress=lambda message: click.echo(f"evawkg: {message}", err=True))
    finally:
        client.close()
    total = sum(report.graphs.values())
    click.echo(f"loaded {total} triples into {len(report.graphs)} graphs of {sparql_endpoint} "
               f"in {report.seconds:.1f} s"
               + (f" ({report.inferred} inferred)" if report.inferred is not None else ""))

@main.command()
@_STORE_OPTION
@click.option("--since", type=click.IntRange(min=0), default=0, help="Only commits after this one.")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True,
              help="At most this many.")
@click.option("--format", "-f", "output_format", default="text", show_default=True,
              type=click.Choice(["text", "json"]))
def history(store_dir: Path, since: int, limit: int, output_format: str) -> None:
    """The commits of a writable store, newest first."""
    import json

    from .writes.journal import Journal
    from .writes.provenance import summary
    from .writes.store import read_info

    read_info(store_dir)  # a directory that holds no store has no history either: say so
    records = [r for r in Journal(store_dir).records(with_delta=False) if r.seq > since]
    records = list(reversed(records))[:limit]
    if output_format == "json":
        click.echo(json.dumps([r.meta for r in records], indent=2, ensure_ascii=False))
        return
    for record in records:
        meta = record.meta
        graphs = ", ".join("default" if g is None else shorten(g) for g in meta.get("graphs", []))
        click.echo(f"{meta['time']}  {summary(meta)}  by {meta.get('token')} "
                   f"({meta.get('operation')}) on {graphs}")


@main.command()
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@_STORE_OPTION
def backup(target: Path, store_dir: Path) -> None:
    """Copy a writable store to TARGET, consistent as of its last commit, while a server may be
    running on it. Restore by copying TARGET back in place of the store while no server runs."""
    from .writes.store import backup as backup_store

    head = backup_store(store_dir, target)
    click.echo(f"{target}: the store as of commit {head.seq}")


# --------------------------------------------------------------------------- serve

# The HTTP server's command lives with the web package (evawkg.web.command); it is only
# registered here, so `evawkg serve --help` is part of the one command group.
from .web.command import serve_command  # noqa: E402

main.add_command(serve_command)
