"""Per-request overhead of ``evawkg serve`` against the bare Flask + pyoxigraph endpoint (and
Virtuoso when it runs), with the team's peer benchmark (``../shared/bench``): same data, same
queries, same load generator, in one run.

The peer benchmark prints latency and throughput. On a shared 2-core machine those swing 2x
between runs (the floor itself: 657 against 1,296 requests/s on the point lookup, minutes apart),
so this script adds what does not: the **CPU time each server's process tree spends per request**
(read from ``/proc`` before and after each load run; for evawkg split into the web worker and the
query processes). Servers alternate for ``--rounds`` rounds; medians are printed.

evawkg runs from this checkout (the ``evawkg`` command beside this interpreter, this tree's
``src`` first on the path). The load generator's N clients share one address, which evawkg's
fair share of query slots counts as one client (``max_slots_per_client``: half the slots); a
deployment with N analysts has N addresses. So evawkg runs with ``max_slots_per_client`` = N
(``--slots-per-client``; 0 keeps the server's default, and that run is worth reading too).
Every request here repeats one text, which evawkg's answer cache (``answer_cache_mb``) would
answer from memory: ``evawkg`` runs with it off, so the hop and the query are measured;
``--cached`` adds ``evawkg-cached``, the default configuration (the worker then sends a repeated
request's whole answer again from its event loop: :mod:`evawkg.web.repeats`). The load
generator's own CPU per request is printed too: on the point lookup it spends more than any
server here, on the same two cores.

``--in-thread`` adds ``evawkg-in-thread`` (``bench/in_thread_server.py``, never served): evawkg's
own worker, app and settings with each query run in the request thread, no query process. It
splits evawkg's cost over the floor in two: ``evawkg`` against it is what the hop to a killable
query process costs, it against the floor is what evawkg's web layer costs.

Usage::

    python bench/bench_peer.py [--triples 100000] [--rounds 3] [--requests 1000] \\
        [--queries Q0_point,Q1_country_date,Q3_partners_concat] [--virtuoso] [--write docs/benchmarks.md]
        [--before-src ../main/src] [--in-thread]

``--virtuoso`` includes a Virtuoso already running on 127.0.0.1:8890 with the data loaded::

    bash ../shared/bench/virtuoso_setup.sh /tmp/evawkg-bench-peer data-100k.ttl \
        https://kg.example.org/graph /tmp/evawkg-bench-peer/virtuoso-kg
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
SECTION = "### Per-request overhead against a bare Flask + pyoxigraph endpoint"
TICKS = os.sysconf("SC_CLK_TCK")


def load_peer(peer_dir: Path):
    """The peer benchmark's modules (``http_bench``, ``loadgen``, ``queries``)."""
    if not (peer_dir / "http_bench.py").exists():
        sys.exit(f"bench_peer: no peer benchmark in {peer_dir}; pass --peer-dir")
    sys.path.insert(0, str(peer_dir))
    import http_bench  # noqa: PLC0415
    import loadgen  # noqa: PLC0415
    import queries  # noqa: PLC0415
    return http_bench, loadgen, queries


def process_tree(root: int) -> list[int]:
    """``root`` and every process below it, from ``/proc``."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    parents[int(entry)] = int(stream.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sorted(tree)


def cpu_by_role(pids: list[int]) -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each process, with its role: query process or web."""
    seen = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/cmdline", "rb") as stream:
                command = stream.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        role = "query" if "evawkg.processes" in command else (
            "store" if "virtuoso" in command else "web")
        seen[pid] = (role, (int(fields[11]) + int(fields[12])) / TICKS)
    return seen


