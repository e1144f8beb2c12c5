"""Real SPARQL stores on loopback for the tests: Oxigraph server (the ``oxigraph`` package's
binary) and Virtuoso Open Source 7 (Debian's ``virtuoso-t``), each with a private directory, a
free loopback port and a bounded start; stopped at the end of the session.

Each store is loaded by :func:`evawkg.sparql.remote_load.load_into_store`, the code behind
``evawkg load --sparql-endpoint``: Oxigraph server through its Graph Store Protocol endpoint,
Virtuoso through its authenticated (Digest) SPARQL Update endpoint, as an operator would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..support import free_port, wait_for

VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


@dataclass
class Store:
    """One running store: its kind, endpoints and process."""

    kind: str
    directory: Path
    port: int
    process: subprocess.Popen | None = None
    command: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + ("/query" if self.kind == "oxigraph" else "/sparql")

    @property
    def update_url(self) -> str:
        return self.base + ("/update" if self.kind == "oxigraph" else "/sparql-auth")

    @property
    def graph_store_url(self) -> str:
        return self.base + ("/store" if self.kind == "oxigraph" else "/sparql-graph-crud-auth")

    @property
    def auth(self) -> str:
        return "" if self.kind == "oxigraph" else "dba:dba"

    def settings(self, **overrides):
        from evawkg.settings import Settings

        # The suites run again here expect the graph's own IRIs, as their embedded fixtures set.
        overrides.setdefault("public_base", "https://evawkg.example.org/")
        return Settings(sparql_endpoint=self.query_url, **overrides)

    def loader_client(self):
        from evawkg.sparql.store_client import StoreClient

        return StoreClient(self.query_url, update_url=self.update_url,
                           graph_store_url=self.graph_store_url if self.kind == "oxigraph" else "",
                           auth=self.auth)

    def start(self, seconds: float = 120.0) -> None:
        log = open(self.directory / "store.log", "ab")
        self.process = subprocess.Popen(self.command, cwd=self.directory, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        probe = self.query_url + "?query=ASK%7B%7D"
        try:
            wait_for(probe, seconds)
        except TimeoutError:
            self.stop()
            tail = (self.directory / "store.log").read_text(errors="replace")[-2000:]
            raise TimeoutError(f"{self.kind} did not start within {seconds} s:\n{tail}") from None

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        """Kill and start again on the same port and directory (the data stays): what ends the
        work of a query Oxigraph server cannot stop itself."""
        self.stop()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.start(60)
                return
            except (TimeoutError, OSError):
                time.sleep(0.5)
        raise TimeoutError(f"{self.kind} did not restart")

    def load(self, dataset, *, infer: bool = False) -> None:
        from evawkg.sparql.remote_load import load_into_store

        client = self.loader_client()
        try:
            load_into_store(client, dataset, infer=infer, timeout=300)
        finally:
            client.close()


def start_oxigraph(directory: Path) -> Store:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph binary is missing: pip install oxigraph (the test extra)")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    store = Store("oxigraph", directory, port,
                  command=[binary, "serve", "--location", str(directory / "data"),
                           "--bind", f"127.0.0.1:{port}"])
    store.start(60)
    return store


def virtuoso_config(directory: Path, http_port: int, sql_port: int) -> str:
    """Debian's virtuoso.ini with the database in ``directory``, loopback-only ports and
    threads for the tests' concurrent clients.

    ``ResultSetMaxRows`` stays at its 10000: the client pages below it and fails loudly past it."""
    text = VIRTUOSO_INI.read_text()
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{directory}/")
    text = re.sub(r"(?m)^ServerPort(\s*)= 1111", rf"ServerPort\g<1>= 127.0.0.1:{sql_port}", text)
    text = re.sub(r"(?m)^ServerPort(\s*)= 8890", rf"ServerPort\g<1>= 127.0.0.1:{http_port}", text)
    text = re.sub(r"(?m)^ServerThreads(\s*)=.*", r"ServerThreads\g<1>= 24", text)
    text = re.sub(r"(?m)^MaxClientConnections(\s*)=.*", r"MaxClientConnections\g<1>= 24", text)
    text = re.sub(r"(?m)^MaxKeepAlives(\s*)=.*", r"MaxKeepAlives\g<1>= 24", text)
    text = re.sub(r"(?m)^CheckpointInterval(\s*)=.*", r"CheckpointInterval\g<1>= 0", text)
    # No refusal by the optimiser's estimate: a query past its limit is stopped by the timeout
    # evawkg sends (what the timeout tests check), not refused before it runs.
    text = re.sub(r"(?m)^MaxQueryCostEstimationTime(\s*)=.*", r"MaxQueryCostEstimationTime\g<1>= 0", text)
    text = re.sub(r"(?m)^Load\d+\s*=.*\n", "", text)  # no hosting plug-ins
    return text


def start_virtuoso(directory: Path) -> Store:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise RuntimeError("virtuoso-t is missing: apt-get install virtuoso-opensource")
    directory.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    (directory / "virtuoso.ini").write_text(virtuoso_config(directory, http_port, sql_port))
    store = Store("virtuoso", directory, http_port,
                  command=[binary, "+configfile", str(directory / "virtuoso.ini"), "+foreground"])
    store.start(120)
    return store


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}


def start(kind: str, directory: Path) -> Store:
    return STARTERS[kind](directory)


__all__ = ["Store", "start", "start_oxigraph", "start_virtuoso", "oxigraph_binary"]
