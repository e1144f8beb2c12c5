"""The one killable-job supervisor (evawkg.processes) on trivial jobs: warm setup shared by
forked children, reuse or not, the deadline kill that frees the CPU, errors passed through,
faults, dead children, the memory limit and a failing setup."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from evawkg.errors import (ClientLimitReached, EvawError, MemoryLimitExceeded, NotReady,
                           ProcessDied, QueryLimitReached, QueryTimeout, Restarting)
from evawkg.processes import ProcessPool, ProcessSpec, current_client

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
    if kind == "grow":  # 8 MB every 10 ms, up to ``value`` bytes: the sampling sees it coming
        held = []
        while len(held) * 8 * 1024 ** 2 < value:
            held.append(b"x" * (8 * 1024 ** 2))
            time.sleep(0.01)
        return len(held)
    if kind == "abort":  # what pyoxigraph does when an allocation fails
        os.abort()
    if kind == "sleep":
        time.sleep(value)
        return value
    raise AssertionError(kind)


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch):
    """The warm parent imports these job functions as ``tests.test_processes``."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(ROOT), str(ROOT / "src"), os.environ.get("PYTHONPATH")])))


def started(spec: ProcessSpec, *, reuse: bool, size: int = 2, queue_wait: float = 0.2,
            **options) -> ProcessPool:
    pool = ProcessPool(spec, size=size, queue_wait=queue_wait, reuse=reuse, **options)
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


# --- Memory: sampled resident size, the address-space backstop, aborts -------------------------

MB = 1024 ** 2


@pytest.fixture()
def limited():
    """Children may grow 64 MB past the parent before they are killed."""
    pool = started(ProcessSpec(setup_table, handle, (10,)), reuse=True, resident_limit=64 * MB)
    yield pool
    pool.close()


def test_growing_job_is_killed_at_its_resident_limit_with_a_422(limited):
    before = set(limited.child_pids())
    started_at = time.monotonic()
    with pytest.raises(MemoryLimitExceeded, match="limit of 64 MB") as raised:
        limited.run(("grow", 2 * 1024 * MB), timeout=30)
    assert raised.value.status == 422
    assert time.monotonic() - started_at < 5, "the growth was not caught by the sampling"
    killed = before - set(limited.child_pids())
    assert len(killed) == 1
    deadline = time.monotonic() + 3
    while any(live(pid) for pid in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(live(pid) for pid in killed), "the killed child still holds its memory"
    assert limited.run(("sum", 4), timeout=5) == 6


def test_sudden_allocation_past_the_backstop_is_the_same_422(limited):
    with pytest.raises(MemoryLimitExceeded, match="limit of 64 MB"):
        limited.run(("allocate", 4 * 1024 * MB), timeout=10)
    assert limited.run(("allocate", 1024), timeout=5) == 1024


def test_child_dying_under_a_memory_limit_is_a_503_most_likely_memory(limited):
    with pytest.raises(ProcessDied, match="most likely needed more memory than its limit "
                                          "of 64 MB") as raised:
        limited.run(("abort", None), timeout=5)
    assert raised.value.status == 503
    assert limited.run(("sum", 3), timeout=5) == 3


def test_automatic_limit_is_the_parent_s_size_and_at_least_a_gigabyte():
    pool = started(ProcessSpec(setup_table, handle, (10,)), reuse=True, resident_limit=0)
    try:
        assert pool.limit_mb == 1024 and pool.health()["memory_limit_mb"] == 1024
    finally:
        pool.close()


# --- Self-healing: dead idle children, a dead warm parent --------------------------------------

def test_idle_children_killed_from_outside_are_replaced_before_the_next_job(reusing):
    import signal

    for pid in reusing.child_pids():
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    assert [reusing.run(("sum", 3), timeout=5) for _ in range(4)] == [3] * 4


def wait_until_ready(pool: ProcessPool, seconds: float) -> float:
    started_at = time.monotonic()
    while pool.health()["status"] != "ready" and time.monotonic() - started_at < seconds:
        time.sleep(0.02)
    assert pool.health()["status"] == "ready", pool.health()
    return time.monotonic() - started_at


def test_dead_parent_is_restarted_and_jobs_meanwhile_get_503_retry_after(reusing):
    import signal

    old_parent, old_children = reusing.parent_pid, reusing.child_pids()
    os.kill(old_parent, signal.SIGKILL)
    time.sleep(0.1)
    with pytest.raises(Restarting) as raised:
        reusing.run(("sum", 3), timeout=5)
    assert raised.value.status == 503 and raised.value.retry_after >= 1
    assert reusing.health()["status"] == "restarting"
    assert wait_until_ready(reusing, 10) < 5
    assert reusing.run(("sum", 3), timeout=5) == 3
    health = reusing.health()
    assert health["restarts"] == 1 and health["pid"] == reusing.parent_pid != old_parent
    assert not any(live(pid) for pid in old_children), "the old parent's children outlived it"
    assert reusing.run(("pid", None), timeout=5)[1] == reusing.parent_pid


def test_parent_dying_mid_job_answers_503_not_a_fault(reusing):
    import signal
    import threading

    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(
        pytest.raises(EvawError, reusing.run, ("spin", None), 10).value))
    worker.start()
    time.sleep(0.3)
    os.kill(reusing.parent_pid, signal.SIGKILL)
    worker.join(10)
    assert isinstance(outcome[0], Restarting) and outcome[0].status == 503
    wait_until_ready(reusing, 10)
    assert reusing.run(("sum", 2), timeout=5) == 1