def cpu_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request by role, over processes alive at both readings."""
    spent: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        if pid in before:
            spent[role] = spent.get(role, 0.0) + seconds - before[pid][1]
    return {role: seconds * 1000 / max(requests, 1) for role, seconds in spent.items()}


def external_pids(name: str, args) -> list[int]:
    """A server this script did not start (Virtuoso): its pid from its pid file, if readable."""
    if name != "virtuoso":
        return []
    try:
        return [int(args.virtuoso_pid_file.read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        return []


def make_data(peer_dir: Path, work: Path, triples: int) -> Path:
    tag = f"{triples // 1000}k"
    data = work / f"data-{tag}.ttl"
    if not data.exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(peer_dir / "gen.py"), "--out", str(work),
                        "--triples", str(triples), "--tag", tag], check=True)
    return data


def run_server(name, table, args, peer, results) -> None:
    """Start ``name``, run every query once under load, record latency, throughput, CPU."""
    http_bench, loadgen, queries = peer
    command, env, url, _ = table[name]
    process = None
    if command:
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        http_bench.wait_ready(url)
        extra = {"default-graph-uri": args.virtuoso_graph} if name == "virtuoso" else None
        for query_name in args.queries.split(","):
            text = queries.q(query_name)
            loadgen.run(url, text, args.concurrency, args.warmup, 20,
                        "application/sparql-results+json", extra)
            pids = process_tree(process.pid) if process else external_pids(name, args)
            before = cpu_by_role(pids)
            client_before = own_cpu_seconds()
            answer = loadgen.run(url, text, args.concurrency, args.requests, args.max_seconds,
                                 "application/sparql-results+json", extra)
            answered = answer["ok"] + answer["errors"]
            cpu = cpu_per_request(before, cpu_by_role(pids), answered)
            client_cpu = (own_cpu_seconds() - client_before) * 1000 / max(answered, 1)
            if answer["errors"]:
                print(f"  {name} {query_name}: {answer['errors']} errors, first: "
                      f"{answer.get('first_error')}", flush=True)
            results.setdefault((name, query_name), []).append(
                {"p50": answer["p50_ms"] or 0.0, "rps": answer["rps"], "cpu": cpu,
                 "client": client_cpu})
            print(f"  {name:24s} {query_name:20s} p50 {answer['p50_ms'] or 0:7.1f} ms "
                  f"{answer['rps']:7.1f} req/s  CPU/request "
                  + ", ".join(f"{role} {ms:.2f} ms" for role, ms in sorted(cpu.items()))
                  + f", load generator {client_cpu:.2f} ms", flush=True)
    finally:
        if process:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process: the load generator's clients run in it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def median_of(runs: list[dict], key: str, role: str | None = None) -> float:
    if role is None:
        return statistics.median(run[key] for run in runs)
    return statistics.median(run[key].get(role, 0.0) for run in runs)


def report(results, servers, queries, args, started_load, ended_load) -> str:
    floor = "gunicorn-gthread-1w4t"
    lines = [
        SECTION + " (bench/bench_peer.py)",
        "",
        f"Measured {date.today().isoformat()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {started_load} at the start, "
        f"{ended_load} at the end. Command:",
        "",
        f"    python bench/bench_peer.py --triples {args.triples} --rounds {args.rounds} "
        f"--requests {args.requests} --concurrency {args.concurrency} "
        f"--slots-per-client {args.slots_per_client}"
        + "".join(f" --{flag}" for flag in ("cached", "in-thread", "virtuoso")
                  if getattr(args, flag.replace("-", "_"))),
        "",
        f"{args.triples:,} triples of the peer generator, {args.concurrency} keep-alive clients, "
        f"medians of {args.rounds} rounds (servers alternating). CPU: milliseconds of the "
        "server's whole process tree per request (evawkg: web worker + query processes); the "
        "load generator's own CPU per request (its clients, in this process, on the same cores) "
        "is the last column.",
        "",
        "| query | server | p50 (ms) | requests/s | x floor (req/s) | CPU/request (ms) | x floor (CPU) "
        "| load generator CPU/request (ms) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for query_name in queries:
        base = results.get((floor, query_name))
        for name in servers:
            runs = results.get((name, query_name))
            if not runs:
                continue
            rps, p50 = median_of(runs, "rps"), median_of(runs, "p50")
            cpu = statistics.median(sum(run["cpu"].values()) for run in runs)
            split = ""
            if name.startswith("evawkg") and name != "evawkg-in-thread":
                split = (f" (web {median_of(runs, 'cpu', 'web'):.2f} + query "
                         f"{median_of(runs, 'cpu', 'query'):.2f})")
            ratio_rps = ratio_cpu = "-"
            if base and name != floor:
                ratio_rps = f"{rps / median_of(base, 'rps'):.2f}x"
                base_cpu = statistics.median(sum(run["cpu"].values()) for run in base)
                ratio_cpu = f"{cpu / base_cpu:.2f}x" if base_cpu and cpu else "-"
            cpu_text = f"{cpu:.2f}{split}" if cpu else "- (not ours to read)"
            client = statistics.median(run["client"] for run in runs)
            lines.append(f"| {query_name} | {name} | {p50:.1f} | {rps:.0f} | {ratio_rps} | "
                         f"{cpu_text} | {ratio_cpu} | {client:.2f} |")
    return "\n".join(lines) + "\n"


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def add_peer_arguments(parser: argparse.ArgumentParser) -> None:
    """The peer benchmark's data and queries: where its scripts are, where the generated graph
    goes, its size, and which of its queries to run (bench_answers.py takes the same)."""
    parser.add_argument("--peer-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--work", type=Path, default=Path("/tmp/evawkg-bench-peer"))
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--queries", default="Q0_point,Q1_country_date,Q3_partners_concat")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_peer_arguments(parser)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--slots-per-client", type=int, default=-1,
                        help="evawkg's max_slots_per_client (default: the client count; 0: its own default)")
    parser.add_argument("--virtuoso", action="store_true", help="also Virtuoso on 127.0.0.1:8890")
    parser.add_argument("--cached", action="store_true",
                        help="also evawkg with its answer cache (a repeated query from memory)")
    parser.add_argument("--before-src", type=Path,
                        help="also run evawkg (answer cache off) from this other checkout's src "
                             "directory, as evawkg-before on port 8209: before and after a change "
                             "in the same rounds, under the same load")
    parser.add_argument("--in-thread", action="store_true",
                        help="also evawkg with each query run in its request thread "
                             "(bench/in_thread_server.py, port 8211): the cost of the hop")
    parser.add_argument("--virtuoso-graph", default="https://kg.example.org/graph")
    parser.add_argument("--virtuoso-pid-file", type=Path,
                        default=Path("/tmp/evawkg-bench-peer/virtuoso-kg/virtuoso.pid"),
                        help="where virtuoso_setup.sh wrote its pid (for its CPU per request)")
    parser.add_argument("--write", type=Path, help="replace this section of a Markdown file")
    args = parser.parse_args()
    if args.slots_per_client < 0:
        args.slots_per_client = args.concurrency
    peer = load_peer(args.peer_dir)
    data = make_data(args.peer_dir, args.work, args.triples)
    evawkg = Path(sys.executable).parent / "evawkg"
    os.environ.update(EVAWKG_BIN=str(evawkg),
                      PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                               os.environ.get("PYTHONPATH")])))
    if args.slots_per_client:
        os.environ["EVAWKG_MAX_SLOTS_PER_CLIENT"] = str(args.slots_per_client)
    table = peer[0].servers(SimpleNamespace(data=str(data), venv=str(Path(sys.executable).parent.parent),
                                            app_dir=str(args.peer_dir)))
    # "evawkg" runs every request (the hop and the query: what this benchmark is for);
    # "evawkg-cached" keeps its default answer cache, which serves a repeated query from memory.
    command, environment, url, fast = table["evawkg"]
    table["evawkg"] = (command, dict(environment, EVAWKG_ANSWER_CACHE_MB="0"), url, fast)
    cached_port = "8208"
    table["evawkg-cached"] = ([cached_port if part == url.split(":")[-1].split("/")[0] else part
                               for part in command], environment,
                              url.replace(url.split(":")[-1].split("/")[0], cached_port), fast)
    port = url.split(":")[-1].split("/")[0]
    if args.before_src:
        table["evawkg-before"] = (
            ["8209" if part == port else part for part in table["evawkg"][0]],
            dict(table["evawkg"][1], PYTHONPATH=str(args.before_src.resolve())),
            url.replace(port, "8209"), fast)
    if args.in_thread:
        table["evawkg-in-thread"] = (
            [sys.executable, str(ROOT / "bench" / "in_thread_server.py"), "--data", str(data),
             "--port", "8211", "--max-rows", "0"],
            table["evawkg"][1], url.replace(port, "8211"), fast)
    servers = (["evawkg", "gunicorn-gthread-1w4t"] + (["evawkg-before"] if args.before_src else [])
               + (["evawkg-in-thread"] if args.in_thread else [])
               + (["evawkg-cached"] if args.cached else [])
               + (["virtuoso"] if args.virtuoso else []))
    started_load = load_average()
    results: dict = {}
    for round_number in range(args.rounds):
        print(f"round {round_number + 1} (load {load_average()})", flush=True)
        for name in servers:
            run_server(name, table, args, peer, results)
        time.sleep(1)
    section = report(results, servers, args.queries.split(","), args, started_load, load_average())
    print(section)
    if args.write:
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_http import write_section  # noqa: PLC0415
        write_section(args.write, section, SECTION)


if __name__ == "__main__":
    main()
