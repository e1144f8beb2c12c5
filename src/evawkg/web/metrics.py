"""``GET /metrics``: the server's counters in the Prometheus text format, for the monitoring an
operator already runs (Fuseki's ``/$/metrics``, GraphDB's monitoring).

What is counted, with bounded labels (a route's rule, never a path, a query or an address):

* ``evawkg_http_requests_total{route,method,status}`` (a method HTTP defines, else ``other``) and
  ``evawkg_http_request_duration_seconds{route}``: every answered request;
* ``evawkg_sparql_query_duration_seconds``: the store's time on each query that ran (answers
  from the answer cache did not run);
* read when scraped, from the worker that answers: the data (triples, quads, graphs, version),
  whether it is ready, the query slots busy, the answer cache's hits, misses and bytes.

With several gunicorn workers, each counts in files under ``PROMETHEUS_MULTIPROC_DIR`` (set by
:mod:`evawkg.web.server` before it forks) and a scrape adds up every worker's, as
``prometheus_client``'s multiprocess mode does; the values read when scraped are those of the
worker that answers. ``prometheus_client`` is imported here only, when an app is made: its
multiprocess mode is chosen at its import, which in ``evawkg serve`` comes after the master set
that directory.
"""

from __future__ import annotations

import os
import time

from flask import Flask, Response, current_app, g, request

from ..errors import EvawError

#: Seconds: a point lookup from memory takes a millisecond, a heavy query up to its 30 s limit.
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0, 30.0, 60.0)

#: The methods counted by name; any other a client sends is counted as ``other``: gunicorn
#: accepts any token as a method, and a label per token would let a client grow the series (the
#: memory and files of every worker, and every scrape) without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE",
                     "CONNECT"})

