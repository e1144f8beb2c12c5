"""Nothing lost, nothing torn: the whole server killed with SIGKILL at random moments during a
stream of writes, restarted, holds every acknowledged write and of every other write all or
nothing (a write whose acknowledgement the kill cut off may be whole: it reached the disk);
and a backup taken while writes go on restores to a server holding every write before it."""

from __future__ import annotations

import random
import shutil
import threading
import time

from .conftest import EX, SCRATCH, THINGS, LiveServer, make_tokens, select, update

REPETITIONS = 20
#: Each write adds this many asserted quads, in two graphs.
QUADS_PER_WRITE = 5


def write_text(marker: str) -> str:
    return (f'PREFIX ex: <{EX}>\nINSERT DATA {{ GRAPH <{THINGS}> {{ ex:{marker} a ex:Widget ; '
            f'rdfs:label "{marker}" ; rdfs:comment "durability" ; ex:partOf ex:house }} '
            f'GRAPH <{SCRATCH}> {{ ex:{marker} ex:tag "{marker}" }} }}')


def present(base: str) -> dict[str, int]:
    """How many asserted quads each marker has in the store."""
    rows = select(base, f"""SELECT ?s (COUNT(*) AS ?n) WHERE {{
        VALUES ?g {{ <{THINGS}> <{SCRATCH}> }} GRAPH ?g {{ ?s ?p ?o }}
        FILTER(STRSTARTS(STR(?s), "{EX}m")) }} GROUP BY ?s""")
    return {row["s"]["value"][len(EX):]: int(row["n"]["value"]) for row in rows}


def changes_count(base: str) -> int:
    rows = select(base, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://evawkg.example.org/graph/"
                        "changes> { ?c a <http://www.w3.org/ns/prov#Activity> } }")
    return int(rows[0]["n"]["value"])


class Stream:
    """Writes one marker after another until stopped, noting which were acknowledged."""

    def __init__(self, base: str, secret: str, prefix: str):
        self.base, self.secret, self.prefix = base, secret, prefix
        self.acknowledged: list[str] = []
        self.attempted: list[str] = []
        self.refused: list[tuple[str, int]] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        for index in range(1000):
            if self.stopped.is_set():
                return
            marker = f"{self.prefix}w{index}"
            self.attempted.append(marker)
            try:
                status, _, _ = update(self.base, write_text(marker), self.secret, timeout=20)
            except OSError:
                return  # the server is gone: this write is unacknowledged
            if status == 204:
                self.acknowledged.append(marker)
            else:
                self.refused.append((marker, status))
                return


def test_sigkill_at_random_moments_loses_no_acknowledged_write_and_tears_none(tmp_path):
    tokens, secrets = make_tokens(tmp_path)
    server = LiveServer(tmp_path / "store", tokens)
    rng = random.Random(20251130)
    acknowledged: set[str] = set()
    attempted: set[str] = set()
    started = time.monotonic()
    killed_mid_stream = 0
    try:
        for repetition in range(REPETITIONS):
            server.start()
            found = present(server.base)
            assert acknowledged <= set(found), f"lost after kill {repetition}: {acknowledged - set(found)}"
            torn = {m: n for m, n in found.items() if n != QUADS_PER_WRITE}
            assert not torn, f"half-written after kill {repetition}: {torn}"
            assert set(found) <= attempted
            assert changes_count(server.base) == len(found), "a commit without its activity"
            stream = Stream(server.base, secrets["curator"], f"m{repetition}")
            stream.thread.start()
            time.sleep(rng.uniform(0.05, 1.5))
            killed_mid_stream += stream.thread.is_alive()
            server.kill()
            stream.stopped.set()
            stream.thread.join(30)
            assert not stream.refused, stream.refused
            acknowledged.update(stream.acknowledged)
            attempted.update(stream.attempted)
        server.start()
        found = present(server.base)
        assert acknowledged <= set(found)
        assert all(n == QUADS_PER_WRITE for n in found.values())
        assert len(acknowledged) >= REPETITIONS, "too few writes were acknowledged to mean much"
        assert killed_mid_stream == REPETITIONS
    finally:
        server.kill()
    assert time.monotonic() - started < 600


def test_backup_while_writing_restores_every_write_before_it(tmp_path):
    from click.testing import CliRunner

    from evawkg.cli import main

    tokens, secrets = make_tokens(tmp_path)
    store = tmp_path / "store"
    server = LiveServer(store, tokens).start()
    try:
        for index in range(3):
            assert update(server.base, write_text(f"mb{index}"), secrets["curator"])[0] == 204
        stream = Stream(server.base, secrets["curator"], "mduring")
        stream.thread.start()
        time.sleep(0.5)
        result = CliRunner().invoke(main, ["backup", str(tmp_path / "backup"), "--store", str(store)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        stream.stopped.set()
        stream.thread.join(30)
        assert update(server.base, write_text("mafter"), secrets["curator"])[0] == 204
    finally:
        server.stop()
    shutil.rmtree(store)
    shutil.copytree(tmp_path / "backup", store)  # the restore: copy the backup back in place
    restored = LiveServer(store, tokens).start()
    try:
        found = present(restored.base)
        assert {"mb0", "mb1", "mb2"} <= set(found)
        assert "mafter" not in found
        assert all(n == QUADS_PER_WRITE for n in found.values())
        # the restored store takes writes again, its history continuing
        assert update(restored.base, write_text("mrestored"), secrets["curator"])[0] == 204
        assert changes_count(restored.base) == len(found) + 1
    finally:
        restored.stop()
