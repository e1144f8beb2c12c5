"""SERVICE calls against a real listener on loopback that must hear nothing (issue 14, item 1).

The server runs with its network sandbox off, as with ``--no-sandbox-network`` or any
``--allow-service`` (which turns the sandbox off), so only the rules stand between a query and
the network. Through the real HTTP app and query pool: the issue's own bypass, then generated
queries hiding a SERVICE call among escapes, comments, strings and IRIs.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from evawkg.settings import Settings
from evawkg.web import create_app
from ..support import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "web"
DATA = (str(FIXTURES / "organizations.ttl"), str(FIXTURES / "activities.trig"))


class Listener:
    """A TCP listener on 127.0.0.1 that counts connections and closes each at once."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            connection.close()

    def heard(self, settle: float = 0.05) -> int:
        time.sleep(settle)  # a connection still in the backlog is counted too
        with self._lock:
            return self.connections

    def close(self) -> None:
        self.socket.close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


#: An allow-listed endpoint nothing listens on: its failure must be a clean 502.
DEAD = f"http://127.0.0.1:{free_port()}/sparql"


def _app(**settings):
    application = create_app(Settings(data=DATA, max_concurrent_queries=2, queue_wait=5.0,
                                      query_timeout=10.0, **settings))
    application.extensions["evawkg"].service.wait_ready(60)
    return application


@pytest.fixture(scope="module", params=["no-sandbox", "allow-other"])
def client(request):
    """The app as ``--no-sandbox-network``, then as ``--allow-service <another endpoint>``."""
    settings = ({"sandbox_network": False} if request.param == "no-sandbox"
                else {"allow_service": (DEAD,)})
    application = _app(**settings)
    yield application.test_client()
    application.extensions["evawkg"].service.close()


def test_issue_bypass_escaped_hash_in_prefixed_name_reaches_nothing(client, listener):
    before = listener.heard(0)
    query = (f"SELECT * WHERE {{ BIND(id:x\\#y AS ?z) SERVICE <http://127.0.0.1:{listener.port}/x> "
             "{ ?a ?b ?c } }")
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/json"})
    assert listener.heard() == before, "the SERVICE call reached the listener"
    assert response.status_code == 403
    assert response.get_json()["error"] == "service-refused"


# --- Generated queries ----------------------------------------------------------------------

#: Terms that lexers misread: escapes in prefixed names, strings holding comment or bracket
#: characters, codepoint escapes, IRIs with "#", "}" or quotes.
TERMS = ['"a"', "'b'", '"""x\n"y"""', "'''z''z'''", r'"\""', r"'\''", '"#"', "'}'", '"{"',
         r'"\u0022"', r"'\u0027'", r'"\u0023"', r'"a\u000Ab"', r"id:x\#y", r"id:a\.b", r"id:\'",
         r"id:x\~", r"id:\#", r"id:x\#", r"id:\#\#", "<http://e/#x>", "<http://e/a'b>",
         r"<http://e/\u0023>", '"# not a comment"', "'SERVICE <x> {}'", r'"\\"', r"'''\''''",
         r'"""\""""', r'"\t"', "1", "1.", "true", "<http://e/}>", r"'\\'", r'"\u005C"',
         r"id:\u0041", r'"\U00000041"', r'"\\u0041"', "id:a.", "_:b.", "'x'@en", '"1"^^xsd:int']
#: The terms a hand-written lexer got wrong: escaped "#" and quotes, "#" and brackets in strings.
TRAPS = [r"id:x\#y", r"id:\#", r"id:x\#", r"id:\#\#", r"id:\'", r'"\""', r"'\''", '"#"',
         "<http://e/#x>", r'"\\"', "'}'", r"id:a\.b"]
#: What may stand between patterns: white space of every kind, comments ending at \n or \r,
#: comments holding quotes, brackets or a backslash; then codepoint escapes of white space.
SEPARATORS = [" ", "\n", "\r", "\r\n", "\t", "# c\n", "# c\r", "#\\\n", "#\\\r", "# '\n",
              '# "\n', "# <\n", "# }\n", " . "]
ESCAPED_SEPARATORS = ["#\\u0023\n", r"\u0020", r"\u000A", r"\u000D", r"\u0009", "# \\u000A "]
PATTERNS = ["?s ?p ?o .", "BIND({t} AS ?z{i})", "FILTER({t} != 0)", "?s ?p {t} .",
            "OPTIONAL {{ ?s ?p {t} }}", "VALUES ?v{i} {{ {t} }}", "FILTER(?s = {t})"]
FORMS = ["SELECT * WHERE {{ {b} }}", "ASK {{ {b} }}", "CONSTRUCT {{ ?a ?b ?c }} WHERE {{ {b} }}",
         "SELECT * WHERE {{ {{ SELECT * WHERE {{ {b} }} }} }}", "DESCRIBE ?a WHERE {{ {b} }}",
         "SELECT * FROM <http://g/> WHERE {{ {b} }}",
         "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {b} }} }}"]


