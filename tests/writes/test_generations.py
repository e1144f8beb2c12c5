"""Generations of a process pool (what a writable store relies on): after ``advance``, every job
runs in a child forked once the warm parent refreshed its state; children of an older
generation take no new job, unless the pool's children catch up themselves (``retire_stale``)."""

from __future__ import annotations

import os
import time

from evawkg.processes import ProcessPool, ProcessSpec, alive


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


class KeepingPool(ProcessPool):
    retire_stale = False


def test_a_pool_whose_children_catch_up_keeps_them_and_only_new_forks_refresh():
    pool = KeepingPool(ProcessSpec(setup_state, handle, refresh=refresh_state), size=1,
                       queue_wait=2, reuse=True, resident_limit=None)
    pool.start()
    pool.wait_ready(30)
    try:
        _, _, _, pid = pool.run("read", 10)
        pool.advance(4)
        generation, _, refreshes, same = pool.run("read", 10)
        assert same == pid and (generation, refreshes) == (0, 0)
        os.kill(pid, 9)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        generation, _, refreshes, other = pool.run("read", 10)
        assert other != pid and (generation, refreshes) == (4, 1)
    finally:
        pool.close()
