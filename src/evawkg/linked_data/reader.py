"""The linked-data views' access to the graph: every read runs where the query path keeps it.

A page needs several reads (the description, labels, a timeline, a region path…). Each is a
:class:`~evawkg.linked_data.description.Describer` method run by the service's ``call`` in a
query process, under the service's time limit, so the web process holds no copy of the graph
and a slow description is killed like a slow query. The query process keeps one ``Describer``
per store (its index of hash IRIs is built once, on first use). Dumps and the VoID description
are written the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..graph.public_base import PublicBase
from ..sparql.embedded import STORE_CHANGED
from .description import INBOUND_LIMIT, Describer, Description, Labels
from .dumps import export_dumps
from .spelling import respelled
from .void import describe_dataset

_describer: Describer | None = None


def _forget(store: ox.Store) -> None:
    """The store changed in place (a commit applied): its Describer's index is stale."""
    global _describer
    if _describer is not None and _describer.store is store:
        _describer = None


STORE_CHANGED.append(_forget)


def _describer_call(store: ox.Store, method: str, args: tuple, kwargs: dict) -> Any:
    """In a query process: ``Describer(store).method(*args, **kwargs)``, the Describer kept."""
    global _describer
    if _describer is None or _describer.store is not store:
        _describer = Describer(store)
    return getattr(_describer, method)(*args, **kwargs)


def _write_dumps(store: ox.Store, directory: str, version: str, canonical: str | None,
                 public: str | None) -> None:
    iris = PublicBase(canonical, public) if canonical and public else None
    export_dumps(store, Path(directory), version=version, public_base=iris)


def _void(store: ox.Store, base_iri: str, version: str, public: str | None) -> list[ox.Triple]:
    return describe_dataset(store, base_iri, version=version, public_base=public)


class GraphReader:
    """The reads the linked-data views make, each through ``service.call``.

    The methods mirror :class:`Describer`'s; arguments and answers are plain values (terms,
    dataclasses) that cross the process boundary."""

    def __init__(self, service, timeout: float):
        self.service = service
        self.timeout = timeout

    def _describe(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.service.call(_describer_call, method, args, kwargs, timeout=self.timeout)

    def describe(self, iri: str, *, inbound: bool = True,
                 inbound_limit: int = INBOUND_LIMIT) -> Description:
        return self._describe("describe", iri, inbound=inbound, inbound_limit=inbound_limit)

    def exists(self, iri: str) -> bool:
        return self._describe("exists", iri)

    def labels_of(self, nodes) -> Labels:
        return self._describe("labels_of", tuple(nodes))

    def classes(self) -> list[tuple[ox.NamedNode, int]]:
        return self._describe("classes")

    def instances(self, cls: ox.NamedNode, *, limit: int = 500, offset: int = 0):
        return self._describe("instances", cls, limit=limit, offset=offset)

    def class_sizes(self, classes) -> dict[ox.NamedNode, int]:
        return self._describe("class_sizes", tuple(classes))

    def broader_terms(self, terms) -> dict[str, frozenset[str]]:
        return self._describe("broader_terms", tuple(terms))

    def region_path(self, place: ox.NamedNode) -> list[ox.NamedNode]:
        return self._describe("region_path", place)

    def activities_of(self, agent: ox.NamedNode) -> list[dict]:
        return self._describe("activities_of", agent)

    def activities_at(self, place: ox.NamedNode) -> list[dict]:
        return self._describe("activities_at", place)

    def respelled(self, iri: str) -> str | None:
        """The IRI of the graph ``iri`` spells in another case or with a trailing slash."""
        return self.service.call(respelled, iri, timeout=self.timeout)

    def void(self, base_iri: str, version: str, public_base: str | None = None) -> list[ox.Triple]:
        """The VoID triples of the served dataset (canonical ``base_iri``), its own IRIs and
        ``void:uriSpace`` under ``public_base``."""
        return self.service.call(_void, base_iri, version, public_base, timeout=self.timeout)

    def write_dumps(self, directory: Path, version: str, timeout: float, *,
                    base_iri: str | None = None, public_base: str | None = None) -> None:
        """Write the dumps of the served dataset into ``directory`` (a long job: own timeout),
        IRIs under ``base_iri`` published under ``public_base``."""
        self.service.call(_write_dumps, str(directory), version, base_iri, public_base,
                          timeout=timeout)


__all__ = ["GraphReader"]
