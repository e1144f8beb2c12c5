"""Fixtures shared by the whole suite: the real bundle of this checkout."""

from __future__ import annotations

import pytest

from evawkg.graph.bundle import Bundle, default_bundle


@pytest.fixture(scope="session")
def bundle() -> Bundle:
    """The checkout's own ontology, data, shapes and queries."""
    return default_bundle()
