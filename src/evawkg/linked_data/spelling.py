"""IRIs a client spells another way: another letter case or a trailing slash
(``/id/country/za`` or ``/id/country/ZA/`` for ``/id/country/ZA``), answered by the one spelling
the graph uses so the server can redirect (301) to it (Cool URIs, https://www.w3.org/TR/cooluris/).

The index maps each described IRI, and the document of each hash IRI, folded (lower case, no
trailing slash) to its spellings; it is built once per store, in the query process that reads it.
Two IRIs that differ only in case leave their folded form ambiguous: neither is guessed.
"""

from __future__ import annotations

import pyoxigraph as ox

_index: tuple[ox.Store, dict[str, frozenset[str]]] | None = None


def fold(iri: str) -> str:
    return iri.rstrip("/").lower()


def _build(store: ox.Store) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    rows = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }",
                       use_default_graph_as_union=True)
    for row in rows:
        iri = row["s"].value
        for spelling in {iri, iri.partition("#")[0]}:
            found.setdefault(fold(spelling), set()).add(spelling)
    return {key: frozenset(values) for key, values in found.items()}


def respelled(store: ox.Store, iri: str) -> str | None:
    """The one IRI of ``store``'s graph that ``iri`` spells another way, else ``None``."""
    global _index
    if _index is None or _index[0] is not store:
        _index = (store, _build(store))
    spellings = _index[1].get(fold(iri), frozenset())
    if len(spellings) != 1:
        return None
    (spelling,) = spellings
    return spelling if spelling != iri else None


__all__ = ["respelled", "fold"]
