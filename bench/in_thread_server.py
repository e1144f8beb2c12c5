"""A benchmark-only variant of ``evawkg serve``: the same gunicorn worker, Flask app, settings
and data, but each query runs in the request thread on a store the worker holds, instead of in a
killable query process. Nothing of it ships: it exists so that ``bench_peer.py --in-thread`` can
split evawkg's cost per request over the bare endpoint into what the hop to the query process
costs (this server against ``evawkg``) and what the web layer costs (the bare endpoint against
this server), on the same data, in the same rounds.

A query here cannot be stopped, so never serve with it.

Usage (what ``bench_peer.py`` runs)::

    python bench/in_thread_server.py --data FILE --port 8211 [EVAWKG_* settings in the environment]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from evawkg.graph.dataset import dataset_source, print_progress
from evawkg.settings import Settings
from evawkg.sparql.answers import describe_dataset, execute
from evawkg.sparql.embedded import EmbeddedSparqlService, check_nesting
from evawkg.sparql.service import Answer, DatasetDescription, QueryRequest
from evawkg.web.server import GunicornServer, configure_logging


class InThreadSparqlService(EmbeddedSparqlService):
    """The embedded service's answers, computed in the caller's thread (no query process)."""

    def __init__(self, source, settings):  # noqa: D107 -- no pool: the store is held here
        self.settings = settings
        self._version = source.version() + ("-union" if settings.default_graph_as_union else "")
        self.store = source.open(print_progress)
        self.description = describe_dataset(self.store, union=settings.default_graph_as_union)

    def ready(self) -> bool:
        return True

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def describe(self) -> DatasetDescription:
        return self.description

    def health(self) -> dict[str, dict]:
        return {}

    def query(self, request: QueryRequest) -> Answer:
        check_nesting(request.text)
        return execute(self.store, self.job(request))  # the job the query process would get

    def call(self, function: Callable[..., Any], *args: Any, timeout: float) -> Any:
        return function(self.store, *args)

    def close(self) -> None:
        pass


class InThreadServer(GunicornServer):
    def load(self):
        from evawkg.web import create_app  # noqa: PLC0415 -- in the worker, as GunicornServer

        return create_app(self.settings, InThreadSparqlService(dataset_source(self.settings),
                                                               self.settings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-rows", type=int, default=0)
    args = parser.parse_args()
    settings = Settings.from_environment(data=tuple(args.data), port=args.port,
                                         max_rows=args.max_rows)
    configure_logging(settings)  # its access log costs what evawkg's does
    InThreadServer(settings).run()


if __name__ == "__main__":
    main()
