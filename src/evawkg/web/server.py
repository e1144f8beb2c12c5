"""``evawkg serve``: the SPARQL endpoint under gunicorn, started from Python.

The master process has the on-disk store prepared when ``--store`` is given (so workers only
reuse it), in a child process of its own (:func:`apart`: a process that opened RocksDB must not
fork workers), then gunicorn forks ``workers`` processes with ``threads`` request threads each; the worker
class (:class:`~evawkg.web.worker.BufferingThreadWorker`) reads each request whole in its event
loop before a thread serves it, so slow clients cannot hold the threads. Each worker builds the
app (``create_app``), whose query pool loads the graph in the background. Startup prints where
the server listens and, once loaded, how many triples it serves.

Stopping (SIGTERM, Ctrl-C) is prompt: idle connections close at once, requests in flight get
``graceful_timeout`` to finish, and the worker closes its query and validation pools (their
processes exit with it) before it exits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import socket
import sys
import tempfile
import threading
import traceback

from gunicorn.app.base import BaseApplication

from ..errors import EvawError, SettingsError
from ..graph.dataset import print_progress
from ..settings import Settings
from ..writes import enabled as writes_enabled
from .metrics import MULTIPROCESS_DIRECTORY
from .worker import BufferingThreadWorker

log = logging.getLogger("evawkg.web")


class GunicornServer(BaseApplication):
    """gunicorn configured from :class:`~evawkg.settings.Settings`, loading ``create_app``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        config = {
            "bind": f"{settings.host}:{settings.port}",
            "workers": settings.workers,
            "threads": settings.threads,
            # gunicorn keeps alive at most worker_connections - threads connections (1000 by
            # default): a thousand threads would close every connection after one answer.
            "worker_connections": settings.threads + 1000,
            "worker_class": BufferingThreadWorker,
            # Loading a large graph happens in the background; this only bounds a stuck worker.
            "timeout": max(120, int(settings.query_timeout * 2)),
            # Only requests in flight wait for it (an idle worker stops at once): long enough
            # for a query to finish, short enough that a stuck one does not hold a restart.
            "graceful_timeout": 10,
            "keepalive": 5,
            "accesslog": None,  # our own access log has the query time and result size
            "errorlog": "-",
            "loglevel": settings.log_level,
            "when_ready": _announce_listening,
            "worker_exit": _close_pools,
            "child_exit": _forget_worker_gauges,
            "control_socket_disable": True,
            **head_limits(settings),
        }
        for key, value in config.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        app = create_app(self.settings)
        service = app.extensions["evawkg"].service
        threading.Thread(target=_announce_dataset, args=(service,), daemon=True).start()
        return app


