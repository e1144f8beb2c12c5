"""The one killable-job supervisor (evawkg.processes) on trivial jobs: warm setup shared by
forked children, reuse or not, the deadline kill that frees the CPU, errors passed through,
faults, dead children, the memory limit and a failing setup."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evawkg.errors import EvawError, NotReady, QueryLimitReached, QueryTimeout
from evawkg.processes import ProcessPool, ProcessSpec

ROOT = Path(__file__).resolve().parents[1]


class Refused(EvawError):
    status = 400
    code = "refused"


# --- Jobs (module level: the warm parent imports them by reference) ---------------------------

def setup_table(size: int) -> tuple[list[int], dict]:
    return list(range(size)), {"size": size, "parent": os.getpid()}


def slow_setup(seconds: float) -> tuple[list[int], dict]:
    time.sleep(seconds)
    return setup_table(10)


def failing_setup() -> tuple[None, None]:
    raise Refused("the data could not be loaded")


def handle(table: list[int], job):
    kind, value = job
    if kind == "sum":
        return sum(table[:value])
    if kind == "pid":
        return os.getpid(), os.getppid()
    if kind == "spin":
        while True:
            pass
    if kind == "refuse":
        raise Refused(value)
    if kind == "crash":
        raise ZeroDivisionError(value)
    if kind == "exit":
        os._exit(3)
    if kind == "allocate":
        return len(bytearray(value))
    raise AssertionError(kind)


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch):
    """The warm parent imports these job functions as ``tests.test_processes``."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")])))


def started(spec: ProcessSpec, *, reuse: bool, size: int = 2, queue_wait: float = 0.2) -> ProcessPool:
    pool = ProcessPool(spec, size=size, queue_wait=queue_wait, reuse=reuse)
    pool.start()
    pool.wait_ready(60)
    return pool


@pytest.fixture()
def reusing():
    pool = started(ProcessSpec(setup_table, handle, (1000,)), reuse=True)
    yield pool
    pool.close()


def live(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_setup_runs_once_in_the_parent_and_children_share_its_state(reusing):
    assert reusing.info["size"] == 1000 and reusing.info["parent"] == reusing.parent_pid
    assert reusing.run(("sum", 10), timeout=5) == 45
    pid, parent = reusing.run(("pid", None), timeout=5)
    assert parent == reusing.parent_pid and pid != reusing.parent_pid


def test_reusing_pool_answers_from_the_same_children(reusing):
    first = {reusing.run(("pid", None), timeout=5)[0] for _ in range(6)}
    assert first <= set(reusing.child_pids()) and len(first) >= 1


def test_fresh_child_per_job_without_reuse():
    pool = started(ProcessSpec(setup_table, handle, (10,)), reuse=False)
    try:
        pids = [pool.run(("pid", None), timeout=5)[0] for _ in range(3)]
        assert len(set(pids)) == 3 and pool.child_pids() == []
        deadline = time.monotonic() + 3
        while any(live(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(live(pid) for pid in pids), "a finished one-job child still runs"
    finally:
        pool.close()


def test_job_past_its_deadline_is_killed_and_a_fresh_child_takes_its_place(reusing):
    before = set(reusing.child_pids())
    started_at = time.monotonic()
    with pytest.raises(QueryTimeout):
        reusing.run(("spin", None), timeout=0.3)
    assert time.monotonic() - started_at < 2
    killed = before - set(reusing.child_pids())
    assert len(killed) == 1
    deadline = time.monotonic() + 3
    while any(live(pid) for pid in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(live(pid) for pid in killed), "the timed-out child still uses the CPU"
    assert reusing.run(("sum", 4), timeout=5) == 6


def test_errors_of_a_job_reach_the_caller_as_raised(reusing):
    with pytest.raises(Refused, match="no such thing"):
        reusing.run(("refuse", "no such thing"), timeout=5)
    assert reusing.run(("sum", 3), timeout=5) == 3


def test_unexpected_exception_is_a_fault_with_its_traceback(reusing):
    with pytest.raises(EvawError, match="ZeroDivisionError: boom") as raised:
        reusing.run(("crash", "boom"), timeout=5)
    assert raised.value.status == 500


def test_child_that_dies_is_reported_and_replaced(reusing):
    with pytest.raises(EvawError, match="process died"):
        reusing.run(("exit", None), timeout=5)
    assert reusing.run(("sum", 5), timeout=5) == 10


def test_memory_limit_turns_a_runaway_job_into_its_error():
    spec = ProcessSpec(setup_table, handle, (10,), memory_limit=256 * 1024 ** 2,
                       memory_error=Refused("needed more memory than a job may use"))
    pool = started(spec, reuse=True)
    try:
        with pytest.raises(Refused, match="more memory"):
            pool.run(("allocate", 2 * 1024 ** 3), timeout=10)
        assert pool.run(("allocate", 1024), timeout=5) == 1024
    finally:
        pool.close()


def test_busy_slots_answer_429_after_the_queue_wait():
    import threading

    pool = started(ProcessSpec(setup_table, handle, (10,)), reuse=True, size=1, queue_wait=0.1)
    try:
        spinning = threading.Thread(target=lambda: pytest.raises(QueryTimeout, pool.run,
                                                                 ("spin", None), 1.0))
        spinning.start()
        time.sleep(0.2)
        with pytest.raises(QueryLimitReached):
            pool.run(("sum", 2), timeout=5)
        spinning.join(5)
        assert pool.run(("sum", 2), timeout=5) == 1
    finally:
        pool.close()


def test_failing_setup_is_every_caller_s_error():
    pool = ProcessPool(ProcessSpec(failing_setup, handle), size=1, queue_wait=0.1, reuse=True)
    pool.start()
    try:
        with pytest.raises(Refused, match="could not be loaded"):
            pool.wait_ready(60)
        with pytest.raises(Refused):
            pool.run(("sum", 1), timeout=5)
    finally:
        pool.close()


def test_run_before_setup_finishes_is_not_ready():
    pool = ProcessPool(ProcessSpec(slow_setup, handle, (1.5,)), size=1, queue_wait=0.1, reuse=True)
    pool.start()
    try:
        with pytest.raises(NotReady) as raised:
            pool.run(("sum", 1), timeout=5)
        assert raised.value.status == 503
        pool.wait_ready(60)
        assert pool.run(("sum", 2), timeout=5) == 1
    finally:
        pool.close()
