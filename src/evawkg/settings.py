"""The server's settings: one table, one frozen ``Settings`` object (Datasette's ``Setting``).

Each row of :data:`SETTINGS` names a setting, its default and a line of help. The ``Settings``
dataclass is generated from that table, so a setting is declared exactly once. CLI flags
(``evawkg serve --port``), the environment (``EVAWKG_PORT=8081``) and tests
(``Settings(port=0)``) all build the same object; :meth:`Settings.from_environment` reads the
environment and applies explicit overrides on top.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import SettingsError
from .namespaces import ABSOLUTE_IRI, BASE

#: Environment variables are ``EVAWKG_`` followed by the setting's name in upper case.
ENVIRONMENT_PREFIX = "EVAWKG_"



@dataclass(frozen=True)
class Range:
    """The values a number setting may take: from ``least`` (excluded when ``above``) up to
    ``most`` (``None``: no bound)."""

    least: int
    most: int | None = None
    above: bool = False

    def __contains__(self, value: float) -> bool:
        return (value > self.least if self.above else value >= self.least) and (
            self.most is None or value <= self.most)

    def __str__(self) -> str:
        if self.most is None:
            return f"more than {self.least}" if self.above else f"at least {self.least}"
        if self.above:
            return f"more than {self.least} and at most {self.most}"
        return f"between {self.least} and {self.most}"


#: The server's logging levels, least to most severe.
LOG_LEVELS = ("debug", "info", "warning", "error")
#: Most worker processes ``serve`` forks: each loads its own copy of the graph, and a typo of
#: digits must not fork the machine to a halt.
MAX_WORKERS = 256
#: Most request threads per worker: each holds a stack, and thousands only wait on the query
#: processes, whose number bounds the work.
MAX_THREADS = 1024
#: Most query processes per worker: each worker forks them all at its start, as it forks workers.
MAX_CONCURRENT_QUERIES = 256
#: Most seconds of any time setting: past threading.TIMEOUT_MAX (9.2e9 s) a wait on a lock raises
#: OverflowError (queue_wait=1e10 made every query that waited for a slot a 500).
MAX_SECONDS = 1_000_000_000
#: Most MB of query_memory_limit_mb: the query process's address-space limit (twice it, in
#: bytes) must fit in a C long; past it every query process died at its start.
MAX_MEMORY_MB = 16_777_216

#: Seconds a wait or a time limit may be: 0 would stop everything at once.
SECONDS = Range(0, MAX_SECONDS, above=True)
#: A size or a count where 0 means "no cap" or "off".
NOT_NEGATIVE = Range(0)
#: A size or a count of which there must be one.
POSITIVE = Range(1)


@dataclass(frozen=True)
class Setting:
    """One row of the settings table; a number setting says the values it allows."""

    name: str
    default: Any
    help: str
    type: type = str
    allowed: Range | None = None

    @property
    def environment_variable(self) -> str:
        return ENVIRONMENT_PREFIX + self.name.upper()


#: Every setting of the server, in the order ``evawkg serve --help`` shows them.
SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "Interface to listen on (0.0.0.0 exposes the server to the network).", str),
    Setting("port", 8080, "TCP port to listen on (0 picks a free one).", int, Range(0, 65535)),
    Setting("workers", 1, "gunicorn worker processes; each holds its own query pool and copy of the graph.", int, Range(1, MAX_WORKERS)),
    Setting("threads", 8, "Request threads per worker (they wait on query processes, so more than cores is fine).", int, Range(1, MAX_THREADS)),
    Setting("data", (), "RDF files to serve instead of the bundled graph, as the dataset they write: quad files (TriG, N-Quads, JSON-LD) keep their named graphs and default graph; triple files fill the default graph.", tuple),
    Setting("graph", (), "The graph --data files' triples go into (a quad file's default-graph triples; its named graphs stay): an IRI or 'default'; one for all files or one per --data file, in order. Unset: the default graph.", tuple),
    Setting("store", "", "Directory of an on-disk store reused across restarts while the sources are unchanged.", str),
    Setting("infer", True, "Add the OWL 2 RL closure of what is served, the bundle or the --data files (give the ontology among them), as the named graph graph/inferred.", bool),
    Setting("base_iri", BASE, "Canonical base IRI the data is written under (relative IRIs in queries resolve against it); the server publishes it under public_base.", str),
    Setting("default_graph_as_union", True, "Queries see the default graph as the union of every graph (the bundle needs it: each file is a named graph); off: the dataset's own default graph, exactly as --data wrote it.", bool),
    Setting("query_timeout", 30.0, "Seconds a query may run before its process is killed (a request's timeout= may lower it).", float, SECONDS),
    Setting("max_rows", 100_000, "Most result rows (SELECT) or triples (CONSTRUCT/DESCRIBE); more is an error, never a silent cut. 0: no cap.", int, NOT_NEGATIVE),
    Setting("max_answer_mb", 128, "Largest query answer in MB, in the format asked for; a larger one is an error (422) in the query process, never sent or kept in the web worker. 0: no cap.", int, NOT_NEGATIVE),
    Setting("max_body_bytes", 1_048_576, "Largest request body accepted (413 past it).", int, POSITIVE),
    Setting("max_upload_bytes", 16_777_216, "Largest RDF upload POST /validate accepts (413 past it).", int, POSITIVE),
    Setting("dump_timeout", 600.0, "Seconds writing the dumps may take (once per data version, on the first /dumps/ request).", float, SECONDS),
    Setting("validation_timeout", 60.0, "Seconds a validation (parse, SHACL, report) may run before its process is killed.", float, SECONDS),
    Setting("max_concurrent_queries", 4, "Queries running at once per worker (each in its own process); 429 past it.", int, Range(1, MAX_CONCURRENT_QUERIES)),
    Setting("queue_wait", 0.5, "Seconds a query waits for a free query process before the 429.", float, Range(0, MAX_SECONDS)),
    Setting("allow_service", (), "SERVICE endpoints queries may call (exact IRIs); empty: SERVICE is refused.", tuple),
    Setting("sandbox_network", True, "Run query processes in a network namespace without network (Linux) unless SERVICE is allowed.", bool),
    Setting("cors_origins", ("*",), "Origins allowed by CORS for GET and POST ('*': any; empty: no CORS headers).", tuple),
    Setting("answer_cache_mb", 64, "MB of query answers each worker keeps, by data version and query, so a repeated query is answered without running again, plus a quarter of that for whole answers a repeated GET /sparql request gets again from the worker's event loop (0: both off). Queries calling NOW(), RAND(), UUID(), STRUUID() or BNODE(), or using SERVICE, always run.", int, NOT_NEGATIVE),
    Setting("metrics", True, "Serve /metrics: request counts and durations, query durations, the data's size, query slots and the answer cache, in the Prometheus text format (no query texts, paths or addresses).", bool),
    Setting("gzip_level", 1, "gzip level for responses of 1 KiB or more when the client accepts it (0: off).", int, Range(0, 9)),
    Setting("log_level", "info", "Logging level of the server (debug, info, warning, error).", str),
    Setting("query_memory_limit_mb", 0, "MB of memory a query process may use beyond the loaded graph's own before it is killed (422); 0: automatic, as much again as the graph holds and at least 1024.", int, Range(0, MAX_MEMORY_MB)),
    Setting("max_slots_per_client", 0, "Query slots one client (remote address; behind a proxy all share its address) may hold at once; 429 past it while others still get slots. 0: automatic, half of max_concurrent_queries (at least 1).", int, NOT_NEGATIVE),
    Setting("request_read_timeout", 10.0, "Seconds a request (head and body) may take to arrive whole; past it: 408 and the connection closes.", float, SECONDS),
    Setting("max_head_bytes", 65_536, "Largest request head (request line and headers together) and largest trailer section of a chunked body: 431 past it, 414 when the request line alone is longer (send long queries with POST).", int, Range(1024)),
    Setting("request_buffer_bytes", 67_108_864, "Bytes of requests still arriving a worker buffers at once; past it, large bodies wait (small requests never do).", int, POSITIVE),
    Setting("sparql_endpoint", "", "Serve a remote SPARQL 1.1 store's graphs instead of the embedded store: its query endpoint URL (e.g. http://127.0.0.1:8890/sparql). Empty: the embedded store.", str),
    Setting("update_endpoint", "", "The remote store's SPARQL Update endpoint (evawkg load; empty: the query endpoint).", str),
    Setting("graph_store", "", "The remote store's Graph Store Protocol endpoint (evawkg load PUTs each graph there; empty: chunked INSERT DATA on the update endpoint).", str),
    Setting("store_auth", "", "Credentials for the remote store: USER:PASSWORD (HTTP Basic or Digest, as the store asks) or bearer:TOKEN.", str),
    Setting("store_graphs", (), "The remote store's named graphs that make the served dataset (exact IRIs); empty: every graph it lists but its own system graphs (Virtuoso's).", tuple),
    Setting("store_poll_seconds", 10.0, "Seconds between checks of the remote store's graphs and sizes (its data version; /healthz).", float, SECONDS),
    Setting("store_page_rows", 5000, "Rows per page when reading a remote store in pages (linked-data reads, dumps); below the store's own cap (Virtuoso's ResultSetMaxRows, 10000 by default).", int, POSITIVE),
    Setting("public_base", "", "Base URL the server is reached at (https://kg.example.org/, ending in '/'): every IRI it emits (pages, RDF, SPARQL results, VoID, dumps, OpenAPI) is published under it, and IRIs under it dereference here. Empty: the address each request reached, so a local run's links work.", str),
    Setting("write_tokens", "", "Bearer tokens allowed to write (SPARQL Update, Graph Store Protocol): a token file made by `evawkg token add`, or its JSON inline. Empty: the server is read-only. Writes need --store.", str),
    Setting("allow_load", (), "Documents SPARQL Update LOAD may fetch (exact IRIs); empty: LOAD is refused.", tuple),
    Setting("write_timeout", 300.0, "Seconds a write (apply, OWL 2 RL closure, SHACL validation) may run before it is stopped; nothing is written then.", float, SECONDS),
    Setting("write_lock_wait", 60.0, "Seconds a write waits for the one before it (writes are serialised); 503 past it.", float, SECONDS),
    Setting("write_nice", 10, "Niceness of the query process that runs writes (their guard: closure, SHACL), 0-19: under CPU contention readers go first. 0: as readers.", int, Range(0, 19)),
    Setting("max_write_bytes", 16_777_216, "Largest body a write accepts (update text, Graph Store Protocol RDF); 413 past it.", int, POSITIVE),
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(setting: Setting, raw: Any) -> Any:
    """The typed value of ``raw`` (a string from the environment, or a value from code)."""
    if not isinstance(raw, str):
        if setting.type is tuple:
            return tuple(str(item) for item in raw)
        if setting.type is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        if setting.type is int and isinstance(raw, bool):
            raise SettingsError(f"setting {setting.name} expects an integer, not {raw!r}")
        if isinstance(raw, setting.type):
            return raw
        raise SettingsError(f"setting {setting.name} expects {setting.type.__name__}, not {raw!r}")
    text = raw.strip()
    try:
        if setting.type is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError(text)
        if setting.type is tuple:
            return tuple(item.strip() for item in text.split(",") if item.strip())
        return setting.type(text)
    except ValueError:
        raise SettingsError(f"setting {setting.name} ({setting.environment_variable}) expects "
                            f"{setting.type.__name__}, not {raw!r}") from None


def _validate(settings: Any) -> None:
    for setting in SETTINGS:
        value = getattr(settings, setting.name)
        if setting.type is float and not math.isfinite(value):
            raise SettingsError.of(setting.name, f"must be a finite number of seconds, not {value}")
        if setting.allowed is not None and value not in setting.allowed:
            raise SettingsError.of(setting.name, f"must be {setting.allowed}, not {value}")
    writes = settings.max_write_bytes if settings.write_tokens else 0
    if settings.request_buffer_bytes < max(settings.max_body_bytes, settings.max_upload_bytes,
                                           writes):
        raise SettingsError.of("request_buffer_bytes", "must hold the largest body accepted "
                               "(max_body_bytes, max_upload_bytes, and max_write_bytes with "
                               f"writes on), not {settings.request_buffer_bytes}")
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError.of("log_level", f"must be one of {', '.join(LOG_LEVELS)}, not "
                               f"{settings.log_level!r}")
    _validate_base("base_iri", settings.base_iri)
    if settings.public_base:
        _validate_base("public_base", settings.public_base)
    for name in ("allow_service", "allow_load", "store_graphs"):
        for iri in getattr(settings, name):
            if not ABSOLUTE_IRI.fullmatch(iri):
                raise SettingsError.of(name, "must be absolute IRIs (such as "
                                       f"https://example.org/a), not {iri!r}")
    for origin in settings.cors_origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise SettingsError.of("cors_origins", "must be '*' or origins as a browser sends "
                                   "them (scheme, host and port, no path: https://example.org), "
                                   f"not {origin!r}")
    _validate_graphs(settings.data, settings.graph)
    _validate_store(settings)


def _validate_store(settings: Any) -> None:
    for name in ("sparql_endpoint", "update_endpoint", "graph_store"):
        if getattr(settings, name):
            check_store_url(getattr(settings, name), name)
    auth = settings.store_auth  # never quoted back: it holds a password or a token
    if auth and (":" not in auth or not auth.partition(":")[0] or auth.lower() == "bearer:"):
        raise SettingsError.of("store_auth", "must be USER:PASSWORD or bearer:TOKEN, with a "
                               "user name or a token (it was taken as a user name before)")
    if (settings.update_endpoint or settings.graph_store or settings.store_graphs) and not settings.sparql_endpoint:
        raise SettingsError("update_endpoint, graph_store and store_graphs describe a remote "
                            "store; give its query endpoint too (--sparql-endpoint URL)")


#: A browser's Origin header (RFC 6454): an http(s) scheme, a host, perhaps a port, no path.
_ORIGIN = re.compile(r"https?://[^\s/?#:@]+(?::\d{1,5})?")


def check_store_url(value: str, name: str) -> str:
    """``value`` if a remote store can be reached at it: an http:// or https:// URL with a host
    and a port in range. Else a :class:`SettingsError` naming ``name`` (the setting, or the CLI
    option) and saying what such a URL looks like."""
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        raise SettingsError.of(name, "must be an http:// or https:// URL such as "
                               f"http://localhost:8890/sparql, not {value!r}")
    try:
        urlsplit(value).port  # noqa: B018 -- read to raise: the store's client reads it later
    except ValueError as error:
        raise SettingsError.of(name, f"{value!r} is not a URL the store can be reached at "
                               f"({error})") from None
    return value


def _validate_base(name: str, base: str) -> None:
    """``base_iri`` or ``public_base``: the data's IRIs are it and a path (``id/…``)."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or not base.endswith("/") or not ABSOLUTE_IRI.fullmatch(base):
        raise SettingsError.of(name, f"{base!r} must be an http(s) URL ending in '/', with no "
                               "query or fragment, such as https://kg.example.org/ or "
                               "https://example.org/evawkg/")


