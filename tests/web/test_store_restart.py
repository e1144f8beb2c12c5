"""A second start on an on-disk store repeats none of the first start's work while the sources
are unchanged: no source is hashed again, the quads are read from the N-Quads snapshot rather
than copied out of RocksDB one by one, and the dataset's description is not counted again."""

from __future__ import annotations

import json
import os
import shutil

import pyoxigraph as ox
import pytest

from evawkg.graph import dataset as dataset_module
from evawkg.graph import store as store_module
from evawkg.graph.dataset import MARKER, SNAPSHOT, DatasetSource, ensure_store_directory
from evawkg.sparql import answers as answers_module
from evawkg.sparql import embedded as embedded_module
from evawkg.sparql.embedded import open_dataset


@pytest.fixture
def files(tmp_path, fixture_files):
    copies = []
    for name in fixture_files:
        copy = tmp_path / name.rsplit("/", 1)[1]
        shutil.copy(name, copy)
        copies.append(str(copy))
    return tuple(copies)


def _refuse(*args, **kwargs):
    raise AssertionError("repeated on a second start")


def _quads(store: ox.Store) -> set[str]:
    # The fixtures hold no blank nodes, so quads compare as text.
    return {str(quad) for quad in store}


def test_second_start_hashes_no_source_and_reads_the_snapshot(tmp_path, files, monkeypatch):
    source = DatasetSource(files=files)
    built = ensure_store_directory(source, tmp_path / "store", lambda m: None)
    assert (tmp_path / "store" / SNAPSHOT).exists()
    assert built.known_version == source.version()
    expected = _quads(source.open())

    monkeypatch.setattr(store_module, "data_version", _refuse)
    monkeypatch.setattr(ox.Store, "read_only", _refuse)
    reused = ensure_store_directory(DatasetSource(files=files), tmp_path / "store", lambda m: None)
    assert reused.store_dir == str(tmp_path / "store")
    assert reused.version() == built.known_version
    assert _quads(reused.open()) == expected


def test_a_touched_source_is_hashed_again_and_a_changed_one_rebuilds(tmp_path, files):
    source = DatasetSource(files=files)
    built = ensure_store_directory(source, tmp_path / "store", lambda m: None)
    before = len(built.open())
    os.utime(files[0], ns=(1, 1))  # same bytes, another time: hashed, found unchanged
    messages: list[str] = []
    reused = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert reused.known_version == built.known_version and any("reusing" in m for m in messages)
    with open(files[0], "a", encoding="utf-8") as stream:
        stream.write('<https://evawkg.example.org/id/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n')
    messages.clear()
    rebuilt = ensure_store_directory(source, tmp_path / "store", messages.append)
    assert any("changed" in m for m in messages) and rebuilt.known_version != built.known_version
    assert len(rebuilt.open()) == before + 1


def test_a_store_without_snapshot_is_still_read(tmp_path, files):
    source = ensure_store_directory(DatasetSource(files=files), tmp_path / "store", lambda m: None)
    expected = _quads(source.open())
    (tmp_path / "store" / SNAPSHOT).unlink()  # built by an earlier version
    assert _quads(source.open()) == expected


def test_the_description_is_counted_once_per_version(tmp_path, files, monkeypatch):
    source = ensure_store_directory(DatasetSource(files=files), tmp_path / "store", lambda m: None)
    store, first = open_dataset(source, True)
    assert first.quads == len(store)
    assert "description-union" in json.loads((tmp_path / "store" / MARKER).read_text())

    monkeypatch.setattr(embedded_module, "describe_dataset", _refuse)
    monkeypatch.setattr(answers_module, "describe_dataset", _refuse)
    _, again = open_dataset(source, True)
    assert again == first
    with pytest.raises(AssertionError, match="repeated"):
        open_dataset(source, False)  # the other default graph is counted apart


def test_a_writable_store_never_reads_a_snapshot(tmp_path, files):
    source = ensure_store_directory(DatasetSource(files=files), tmp_path / "store", lambda m: None)
    marker = tmp_path / "store" / MARKER
    recorded = json.loads(marker.read_text())
    marker.write_text(json.dumps({**recorded, "writable": True}))
    (tmp_path / "store" / SNAPSHOT).write_text("")  # a stale snapshot must not be read
    assert len(dataset_module._copy_into_memory(tmp_path / "store", lambda m: None)) == recorded["quads"]


@pytest.mark.parametrize("writes", [False, True], ids=["store", "writable-store"])
def test_a_server_that_built_its_store_stops_without_a_worker_aborting(tmp_path, fixture_files,
                                                                       writes):
    """The master built the store (RocksDB's threads started there) and then forked the
    workers, which inherited RocksDB's state without its threads: at every stop each worker
    died of SIGABRT ("terminate called after throwing an instance of 'std::system_error'")."""
    import subprocess
    import sys
    import time

    from ..support import free_port, wait_for

    port = free_port()
    command = [sys.executable, "-m", "evawkg.web.command", "--port", str(port), "--workers", "2",
               "--store", str(tmp_path / "store"), "--log-level", "info",
               *[arg for path in fixture_files for arg in ("--data", path)]]
    if writes:
        from evawkg.writes.tokens import add_token

        tokens = tmp_path / "tokens.json"
        add_token(tokens, "curator", ("*",))
        command += ["--write-tokens", str(tokens)]
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz")
            time.sleep(1.0)  # both workers up
        finally:
            process.terminate()
            code = process.wait(30)
    text = log.read_text()
    assert "terminate called" not in text and "SIGABRT" not in text, text[-2000:]
    assert "Worker exiting" in text and code == 0
