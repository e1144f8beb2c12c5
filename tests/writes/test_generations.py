"""Generations of a process pool (what a writable store relies on): after ``advance``, every job
runs in a child forked once the warm parent refreshed its state; children of an older
generation take no new job; a ``fresh`` job changes only its own copy of the state."""

from __future__ import annotations

import os

from evawkg.processes import ProcessPool, ProcessSpec


# --- Jobs (module level: the warm parent imports them by reference) ---------------------------

def setup_state() -> tuple[dict, None]:
    return {"generation": 0, "items": [0], "refreshes": 0}, None


def refresh_state(state: dict, generation: int) -> dict:
    state["refreshes"] += 1
    state["generation"] = generation
    state["items"] = list(range(generation + 1))
    return state


def handle(state: dict, job):
    kind = job
    if kind == "read":
        return state["generation"], len(state["items"]), state["refreshes"], os.getpid()
    if kind == "mutate":  # a job that changes its copy: only a fresh child may run it
        state["items"].append(-1)
        return len(state["items"])
    raise ValueError(kind)


def make_pool() -> ProcessPool:
    pool = ProcessPool(ProcessSpec(setup_state, handle, refresh=refresh_state), size=2,
                       queue_wait=2, reuse=True, resident_limit=None)
    pool.start()
    pool.wait_ready(30)
    return pool


def test_advance_refreshes_the_parent_before_the_next_child_and_retires_old_children():
    pool = make_pool()
    try:
        generation, size, _, first_pid = pool.run("read", 10)
        assert (generation, size) == (0, 1)
        pool.advance(3)
        generation, size, refreshes, pid = pool.run("read", 10)
        assert (generation, size, refreshes) == (3, 4, 1)
        assert pid != first_pid, "a child of the old generation ran the job"
        assert pool.run("read", 10)[3] == pid, "a child of the current generation is reused"
        pool.advance(3)  # the same generation again: nothing retired, nothing refreshed
        assert pool.run("read", 10)[2:] == (1, pid)
        pool.advance(5)
        assert pool.run("read", 10)[:3] == (5, 6, 2)
    finally:
        pool.close()


def test_fresh_job_changes_only_its_own_copy():
    pool = make_pool()
    try:
        assert pool.run("mutate", 10, fresh=True) == 2
        assert pool.run("mutate", 10, fresh=True) == 2, "the parent's state was changed"
        assert pool.run("read", 10)[1] == 1
        assert not any(pid for pid in pool.health()["children"]
                       if pid not in pool.child_pids()), "a fresh child outlived its job"
    finally:
        pool.close()


def test_a_fresh_child_forked_ahead_runs_the_next_fresh_job_and_a_stale_one_is_not_used():
    pool = make_pool()
    try:
        pool.prepare_fresh()
        spare = pool._spare.pid
        generation, _, _, pid = pool.run("read", 10, fresh=True)
        assert pid == spare and pool._spare is None
        pool.prepare_fresh()
        stale = pool._spare.pid
        pool.advance(7)
        assert pool._spare is None
        generation, size, _, pid = pool.run("read", 10, fresh=True)
        assert (generation, size) == (7, 8) and pid != stale
    finally:
        pool.close()
