"""Progress of long work: quiet when short, a status line rewritten in place on a terminal,
plain lines no more often than every few seconds in a log, and a last line with count and rate;
wired into loading files and inference."""

from __future__ import annotations

import io

import pytest

from evawkg.graph import progress
from evawkg.graph.inference import infer
from evawkg.graph.progress import Reporter, Task, rate
from evawkg.graph.store import load_bundle, load_files
from evawkg.graph.synthetic import write_synthetic


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_task_shorter_than_the_quiet_period_prints_nothing():
    lines: list[str] = []
    clock = Clock()
    task = Task(lines.append, "loading x", clock=clock)
    clock.now += 1.0
    task.update("half")
    task.finish("loaded x")
    assert lines == []


def test_task_in_a_log_prints_plain_lines_at_most_every_interval_then_the_summary():
    stream = io.StringIO()
    clock = Clock()
    task = Task(Reporter(stream, terminal=False), "loading x", clock=clock)
    for _ in range(30):  # 30 updates over 15 s
        clock.now += 0.5
        task.update(f"{clock.now - 100:.1f} s")
    task.finish("loaded x: " + rate(1_000_000, 15.0, "quads"))
    lines = stream.getvalue().splitlines()
    assert lines == ["evawkg: loading x: 2.0 s", "evawkg: loading x: 12.0 s",
                     "evawkg: loaded x: 1,000,000 quads in 15.0 s, 66,667 quads/s"]
    assert "\r" not in stream.getvalue()


def test_task_on_a_terminal_rewrites_one_status_line_then_ends_it():
    stream = io.StringIO()
    clock = Clock()
    task = Task(Reporter(stream, terminal=True), "inferring", clock=clock)
    for step in range(5):
        clock.now += 1.0
        task.update(f"round {step}")
    task.finish("inferred 10 triples")
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("evawkg: inferred 10 triples\n")
    assert "\r\033[Kevawkg: inferring: round 1" in text and "\r\033[Kevawkg: inferring: round 4" in text


def test_reporter_called_with_a_message_prints_one_line_as_before():
    stream = io.StringIO()
    Reporter(stream, terminal=False)("listening on http://127.0.0.1:8080/sparql")
    assert stream.getvalue() == "evawkg: listening on http://127.0.0.1:8080/sparql\n"


@pytest.fixture()
def always_report(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)


def test_load_files_long_load_reports_bytes_read_then_quads_and_rate(tmp_path, always_report):
    path = tmp_path / "big.nt"
    write_synthetic(path, 20_000, seed=1)  # ~3 MB: past the 1 MB between updates
    lines: list[str] = []
    store = load_files([path], progress=lines.append)
    assert any(line.startswith("loading big.nt: ") and " MB (" in line and "MB/s" in line for line in lines)
    assert lines[-1].startswith(f"loaded big.nt: {len(store):,} quads in ") and lines[-1].endswith("quads/s")


def test_infer_reports_its_rounds_and_the_count_it_inferred(bundle, always_report):
    lines: list[str] = []
    store = load_bundle(bundle, infer=False)
    count = infer(store, progress=lines.append)
    assert any(line.startswith("inferring the OWL 2 RL closure: round 1, ") for line in lines)
    assert lines[-1].startswith(f"inferred the OWL 2 RL closure: {count:,} triples in ")


def test_load_bundle_and_inference_of_the_bundle_stay_quiet_by_default(bundle):
    lines: list[str] = []
    load_bundle(bundle, progress=lines.append)
    assert lines == []