def head_limits(settings: Settings) -> dict[str, int]:
    """gunicorn's request-head limits, set so that only ``max_head_bytes`` binds: the worker
    frames every head (:mod:`evawkg.web.worker`) and answers past it with its own 414 or 431 and
    a message saying what to do; gunicorn's defaults (a 4,094-byte request line, 8,190-byte
    fields, 100 fields) answered far smaller heads first, with a bare HTML page."""
    return {
        "limit_request_line": 0,  # unlimited here: the framing stops a line past max_head_bytes
        "limit_request_field_size": settings.max_head_bytes,
        # The most fields a head of that size holds ("a:" CRLF), within gunicorn's cap of 32768.
        "limit_request_fields": min(32768, settings.max_head_bytes // 4),
    }


def _announce_listening(server) -> None:
    for listener in server.LISTENERS:
        address = listener.getsockname()
        where = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        print_progress(f"listening on http://{where}/sparql (health: /healthz)")


def _close_pools(server, worker) -> None:
    """gunicorn's ``worker_exit`` hook: stop this worker's query and validation processes now,
    rather than when they notice their sockets closed."""
    app = getattr(worker, "wsgi", None)
    extensions = getattr(app, "extensions", {})
    for name in ("evawkg", "evawkg.validation"):
        state = extensions.get(name)
        closeable = getattr(state, "service", state)
        try:
            if closeable is not None:
                closeable.close()
        except Exception:  # noqa: BLE001 -- exiting anyway; the processes die with their sockets
            log.warning("closing %s at exit failed", name, exc_info=True)


def _announce_dataset(service) -> None:
    try:
        service.wait_ready()
        description = service.describe()
    except Exception as error:  # noqa: BLE001 -- reported; /healthz says "failed"
        print_progress(f"loading the graph failed: {error}")
        return
    print_progress(f"serving {description.triples} triples ({description.quads} quads in "
                   f"{len(description.graphs)} named graphs), data version {service.data_version}")


def configure_logging(settings: Settings) -> None:
    """The server's log: ``log_level`` and up (the access log is at info) to standard error."""
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def serve(settings: Settings) -> None:
    """Run the server until interrupted."""
    configure_logging(settings)
    check_listening(settings.host, settings.port)
    check_sources(settings)
    if settings.sparql_endpoint:
        pass  # the graph, and any write, is the remote store's: nothing on disk to prepare
    elif writes_enabled(settings):
        from ..writes.store import prepare_for_serving

        # Seeded and compacted once, in a child; locked here for the life of the server.
        prepare_for_serving(settings, print_progress, apart=apart)
    elif settings.store:
        apart(_build_store, settings)  # built once, reused by every worker
    counters = _share_metrics_between_workers(settings)
    try:
        GunicornServer(settings).run()
    finally:
        if counters is not None:
            shutil.rmtree(counters, ignore_errors=True)


def check_listening(host: str, port: int) -> None:
    """Refuse (:class:`SettingsError`) an address the server could not listen on, before the
    store is prepared and gunicorn starts: gunicorn itself retries for seconds and then exits
    with its own log lines. Bound as gunicorn binds (``SO_REUSEADDR``), then let go."""
    if not host.strip():
        raise SettingsError("host is empty; give the interface to listen on, such as 127.0.0.1 "
                            "(0.0.0.0 exposes the server to the network)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SettingsError(f"cannot listen on {host} port {port} ({reason}); pick a free "
                            "--port, or a --host of this machine") from None


def check_sources(settings: Settings) -> None:
    """Refuse, before any worker starts, what every worker would fail on at boot (and gunicorn
    then exit with a traceback per worker): a ``--data`` file that is missing or not a regular
    file, whose format its name does not tell, or that does not parse (the workers would serve
    503s for ever); a ``write_tokens`` table that is missing or malformed."""
    from pathlib import Path

    from ..graph.formats import format_for_path
    from ..graph.store import check_parses

    for name in settings.data:
        if not Path(name).is_file():
            raise SettingsError(f"data file {name} does not exist or is not a regular file")
    formats = [(Path(name), format_for_path(name)) for name in settings.data]
    # A file that does not parse left a server that never got ready. With --store the build
    # (in :func:`apart`) parses them and its error ends the start; a second start reads no
    # source at all (at 1M triples a parse here would cost seconds of the 5 s it may take).
    if not settings.store:
        for path, fmt in formats:
            check_parses(path, fmt)
    if settings.write_tokens:
        from ..writes.tokens import TokenTable

        TokenTable(settings.write_tokens).tokens  # noqa: B018 -- read to raise what is wrong


def _share_metrics_between_workers(settings: Settings) -> str | None:
    """With metrics on and several workers, a directory of this server's own where each worker
    writes its counters and a scrape adds them up (:mod:`evawkg.web.metrics`); set before any
    worker imports prometheus_client. None when not needed, or the operator named one."""
    if not settings.metrics or settings.workers < 2 or os.environ.get(MULTIPROCESS_DIRECTORY):
        return None
    directory = tempfile.mkdtemp(prefix="evawkg-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    return directory


def _forget_worker_gauges(server, worker) -> None:
    """gunicorn's ``child_exit`` hook: a worker that exited no longer counts in live gauges."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def apart(function, *args):
    """``function(*args)`` in a child process forked for it: its result, or its error raised
    here as the same error.

    gunicorn's master prepares the on-disk store before it forks the workers. Opening it starts
    RocksDB's threads (pyoxigraph's on-disk store): a process forked after that inherits the
    library's state without those threads, and every worker died of SIGABRT as it exited
    (``std::system_error`` from RocksDB's static destructors) at each stop or restart. The master
    now opens no store itself; the child's build also leaves it none of its heap (700 MB at 1M
    triples, which glibc would have kept and every worker carried)."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_run_and_send, args=(sending, function, args),
                            name="evawkg-prepare")
    child.start()
    sending.close()
    try:
        kind, value = receiving.recv()
    except EOFError:
        kind, value = "died", None
    except Exception as error:  # noqa: BLE001 -- an answer that does not unpickle
        kind, value = "died", f"its answer could not be read: {error}"
    finally:
        receiving.close()
        child.join()
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    raise EvawError(f"preparing the store failed: its process ended with status {child.exitcode}"
                    + (f":\n{value}" if value else ""))


def _run_and_send(sending, function, args) -> None:
    try:
        outcome = ("ok", function(*args))
    except EvawError as error:
        outcome = ("error", error)
    except BaseException:  # noqa: BLE001 -- a fault: its traceback goes to the log, not lost
        outcome = ("died", traceback.format_exc())
    try:
        sending.send(outcome)
    except Exception:  # noqa: BLE001 -- an error that does not pickle: said in words
        sending.send(("died", f"{type(outcome[1]).__name__}: {outcome[1]}"))
    sending.close()


def _build_store(settings: Settings) -> None:
    from ..graph.dataset import dataset_source

    dataset_source(settings)  # the recipe it returns is the workers' to make again


__all__ = ["serve", "check_listening", "check_sources", "configure_logging", "GunicornServer",
           "head_limits", "apart"]
