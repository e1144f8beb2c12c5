"""What the endpoint serves: versions of the sources and the on-disk store reused across
restarts (``--store``)."""

from __future__ import annotations

import shutil

import pytest

from evawkg.graph.dataset import MARKER, DatasetSource, ensure_store_directory
from evawkg.errors import BundleError


def test_store_directory_is_built_once_and_reused_while_sources_unchanged(tmp_path, fixture_files):
    files = []
    for name in fixture_files:
        copy = tmp_path / name.rsplit("/", 1)[1]
        shutil.copy(name, copy)
        files.append(str(copy))
    messages: list[str] = []
    source = DatasetSource(files=tuple(files))
    built = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert (tmp_path / "store" / MARKER).exists() and any("wrote" in m for m in messages)
    assert len(built.open()) == 23
    messages.clear()
    reused = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert reused.store_dir == built.store_dir and any("reusing" in m for m in messages)
    with open(files[0], "a", encoding="utf-8") as stream:
        stream.write("<https://evawkg.example.org/id/x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .\n")
    messages.clear()
    rebuilt = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert any("changed" in m for m in messages) and len(rebuilt.open()) == 24


def test_store_directory_refuses_a_foreign_non_empty_directory(tmp_path, fixture_files):
    (tmp_path / "precious.txt").write_text("not a store")
    with pytest.raises(BundleError, match="holds no evawkg store"):
        ensure_store_directory(DatasetSource(files=fixture_files), tmp_path, lambda m: None)
    assert (tmp_path / "precious.txt").exists()


def test_version_changes_with_inference_switch_and_files(fixture_files):
    assert (DatasetSource(files=fixture_files).version()
            != DatasetSource(files=fixture_files[:1]).version())
    assert DatasetSource(infer=True).version() != DatasetSource(infer=False).version()
