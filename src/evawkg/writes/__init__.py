"""Guarded writes: SPARQL 1.1 Update and the Graph Store Protocol, authenticated, validated,
durable, and recorded in a change feed (``docs/writes.md``).

Off unless the server has write tokens (``write_tokens``); then it serves an on-disk store
(``--store``) that the bundle seeds once. Modules: ``tokens`` (who may write which graph),
``update`` (SPARQL Update text to operations), ``operations`` (what each does to a working view),
``bodies`` (Graph Store Protocol bodies), ``delta`` (a commit's change), ``guard`` (apply,
closure, validation), ``journal`` (durable commits), ``store`` (the on-disk store: seed, base,
compaction), ``readers`` (query processes following the commits), ``writer`` (the transaction),
``provenance`` (the changes graph, RDF Patch).
"""

from __future__ import annotations


def enabled(settings) -> bool:
    """Whether ``settings`` turn writes on (they name write tokens)."""
    return bool(settings.write_tokens.strip())


def writable_service(settings, progress=None):
    """The query service of ``settings.store``, seeded if new (the write path's reads)."""
    from .readers import WritableSparqlService
    from .store import seed
    from .tokens import TokenTable

    TokenTable(settings.write_tokens)  # a broken token table stops the start, not a write
    return WritableSparqlService(seed(settings, progress), settings)


__all__ = ["enabled", "writable_service"]