def test_restarts_back_off_while_the_parent_keeps_dying(reusing):
    import signal

    downtimes = []
    for _ in range(3):  # die again as soon as it is back
        os.kill(reusing.parent_pid, signal.SIGKILL)
        deadline = time.monotonic() + 2
        while reusing.health()["status"] != "restarting" and time.monotonic() < deadline:
            time.sleep(0.01)
        downtimes.append(wait_until_ready(reusing, 20))
    # Waits of 0.5 s, 1 s and 2 s before the three restarts, plus each start's own time.
    assert 0.5 <= downtimes[0] < downtimes[1] < downtimes[2], downtimes
    assert downtimes[2] - downtimes[0] >= 1.2, downtimes
    assert reusing.health()["restarts"] == 3


# --- Fair slots --------------------------------------------------------------------------------

def test_one_client_holds_at_most_its_share_and_others_still_get_slots():
    import threading

    pool = started(ProcessSpec(setup_table, handle, (10,)), reuse=True, size=4, queue_wait=0.3,
                   max_per_client=2)
    hog: list = []

    def as_client(name, job, timeout, into):
        current_client.set(name)
        try:
            into.append(pool.run(job, timeout))
        except EvawError as error:
            into.append(error)

    try:
        threads = [threading.Thread(target=as_client, args=("hog", ("sleep", 2.0), 5, hog))
                   for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.8)  # two sleep, two were refused after the queue wait
        others: list = []
        visitors = [threading.Thread(target=as_client, args=(f"visitor-{n}", ("sum", 4), 5,
                                                             others)) for n in range(2)]
        for thread in visitors:
            thread.start()
        for thread in visitors:
            thread.join(5)
        assert others == [6, 6]
        for thread in threads:
            thread.join(10)
        refused = [item for item in hog if isinstance(item, EvawError)]
        assert hog.count(2.0) == 2 and len(refused) == 2, hog
        assert all(isinstance(error, ClientLimitReached) and error.status == 429
                   and error.retry_after == 1 for error in refused)
        assert pool.health()["max_per_client"] == 2
    finally:
        pool.close()


# --- Stopping -----------------------------------------------------------------------------------

def test_close_is_prompt_with_a_busy_child_and_during_a_setup():
    import threading

    busy = started(ProcessSpec(setup_table, handle, (10,)), reuse=True)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(
        pytest.raises(EvawError, busy.run, ("spin", None), 30).value))
    worker.start()
    time.sleep(0.3)
    pids = [busy.parent_pid, *busy.child_pids()]
    started_at = time.monotonic()
    busy.close()
    assert time.monotonic() - started_at < 0.5
    worker.join(5)
    assert isinstance(outcome[0], NotReady) and outcome[0].status == 503
    loading = ProcessPool(ProcessSpec(slow_setup, handle, (30,)), size=1, queue_wait=0.1,
                          reuse=True)
    loading.start()
    time.sleep(0.5)
    started_at = time.monotonic()
    loading.close()
    assert time.monotonic() - started_at < 0.5
    pids.append(loading.parent_pid)
    deadline = time.monotonic() + 2
    while any(live(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(live(pid) for pid in pids)
    with pytest.raises(NotReady):
        loading.wait_ready(1)


@pytest.mark.parametrize("moment", ["waiting for its spec", "in its setup"])
def test_warm_parent_interrupted_by_ctrl_c_exits_130_without_a_traceback(moment):
    # Ctrl-C at `evawkg serve` reaches the warm parents too (one foreground process group):
    # each printed a KeyboardInterrupt traceback among the server's last lines.
    import signal
    import socket
    import subprocess
    import sys
    from multiprocessing.connection import Connection

    ours, theirs = socket.socketpair()
    process = subprocess.Popen(
        [sys.executable, "-m", "evawkg.processes", str(theirs.fileno()), "interrupted"],
        pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    theirs.close()
    connection = Connection(os.dup(ours.fileno()))
    try:
        if moment == "in its setup":
            connection.send(ProcessSpec(slow_setup, handle, (60,)))
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        stderr = process.communicate(timeout=30)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        connection.close()
        ours.close()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr


def test_a_warm_parent_closed_under_the_read_of_its_first_answer_is_failed_not_a_traceback():
    """stop() may close the connection while the supervisor reads the parent's first answer;
    the read then meets a handle that became None (a TypeError), seen once when a server
    stopped while its pool was still starting."""
    from evawkg.processes.handles import WarmParent

    class ClosedUnderTheRead:
        def recv(self):
            import os
            return os.read(None, 8)  # what Connection._recv meets once close() ran

    parent = WarmParent.__new__(WarmParent)
    parent.connection = ClosedUnderTheRead()
    assert parent.await_ready() == ("failed", "it was stopped while starting", False)
