"""``evawkg serve`` as a click command (registered by ``evawkg.cli``): flags become Settings."""

from __future__ import annotations

import click

from ..errors import EvawError
from ..settings import SETTINGS, Settings

_HELP = {setting.name: setting.help for setting in SETTINGS}


@click.command("serve")
@click.option("--host", help=_HELP["host"])
@click.option("--port", type=int, help=_HELP["port"])
@click.option("--workers", type=int, help=_HELP["workers"])
@click.option("--threads", type=int, help=_HELP["threads"])
@click.option("--data", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help=_HELP["data"] + " Repeatable.")
@click.option("--graph", multiple=True, help=_HELP["graph"] + " Repeatable.")
@click.option("--store", type=click.Path(file_okay=False), help=_HELP["store"])
@click.option("--infer/--no-infer", default=None, help=_HELP["infer"])
@click.option("--base-iri", help=_HELP["base_iri"])
@click.option("--union-default-graph/--no-union-default-graph", "default_graph_as_union",
              default=None, help=_HELP["default_graph_as_union"])
@click.option("--timeout", "query_timeout", type=float, help=_HELP["query_timeout"])
@click.option("--max-rows", type=int, help=_HELP["max_rows"])
@click.option("--max-body-bytes", type=int, help=_HELP["max_body_bytes"])
@click.option("--max-concurrent-queries", type=int, help=_HELP["max_concurrent_queries"])
@click.option("--queue-wait", type=float, help=_HELP["queue_wait"])
@click.option("--query-memory-limit-mb", type=int, help=_HELP["query_memory_limit_mb"])
@click.option("--max-slots-per-client", type=int, help=_HELP["max_slots_per_client"])
@click.option("--allow-service", multiple=True, help=_HELP["allow_service"] + " Repeatable.")
@click.option("--sandbox-network/--no-sandbox-network", default=None,
              help=_HELP["sandbox_network"])
@click.option("--cors-origin", "cors_origins", multiple=True,
              help=_HELP["cors_origins"] + " Repeatable.")
@click.option("--gzip-level", type=int, help=_HELP["gzip_level"])
@click.option("--request-read-timeout", type=float, help=_HELP["request_read_timeout"])
@click.option("--request-buffer-bytes", type=int, help=_HELP["request_buffer_bytes"])
@click.option("--sparql-endpoint", help=_HELP["sparql_endpoint"])
@click.option("--update-endpoint", help=_HELP["update_endpoint"])
@click.option("--graph-store", help=_HELP["graph_store"])
@click.option("--store-auth", help=_HELP["store_auth"])
@click.option("--store-graph", "store_graphs", multiple=True,
              help=_HELP["store_graphs"] + " Repeatable.")
@click.option("--store-poll-seconds", type=float, help=_HELP["store_poll_seconds"])
@click.option("--store-page-rows", type=int, help=_HELP["store_page_rows"])
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]),
              help=_HELP["log_level"])
def serve_command(**flags) -> None:
    """Serve the graph over the SPARQL 1.1 Protocol at http://HOST:PORT/sparql.

    Every flag can also be set as EVAWKG_<NAME> in the environment (EVAWKG_PORT=8081).
    """
    overrides = {name: (value or None) if isinstance(value, tuple) else value
                 for name, value in flags.items()}
    try:
        settings = Settings.from_environment(**overrides)
    except EvawError as error:
        raise click.UsageError(error.message) from None
    from .server import serve

    try:
        serve(settings)
    except EvawError as error:
        click.echo(f"evawkg serve: {error.message}", err=True)
        raise SystemExit(2 if error.status < 500 else 1) from None


__all__ = ["serve_command"]
if __name__ == "__main__":
    serve_command()