def service_calls(port: int, relative: bool, escaped: bool) -> list[str]:
    """Spellings of one SERVICE call to the listener (every one resolves to 127.0.0.1)."""
    endpoint = f"http://127.0.0.1:{port}/x"
    calls = [f"SERVICE <{endpoint}> {{ ?a ?b ?c }}", f"sErViCe SILENT <{endpoint}> {{ ?a ?b ?c }}",
             f"SERVICE<{endpoint}>{{?a ?b ?c}}", "SERVICE loop:x { ?a ?b ?c }",
             "SERVICE loop:x\\#y { ?a ?b ?c }", f"SERVICE <http://127.0.0.1:{port}/\\u0078> {{ ?a ?b ?c }}"]
    if relative:
        calls.append("SERVICE <x> { ?a ?b ?c }")
    if escaped:  # codepoint escapes outside strings and IRIs: SPARQL 1.1 section 19.2
        calls += [f"\\u0053ERVICE <{endpoint}> {{ ?a ?b ?c }}", f"SERV\\u0049CE <{endpoint}> {{ ?a ?b ?c }}",
                  f"SERVICE \\u003C{endpoint}\\u003E {{ ?a ?b ?c }}", "SERVICE loop:\\u0078 { ?a ?b ?c }"]
    return calls


def generated_query(rng: random.Random, port: int) -> str:
    """A query with one SERVICE call to the listener somewhere among tricky terms and
    separators, sometimes with one more separator or term pasted at a random position. Half of
    them also hold codepoint escapes outside strings, which only SPARQL's escape processing
    turns into syntax."""
    relative, escaped = rng.random() < 0.4, rng.random() < 0.5
    separators = SEPARATORS + (ESCAPED_SEPARATORS if escaped else [])
    prologue = f"PREFIX loop: <http://127.0.0.1:{port}/> " + (
        f"BASE <http://127.0.0.1:{port}/> " if relative else "")
    parts = [rng.choice(PATTERNS).format(t=rng.choice(TERMS), i=i)
             for i in range(rng.randint(0, 4))]
    call = rng.choice(service_calls(port, relative, escaped))
    if rng.random() < 0.5:  # a lexer trap right before the call, on its line
        call = rng.choice(PATTERNS).format(t=rng.choice(TRAPS), i=9) + " " + call
    parts.insert(rng.randint(0, len(parts)), call)
    # Mostly a plain space: a lexer's mistake hides what follows on the same line.
    body = "".join("".join(" " if rng.random() < 0.6 else rng.choice(separators)
                           for _ in range(rng.randint(1, 2))) + part
                   for part in parts) + rng.choice(separators)
    if rng.random() < 0.3:
        at = rng.randint(0, len(body))
        body = body[:at] + rng.choice(separators + TERMS) + body[at:]
    return prologue + rng.choice(FORMS).format(b=body)


CASES = 300
SECONDS = 120.0


def test_generated_service_calls_reach_nothing_and_answer_4xx_or_normally(client, listener):
    rng = random.Random(14)
    before = listener.heard(0)
    statuses: dict[int, int] = {}
    faults = []
    started = time.monotonic()
    for _ in range(CASES):
        if time.monotonic() - started > SECONDS:
            break
        query = generated_query(rng, listener.port)
        response = client.post("/sparql", data=query.encode(),
                               content_type="application/sparql-query")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            faults.append((query, response.get_data(as_text=True)[:300]))
        if listener.heard(0) != before:
            pytest.fail(f"the listener was reached by {query!r}")
    assert listener.heard() == before
    assert not faults, faults[:3]
    assert sum(statuses.values()) >= 100, "too few cases ran in the time bound"
    assert statuses.get(403, 0) > 0


def test_generated_queries_do_call_the_listener_without_the_rules(listener):
    """The generator is worth something: run as pyoxigraph reads them (after the codepoint
    unescaping the server applies), many of the same queries call the listener."""
    from evawkg.errors import EvawError
    from evawkg.sparql.rules import unescape_codepoints

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
                      ox.NamedNode("http://e/o"), ox.NamedNode("http://g/")))
    rng = random.Random(14)
    reached = 0
    base = f"http://127.0.0.1:{listener.port}/"
    for _ in range(CASES):
        query = generated_query(rng, listener.port)
        before = listener.heard(0)
        try:
            result = store.query(unescape_codepoints(query), base_iri=base,
                                 prefixes={"id": "http://e/id/",
                                           "xsd": "http://www.w3.org/2001/XMLSchema#"},
                                 use_default_graph_as_union=True)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        except (SyntaxError, OSError, RuntimeError, ValueError, EvawError):
            pass
        reached += listener.heard(0.002) != before
    assert reached >= CASES // 5, f"only {reached} of {CASES} generated queries call SERVICE"


def test_allow_listed_service_that_fails_is_a_clean_502():
    application = _app(allow_service=(DEAD,))
    try:
        response = application.test_client().get(
            "/sparql", query_string={"query": f"SELECT * WHERE {{ SERVICE <{DEAD}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/json"})
    finally:
        application.extensions["evawkg"].service.close()
    assert response.status_code == 502
    body = response.get_json()
    assert body["error"] == "service-failed" and DEAD in body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