#: Where the workers' counters live when there are several (read by prometheus_client).
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    """The app's counters and the collector of what is read when scraped."""

    def __init__(self, app: Flask):
        from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics

        disable_created_metrics()  # a "_created" series per label set: noise for dashboards
        self.app = app
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIRECTORY))
        # Several workers: counters write to files, gathered at each scrape, not to a registry.
        self.registry = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        self.requests = Counter("evawkg_http_requests", "HTTP requests answered",
                                ["route", "method", "status"], registry=self.registry)
        self.durations = Histogram("evawkg_http_request_duration_seconds",
                                   "Time from a request's arrival at the app to its answer",
                                   ["route"], buckets=DURATION_BUCKETS, registry=self.registry)
        self.queries = Histogram("evawkg_sparql_query_duration_seconds",
                                 "The store's time on a SPARQL query that ran (not one answered "
                                 "from the answer cache)", buckets=DURATION_BUCKETS,
                                 registry=self.registry)
        self.state = _StateCollector(app)
        if self.registry is not None:
            self.registry.register(self.state)

    def observe(self, response: Response) -> None:
        """Count ``response`` (an after-request step)."""
        rule = request.url_rule
        started = g.get("started")
        self.count(rule.rule if rule is not None else "unmatched", request.method,
                   response.status_code,
                   time.perf_counter() - started if started is not None else None,
                   g.get("query_seconds"))

    def count(self, route: str, method: str, status: int, seconds: float | None,
              query_seconds: float | None = None) -> None:
        """Count one answered request: its route's rule, method (``other`` for one HTTP does
        not define) and status, the seconds since it arrived, and the store's seconds on its
        query when one ran (also for the answers the worker sends again from memory,
        :mod:`evawkg.web.repeats`)."""
        self.requests.labels(route, method if method in METHODS else "other", str(status)).inc()
        if seconds is not None:
            self.durations.labels(route).observe(seconds)
        if query_seconds:
            self.queries.observe(query_seconds)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The metrics and their media type, in the format the scraper's ``Accept`` asks
        (Prometheus' text format, or OpenMetrics)."""
        from prometheus_client import CollectorRegistry
        from prometheus_client.exposition import choose_encoder
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = self.registry
        if registry is None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            registry.register(self.state)
        encode, media_type = choose_encoder(scraper_accept(accept))
        return encode(registry), media_type


#: The OpenMetrics versions prometheus_client writes.
OPENMETRICS_VERSIONS = ("1.0.0", "2.0.0")


def scraper_accept(accept: str | None) -> str:
    """``accept`` as prometheus_client's encoder is to read it: it takes the first range it knows
    whatever its quality, and writes any OpenMetrics version asked into the Content-Type. So the
    ranges refused (``q=0``) are left out, the rest put most wanted first, and a version it does
    not write left out (it then writes 1.0.0, and says so)."""
    ranges = []
    for position, part in enumerate((accept or "").split(",")):
        media_type, *parameters = [piece.strip() for piece in part.split(";")]
        quality, kept = 1.0, [media_type]
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            name, value = name.strip().lower(), value.strip()
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif not (name == "version" and media_type.lower() == "application/openmetrics-text"
                      and value not in OPENMETRICS_VERSIONS):
                kept.append(parameter)
        if quality > 0:  # false for nan too
            ranges.append((-quality, position, ";".join(kept)))
    return ",".join(text for _, _, text in sorted(ranges))


class _StateCollector:
    """What is read when scraped, from this worker: the data, readiness, slots, answer cache."""

    def __init__(self, app: Flask):
        self.app = app

    def describe(self):
        return []  # read at each scrape; nothing to check at registration

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily

        service = self.app.extensions["evawkg"].service
        yield InfoMetricFamily("evawkg_data", "The data version served",
                               value={"version": str(service.data_version)})
        ready = GaugeMetricFamily("evawkg_ready", "1 when queries can run, else 0")
        ready.add_metric([], 1.0 if service.ready() else 0.0)
        yield ready
        try:
            description = service.describe()
        except EvawError:
            description = None
        if description is not None:
            for name, value, what in (("triples", description.triples, "Distinct triples"),
                                      ("quads", description.quads, "Quads in every graph"),
                                      ("graphs", len(description.graphs), "Named graphs")):
                family = GaugeMetricFamily(f"evawkg_{name}", f"{what} served")
                family.add_metric([], float(value))
                yield family
        pools = service.health() if hasattr(service, "health") else {}
        query = pools.get("query") or {}
        if "slots" in query:
            slots = GaugeMetricFamily("evawkg_query_slots", "Query slots of this worker, by state",
                                      labels=["state"])
            slots.add_metric(["busy"], float(query.get("busy", 0)))
            slots.add_metric(["total"], float(query["slots"]))
            yield slots
        cache = getattr(service, "cache", None)
        if cache is not None:
            for name, value in (("hits", cache.hits), ("misses", cache.misses)):
                family = CounterMetricFamily(f"evawkg_answer_cache_{name}",
                                             f"Repeated queries answered from memory ({name})")
                family.add_metric([], float(value))
                yield family
            size = GaugeMetricFamily("evawkg_answer_cache_bytes",
                                     "Bytes of answers kept, with the queries they answer")
            size.add_metric([], float(cache.size))
            yield size


def install(app: Flask) -> None:
    """``/metrics`` and the counting step, when the ``metrics`` setting is on."""
    if not app.extensions["evawkg"].settings.metrics:
        return
    app.extensions["evawkg.metrics"] = Metrics(app)
    app.add_url_rule("/metrics", "metrics", _metrics)


def observe(response: Response) -> Response:
    """Count ``response`` when the app has metrics (called last, after the access log)."""
    metrics = current_app.extensions.get("evawkg.metrics")
    if metrics is not None:
        metrics.observe(response)
    return response


def _metrics() -> Response:
    body, media_type = current_app.extensions["evawkg.metrics"].exposition(
        request.headers.get("Accept"))
    response = Response(body, content_type=media_type)
    response.headers["Cache-Control"] = "no-store"
    return response


__all__ = ["install", "observe", "Metrics", "MULTIPROCESS_DIRECTORY", "scraper_accept"]
