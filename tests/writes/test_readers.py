"""The query processes of a writable store follow its journal themselves: after a commit the
same processes answer (no fork per commit) and see it whole; a restarted loader reloads the
base and the journal."""

from __future__ import annotations

import os
import signal
import time

from .conftest import EX, SCRATCH


def ask(state, query: str) -> bool:
    response = state.client().get("/sparql", query_string={"query": f"PREFIX ex: <{EX}> {query}"},
                                  headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.data
    return response.json["boolean"]


def insert(state, name: str) -> None:
    text = f'PREFIX ex: <{EX}> INSERT DATA {{ GRAPH <{SCRATCH}> {{ ex:{name} ex:p 1 }} }}'
    response = state.client().post("/sparql", data=text, content_type="application/sparql-update",
                                   headers=state.auth())
    assert response.status_code == 204, response.data


def test_query_processes_apply_commits_instead_of_being_replaced(fresh):
    pool = fresh.service.pool
    assert not ask(fresh, "ASK { ex:one ex:p 1 }")
    before = set(pool.child_pids())
    assert before
    insert(fresh, "one")
    assert ask(fresh, "ASK { ex:one ex:p 1 }")
    insert(fresh, "two")
    assert ask(fresh, "ASK { ex:one ex:p 1 . ex:two ex:p 1 }")
    assert set(pool.child_pids()) == before, "query processes were replaced after a commit"


def test_a_restarted_loader_serves_every_commit(fresh):
    insert(fresh, "kept")
    pool = fresh.service.pool
    old = pool.parent_pid
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (pool.parent_pid == old or not pool.ready()):
        time.sleep(0.1)
    assert pool.parent_pid != old and pool.ready()
    assert ask(fresh, "ASK { ex:kept ex:p 1 }")
    insert(fresh, "after")
    assert ask(fresh, "ASK { ex:kept ex:p 1 . ex:after ex:p 1 }")


def test_linked_data_pages_see_what_a_commit_adds_to_a_resource(fresh):
    """The query processes keep a resource index per store (hash IRIs, graphs); one that applied
    a commit in place must not answer from the index it built before."""
    base = "https://evawkg.example.org/"
    client = fresh.client()
    lamp = base + "id/thing/lamp"
    text = (f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <{lamp}> <http://www.w3.org/2000/01/rdf-schema#label> '
            f'"Lamp"@en }} }}')
    assert fresh.client().post("/sparql", data=text, content_type="application/sparql-update",
                               headers=fresh.auth()).status_code == 204
    for _ in range(3):  # every query process builds its index now
        assert client.get("/id/thing/lamp", headers={"Accept": "text/turtle"}).status_code == 200
    text = (f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <{lamp}#bulb> '
            f'<http://www.w3.org/2000/01/rdf-schema#label> "Bulb"@en }} }}')
    assert fresh.client().post("/sparql", data=text, content_type="application/sparql-update",
                               headers=fresh.auth()).status_code == 204
    for _ in range(3):
        page = client.get("/id/thing/lamp", headers={"Accept": "text/turtle"})
        assert b"Bulb" in page.data, "the page answered from an index built before the commit"


def whoami(store) -> tuple[int, int]:
    return os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)


def identity(store, value):
    return value


def test_writes_run_in_a_process_of_their_own_at_a_lower_priority(fresh):
    """The guard's process is kept from write to write, never lent to readers, and niced
    (``write_nice``): when the CPU is short, readers go first."""
    service = fresh.service
    first = service.call_writing(whoami, timeout=30)
    insert(fresh, "niced")
    second = service.call_writing(whoami, timeout=30)
    assert first == second and first[1] == fresh.app.extensions["evawkg"].settings.write_nice > 0
    readers = {service.call(whoami, timeout=30) for _ in range(6)}
    assert first[0] not in {pid for pid, _ in readers}
    assert {nice for _, nice in readers} == {os.getpriority(os.PRIO_PROCESS, 0)}
    assert service.call_writing(identity, 7, timeout=30) == 7
