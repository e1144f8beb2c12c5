"""The journal (evawkg.writes.journal): records written whole and read back, a torn tail cut at
every byte it could be torn at, a written but unpublished record adopted, damage refused, and
replay of any suffix giving the same store."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest

from evawkg.writes.delta import Delta
from evawkg.writes.journal import Head, Journal
from evawkg.writes.provenance import activity_quads, apply_record

EX = "http://example.org/"


def quad(s: str, o: str, g: str | None = "g") -> ox.Quad:
    graph = ox.DefaultGraph() if g is None else ox.NamedNode(EX + g)
    return ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(EX + "p"), ox.Literal(o), graph)


def commit(journal: Journal, delta: Delta, token: str = "t") -> Head:
    with journal.lock(5):
        head = journal.recover()
        journal.append({"time": "2025-01-01T00:00:00.000Z", "token": token,
                        "graphs": delta.graphs(), "created": delta.created,
                        "dropped": delta.dropped}, delta, head)
    return journal.head()


def test_records_read_back_whole_and_in_order(tmp_path):
    journal = Journal(tmp_path)
    assert journal.head() == Head(0, 0)
    first = Delta(added=[quad("a", "1"), quad("b", "é", None)], created=[EX + "g"])
    second = Delta(removed=[quad("a", "1")], added=[quad("a", "2")],
                   inferred_added=[quad("a", "inferred", "inf")])
    commit(journal, first)
    head = commit(journal, second)
    assert head.seq == 2 and head.offset == os.path.getsize(journal.path)
    records = list(journal.records())
    assert [r.seq for r in records] == [1, 2]
    assert set(records[0].delta.added) == set(first.added)
    assert records[0].delta.created == [EX + "g"]
    assert records[1].delta.removed == second.removed
    assert records[1].delta.inferred_added == second.inferred_added


def test_torn_tail_is_cut_at_every_byte_and_only_whole_records_remain(tmp_path):
    journal = Journal(tmp_path)
    commit(journal, Delta(added=[quad("a", "1")]))
    good = journal.head()
    commit(journal, Delta(added=[quad("b", "2"), quad("c", "3")]))
    whole = journal.path.read_bytes()
    for cut in range(good.offset + 1, len(whole)):
        journal.path.write_bytes(whole[:cut])
        journal.head_path.write_text(f'{{"seq": {good.seq}, "offset": {good.offset}}}')
        with journal.lock(5):
            head = journal.recover()
        assert head == good, cut
        assert journal.path.read_bytes() == whole[:good.offset]
        assert [r.seq for r in journal.records()] == [1]


def test_a_record_written_but_not_published_is_adopted(tmp_path):
    """The crash fell between the fsync and the head: the write is on disk, whole."""
    journal = Journal(tmp_path)
    commit(journal, Delta(added=[quad("a", "1")]))
    first = journal.head()
    commit(journal, Delta(added=[quad("b", "2")]))
    journal.head_path.write_text(f'{{"seq": {first.seq}, "offset": {first.offset}}}')
    assert journal.head() == first
    with journal.lock(5):
        assert journal.recover().seq == 2


def test_a_damaged_record_is_cut_with_everything_after_it(tmp_path):
    journal = Journal(tmp_path)
    commit(journal, Delta(added=[quad("a", "1")]))
    first = journal.head()
    commit(journal, Delta(added=[quad("b", "2")]))
    data = bytearray(journal.path.read_bytes())
    data[-5] ^= 0xFF  # a flipped byte in the last record's body: its checksum fails
    journal.path.write_bytes(bytes(data))
    journal.head_path.write_text(f'{{"seq": {first.seq}, "offset": {first.offset}}}')
    with journal.lock(5):
        assert journal.recover() == first


def test_a_journal_shorter_than_its_head_is_refused(tmp_path):
    journal = Journal(tmp_path)
    commit(journal, Delta(added=[quad("a", "1")]))
    journal.path.write_bytes(journal.path.read_bytes()[:10])
    with journal.lock(5), pytest.raises(ValueError, match="restore it from a backup"):
        journal.recover()


def test_replaying_any_suffix_again_gives_the_same_store(tmp_path):
    journal = Journal(tmp_path)
    deltas = [Delta(added=[quad("a", "1")], created=[EX + "g"]),
              Delta(removed=[quad("a", "1")], added=[quad("a", "2")]),
              Delta(removed=[quad("a", "2")], dropped=[EX + "g"]),
              Delta(added=[quad("a", "1"), quad("z", "9", "h")], created=[EX + "g", EX + "h"])]
    for delta in deltas:
        commit(journal, delta)
    records = list(journal.records())
    final = ox.Store()
    for record in records:
        apply_record(final, record)
    expected = {str(q) for q in final}
    for start in range(len(records)):
        store = ox.Store()
        for record in records:
            apply_record(store, record)
        for record in records[start:]:
            apply_record(store, record)
        assert {str(q) for q in store} == expected, start


def test_every_commit_is_an_activity_in_the_changes_graph(tmp_path):
    journal = Journal(tmp_path)
    commit(journal, Delta(added=[quad("a", "1")]), token="unwomen curator")
    (record,) = journal.records()
    quads = activity_quads(record.meta)
    text = "\n".join(str(q) for q in quads)
    assert "<http://www.w3.org/ns/prov#Activity>" in text
    assert "changes/token/unwomen%20curator" in text
    assert all(q.graph_name == ox.NamedNode("https://evawkg.example.org/graph/changes")
               for q in quads)