def _validate_graphs(data: tuple[str, ...], graph: tuple[str, ...]) -> None:
    if graph and not data:
        raise SettingsError("graph names the graphs of --data files; give --data FILE too")
    if len(graph) not in (0, 1, len(data)):
        raise SettingsError(f"{len(graph)} graph values for {len(data)} --data files; give one "
                            "--graph for all files or one per --data file, in the same order")
    for name in graph:
        if name != "default" and not ABSOLUTE_IRI.fullmatch(name):
            raise SettingsError.of("graph", f"{name!r} is neither an absolute IRI (such as "
                                   "https://example.org/graph/a) nor 'default'")


def _post_init(self) -> None:
    for setting in SETTINGS:
        object.__setattr__(self, setting.name, _parse(setting, getattr(self, setting.name)))
    _validate(self)


def _from_environment(cls, environ: Mapping[str, str] | None = None, **overrides: Any):
    """Settings from ``EVAWKG_<NAME>`` variables, then ``overrides`` (``None`` values are
    ignored, so unset CLI flags leave the environment's value)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.environment_variable in environ:
            values[setting.name] = environ[setting.environment_variable]
    unknown = set(overrides) - {setting.name for setting in SETTINGS}
    if unknown:
        raise SettingsError("unknown settings: " + ", ".join(sorted(unknown)))
    values.update({name: value for name, value in overrides.items() if value is not None})
    return cls(**values)


def _replace(self, **changes: Any):
    """A copy with some settings changed (validated like the original)."""
    return dataclasses.replace(self, **changes)


def _as_dict(self) -> dict[str, Any]:
    return {setting.name: getattr(self, setting.name) for setting in SETTINGS}


def _max_answer_bytes(self) -> int:
    """``max_answer_mb`` in bytes (0: no cap), as every store's answers are held to it."""
    return self.max_answer_mb * 1_048_576


Settings = dataclasses.make_dataclass(
    "Settings",
    [(setting.name, Any, dataclasses.field(default=setting.default, metadata={"help": setting.help}))
     for setting in SETTINGS],
    frozen=True,
    namespace={
        "__doc__": "Every setting of the server; see :data:`SETTINGS` for names, defaults and help.",
        "__post_init__": _post_init,
        "from_environment": classmethod(_from_environment),
        "replace": _replace,
        "as_dict": _as_dict,
        "max_answer_bytes": property(_max_answer_bytes),
    },
)
Settings.__module__ = __name__

__all__ = ["SETTINGS", "Setting", "Settings", "SettingsError", "ENVIRONMENT_PREFIX",
           "check_store_url"]
