"""SELECT answers asked as JSON are written by pyoxigraph directly (no TSV re-read) and mean what
the TSV path meant: the same solutions, the same ``rows``, the same cap refusal, the same IRIs
published under the public base (:func:`evawkg.sparql.answers._json_solutions`,
:meth:`evawkg.graph.public_base.PublicBase.json_out`).

The reference is the TSV path itself: the same job answered as TSV (written, capped and mapped
by ``tsv_out``), read back by pyoxigraph and written as JSON, which is what a JSON answer was
before. The first tests pin down each fact about pyoxigraph's JSON that the direct path relies
on, on pyoxigraph's real output."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from evawkg.errors import NotAcceptable, ResultTooLarge
from evawkg.graph.public_base import PublicBase
from evawkg.namespaces import PREFIXES
from evawkg.sparql import AnswerFormats
from evawkg.sparql import answers
from evawkg.sparql.answers import _RESULTS, QueryJob, _RowBoundWriter, _RowLimit, execute
from evawkg.sparql.service import answer_format

CANONICAL = "https://evawkg.example.org/"
OUTSIDE = "http://127.0.0.1:8080/"
INSIDE = CANONICAL + "mirror/"
GRAPH = ox.NamedNode(CANONICAL + "graph/test")
JSON = ox.QueryResultsFormat.JSON

# Texts that look like the JSON around them, and the characters JSON escapes.
AWKWARD = ["x},{y", 'x},{"y', "{}", "},{}", '},{"o":{"type":"uri","value":"' + CANONICAL + 'z"}',
           'say "hi"', "back\\slash\\", "tab\there", "line\nfeed", "cr\rreturn", "\x01control",
           "é ü 😀 \u2028", "/slash/", '"type":"uri","value":"' + CANONICAL + "q",
           '"datatype":"' + CANONICAL + "dt", CANONICAL + "in/a/literal", "ends},{"]


def _iri(path: str) -> ox.NamedNode:
    return ox.NamedNode(CANONICAL + path)


def _store(extra: list[tuple] = ()) -> ox.Store:
    store = ox.Store()
    statements = [(_iri("a"), _iri("p"), _iri("b")),
                  (_iri("a"), _iri("p"), ox.Literal("hi", language="en-GB")),
                  (_iri("a"), _iri("p"), ox.Literal("7", datatype=_iri("ontology#code"))),
                  (_iri("a"), _iri("p"), ox.Literal("3", datatype=ox.NamedNode(
                      "http://www.w3.org/2001/XMLSchema#integer"))),
                  (_iri("a"), _iri("p"), ox.BlankNode("b1")),
                  (ox.BlankNode("b1"), _iri("p"), _iri("mirror/already")),
                  (_iri("a"), _iri("p"), ox.NamedNode("http://example.org/elsewhere")),
                  *[(_iri("a"), _iri("text"), ox.Literal(text)) for text in AWKWARD],
                  *extra]
    store.extend(ox.Quad(s, p, o, GRAPH) for s, p, o in statements)
    return store


def _job(text: str, fmt: str = "json", max_rows: int = 0, public: str | None = None) -> QueryJob:
    return QueryJob(text, AnswerFormats.only(answer_format(fmt)), PREFIXES, max_rows=max_rows,
                    base_iri=CANONICAL, public_base=public)


def _parsed(payload: bytes) -> tuple[list[str], list[dict]]:
    document = json.loads(payload)
    return document["head"]["vars"], document["results"]["bindings"]


def _via_tsv(store: ox.Store, job: QueryJob):
    """What the TSV path answers, as JSON (the path JSON answers took before)."""
    tsv = execute(store, QueryJob(**{**job.__dict__, "formats": AnswerFormats.only(answer_format("tsv"))}))
    reread = ox.parse_query_results(tsv.payload, format=ox.QueryResultsFormat.TSV)
    return reread.serialize(format=JSON), tsv.rows


def _same_as_tsv(store: ox.Store, text: str, max_rows: int = 0, public: str | None = None):
    """Answer ``text`` both ways; the same solutions and rows (or the same refusal)."""
    job = _job(text, max_rows=max_rows, public=public)
    try:
        expected, expected_rows = _via_tsv(store, job)
    except ResultTooLarge as refusal:
        with pytest.raises(ResultTooLarge) as raised:
            execute(store, job)
        assert str(raised.value) == str(refusal)
        return None
    answer = execute(store, job)
    assert _parsed(answer.payload) == _parsed(expected)
    assert answer.rows == expected_rows == len(_parsed(answer.payload)[1])
    assert answer.format.name == "json"
    return answer


@pytest.fixture
def fallbacks(monkeypatch) -> list[int]:
    """Records each answer the direct path handed to the TSV path (a second run)."""
    seen: list[int] = []
    direct = answers._json_solutions

    def spy(solutions, max_rows, iris):
        written = direct(solutions, max_rows, iris)
        if written is None:
            seen.append(max_rows)
        return written

    monkeypatch.setattr(answers, "_json_solutions", spy)
    return seen


# -- what pyoxigraph writes -----------------------------------------------------------------

def _json_of(store: ox.Store, text: str) -> bytes:
    return store.query(text, use_default_graph_as_union=True).serialize(format=JSON)


def test_pyoxigraph_writes_compact_json_with_keys_in_a_fixed_order():
    store = _store()
    payload = _json_of(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    # Compact: re-writing the parsed document without whitespace, keys in their order, is a no-op.
    assert json.dumps(json.loads(payload), separators=(",", ":"), ensure_ascii=False).encode() == payload
    assert payload.startswith(b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[{"s":')
    assert b'"type":"uri","value":"' + CANONICAL.encode() + b'a"' in payload
    assert b'{"type":"literal","value":"7","datatype":"' + CANONICAL.encode() + b'ontology#code"}' in payload
    assert b'{"type":"literal","value":"hi","xml:lang":"en-gb"}' in payload
    assert b'{"type":"bnode","value":"b1"}' in payload


def test_pyoxigraph_writes_no_rows_and_empty_rows_as_expected():
    store = _store()
    assert _json_of(store, "SELECT ?x WHERE { ?x ?p ?o FILTER(false) }") == (
        b'{"head":{"vars":["x"]},"results":{"bindings":[]}}')
    assert _json_of(store, "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <urn:none> ?x } } LIMIT 3") == (
        b'{"head":{"vars":["x"]},"results":{"bindings":[{},{},{}]}}')
    assert _json_of(store, "SELECT * WHERE { }") == b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'


def test_rows_meet_at_a_brace_comma_brace_and_terms_of_a_row_do_not():
    store = _store()
    payload = _json_of(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isLiteral(?o)) }")
    rows = len(json.loads(payload)["results"]["bindings"])
    assert rows > 3 and payload.count(b"},{") == payload.count(b'},{"') == rows - 1


def test_a_quote_inside_a_literal_is_always_escaped():
    payload = _json_of(_store(), "SELECT ?o WHERE { ?s <" + CANONICAL + "text> ?o }")
    assert b'x},{\\"y' in payload and b'x},{"y' not in payload
    assert b'\\"type\\":\\"uri\\"' in payload and b'"type":"uri","value":"' + CANONICAL.encode() + b"q" not in payload
    assert b"\\u0001control" in payload and b"tab\\there" in payload and b"line\\nfeed" in payload


def test_pyoxigraph_writes_iris_verbatim_in_json():
    # JSON escapes quotes, backslashes and control characters; an IRI holds none of them, and
    # pyoxigraph escapes nothing else (not "/", not non-ASCII, not U+2028).
    iri = CANONICAL + "é/ü/\u2028/~!$&'()*+,;=:@/?q=1#frag-😀"
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(iri), _iri("p"), ox.NamedNode(iri), GRAPH))
    payload = _json_of(store, "SELECT ?s WHERE { ?s ?p ?o }")
    assert b'"type":"uri","value":"' + iri.encode() + b'"' in payload
    for character in ['"', "\\", "\x01", "\n", " "]:
        with pytest.raises(ValueError):
            ox.NamedNode(CANONICAL + "bad" + character)


def test_pyoxigraph_writes_triple_terms_with_the_same_term_objects():
    payload = _json_of(ox.Store(), f"SELECT (<<( <{CANONICAL}a> <{CANONICAL}p> \"7\"^^<{CANONICAL}dt> )>> AS ?t) {{}}")
    assert payload == ('{"head":{"vars":["t"]},"results":{"bindings":[{"t":{"type":"triple","value":{'
                       f'"subject":{{"type":"uri","value":"{CANONICAL}a"}},'
                       f'"predicate":{{"type":"uri","value":"{CANONICAL}p"}},'
                       f'"object":{{"type":"literal","value":"7","datatype":"{CANONICAL}dt"}}'
                       '}}}]}}').encode()


# -- the row bound while writing ------------------------------------------------------------

@pytest.mark.parametrize("cut", range(0, 12))
def test_the_bound_counts_separators_split_over_two_writes(cut):
    document = b'[{"a":1},{"b":2},{"c":3}]'
    writer = _RowBoundWriter(3)  # 25 bytes could hold 8 separators: counted from the start
    writer.write(document[:cut])
    writer.write(document[cut:cut + 1])
    writer.write(document[cut + 1:])
    assert writer.separators == 2 and writer.getvalue() == document


def test_the_bound_is_counted_only_once_it_could_pass_the_cap():
    writer = _RowBoundWriter(4)
    writer.write(b"[{},{},")  # 7 bytes hold at most 2 separators: bound 3
    assert writer.separators is None
    writer.write(b"{},{")  # 11 bytes: at most 3, bound 4
    assert writer.separators is None
    writer.write(b"}")  # 12 bytes: at most 4, bound 5: counted, 3 (one across the writes)
    assert writer.separators == 3 and not writer.stopped
    with pytest.raises(_RowLimit):
        writer.write(b",{}]")


def test_the_bound_stops_the_writer_past_its_limit_only():
    writer = _RowBoundWriter(3)
    writer.write(b"[{},{},")
    writer.write(b"{}")
    with pytest.raises(_RowLimit):
        writer.write(b",{}]")
    # pyoxigraph writes its buffer once more as it drops it: refused, and not kept twice.
    with pytest.raises(_RowLimit):
        writer.write(b",{}]")
    assert writer.getvalue() == b"[{},{},{},{}]"


def test_a_stopped_answer_is_counted_once_however_pyoxigraph_retries():
    store = _many(20, literal="},{" * 5)  # one buffer of pyoxigraph's, whose write is refused
    writer = _RowBoundWriter(20)
    with pytest.raises((_RowLimit, OSError)):
        store.query(MANY, use_default_graph_as_union=True).serialize(writer, format=JSON)
    assert writer.getvalue().count(b'},{"') == 19


# -- the same answers as the TSV path -------------------------------------------------------

SHAPES = {
    "no rows": "SELECT ?s WHERE { ?s ?p ?o FILTER(false) }",
    "one row": f"SELECT ?o WHERE {{ <{CANONICAL}a> ?p ?o FILTER(isIRI(?o) && ?o != <{CANONICAL}b>"
               " && STRSTARTS(STR(?o), 'http://example')) }",
    "everything": "SELECT * WHERE { ?s ?p ?o }",
    "empty rows": "SELECT ?x WHERE { ?s ?p ?o OPTIONAL { ?s <urn:none> ?x } }",
    "empty and full rows": f"SELECT ?x WHERE {{ ?s ?p ?o OPTIONAL {{ ?s <{CANONICAL}text> ?x "
                           f"FILTER(?o = <{CANONICAL}b>) }} }}",
    "no variables": "SELECT * WHERE { }",
    "awkward literals": f"SELECT ?o ?s WHERE {{ ?s <{CANONICAL}text> ?o }}",
    "languages and datatypes": f"SELECT ?o WHERE {{ ?s ?p ?o FILTER(isLiteral(?o) && ?p != <{CANONICAL}text>) }}",
    "blank nodes": "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }",
    "computed": f"SELECT (STRDT('5', <{CANONICAL}dt>) AS ?d) (IRI(CONCAT('{CANONICAL}', 'made')) AS ?i) "
                "(BNODE('n') AS ?b) WHERE { }",
}


@pytest.mark.parametrize("public", [None, OUTSIDE, INSIDE], ids=["identity", "outside", "inside"])
@pytest.mark.parametrize("shape", SHAPES)
def test_json_answers_are_the_tsv_paths(shape, public):
    if shape == "computed":  # BNODE('n') is a new blank node in each run: compare the others
        job = _job(SHAPES[shape], public=public)
        document = json.loads(execute(_store(), job).payload)
        expected = json.loads(_via_tsv(_store(), job)[0])
        for row, reference in zip(document["results"]["bindings"], expected["results"]["bindings"]):
            assert row["b"]["type"] == "bnode" and {**row, "b": None} == {**reference, "b": None}
        return
    _same_as_tsv(_store(), SHAPES[shape], public=public)


@pytest.mark.parametrize("public", [OUTSIDE, INSIDE], ids=["outside", "inside"])
def test_iris_and_datatypes_are_published_and_literal_text_is_not(public):
    answer = _same_as_tsv(_store(), "SELECT * WHERE { ?s ?p ?o }", public=public)
    values = [(cell["type"], cell["value"], cell.get("datatype"))
              for row in _parsed(answer.payload)[1] for cell in row.values()]
    assert ("uri", public + "a", None) in values and ("uri", public + "b", None) in values
    assert ("literal", "7", public + "ontology#code") in values
    assert ("uri", "http://example.org/elsewhere", None) in values
    for text in AWKWARD:  # literals stay exactly as stored, canonical IRIs in their text too
        assert ("literal", text, None) in values
    # The TSV path's rule, mirrored: an IRI under the canonical base gets the public base in its
    # place even when it already lies under a public base inside the canonical one.
    assert ("uri", public + "mirror/already", None) in values


def test_iris_inside_triple_terms_are_published_term_by_term():
    iris = PublicBase(CANONICAL, OUTSIDE)
    text = (f"SELECT (<<( <{OUTSIDE}a> <{OUTSIDE}p> \"7\"^^<{OUTSIDE}dt> )>> AS ?t) "
            f"(<<( <{OUTSIDE}a> <{OUTSIDE}p> '{CANONICAL}lit' )>> AS ?u) {{}}")
    answer = execute(ox.Store(), _job(text, public=OUTSIDE))
    [row] = list(ox.parse_query_results(answer.payload, format=JSON))
    canonical = ox.Triple(_iri("a"), _iri("p"), ox.Literal("7", datatype=_iri("dt")))
    assert row["t"] == iris.term_out(canonical) == ox.Triple(
        ox.NamedNode(OUTSIDE + "a"), ox.NamedNode(OUTSIDE + "p"),
        ox.Literal("7", datatype=ox.NamedNode(OUTSIDE + "dt")))
    assert row["u"].object == ox.Literal(CANONICAL + "lit")


@pytest.mark.parametrize("fmt", ["tsv", "xml"])
def test_every_format_publishes_the_iris_inside_triple_terms_as_json_does(fmt):
    text = (f"SELECT (<<( <{OUTSIDE}a> <{OUTSIDE}p> <<( <{OUTSIDE}b> <{OUTSIDE}p> "
            f"\"7\"^^<{OUTSIDE}dt> )>> )>> AS ?t) "
            f"(<<( <{OUTSIDE}a> <{OUTSIDE}p> '<{CANONICAL}lit> \"^^<{CANONICAL}x>' )>> AS ?u) {{}}")
    [expected] = list(ox.parse_query_results(
        execute(ox.Store(), _job(text, public=OUTSIDE)).payload, format=JSON))
    answer = execute(ox.Store(), _job(text, fmt, public=OUTSIDE))
    [row] = list(ox.parse_query_results(answer.payload, format=_RESULTS[fmt]))
    assert (row["t"], row["u"]) == (expected["t"], expected["u"])
    assert row["t"].object.subject == ox.NamedNode(OUTSIDE + "b")
    assert row["u"].object == ox.Literal(f'<{CANONICAL}lit> "^^<{CANONICAL}x>')


def test_triple_terms_too_deep_for_the_tsv_reader_are_a_406_in_csv_and_xml_not_a_syntax_error():
    term = "<http://x/s> <http://x/p> <http://x/o>"
    for _ in range(120):  # pyoxigraph's TSV reader stops near 100 levels
        term = f"<http://x/s> <http://x/p> <<( {term} )>>"
    text = f"SELECT ?t WHERE {{ BIND(<<( {term} )>> AS ?t) }}"
    for fmt in ("json", "tsv"):
        assert execute(ox.Store(), _job(text, fmt)).rows == 1
    for fmt in ("csv", "xml"):
        with pytest.raises(NotAcceptable, match="cannot be written as .*; ask for JSON or TSV"):
            execute(ox.Store(), _job(text, fmt))


def test_a_public_base_json_would_escape_is_escaped():
    mapped = PublicBase(CANONICAL, 'http://x/"q\\/').json_out(
        b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"'
        + CANONICAL.encode() + b'a"}}]}}')
    assert json.loads(mapped)["results"]["bindings"][0]["s"]["value"] == 'http://x/"q\\/a'


# -- the row cap ----------------------------------------------------------------------------

def _many(count: int, literal: str = "v") -> ox.Store:
    return _store([(_iri(f"row/{index}"), _iri("many"), ox.Literal(f"{literal}{index}"))
                   for index in range(count)])


MANY = f"SELECT ?s ?o WHERE {{ ?s <{CANONICAL}many> ?o }}"


@pytest.mark.parametrize("count, cap", [(0, 1), (1, 1), (5, 5), (6, 5), (100, 5), (500, 500),
                                        (501, 500), (3000, 2999)])
def test_the_cap_answers_or_refuses_as_the_tsv_path(count, cap, fallbacks):
    answer = _same_as_tsv(_many(count), MANY, max_rows=cap, public=OUTSIDE)
    assert (answer is None) == (count > cap)
    assert answer is None or answer.rows == count
    assert fallbacks == []  # certain rows decide a refusal: no second run


def test_empty_rows_past_the_cap_are_refused():
    store = _many(40)
    _same_as_tsv(store, f"SELECT ?x WHERE {{ ?s <{CANONICAL}many> ?o OPTIONAL {{ ?s <urn:none> ?x }} }}",
                 max_rows=39)
    _same_as_tsv(store, f"SELECT ?x WHERE {{ ?s <{CANONICAL}many> ?o OPTIONAL {{ ?s <urn:none> ?x }} }}",
                 max_rows=40)


@pytest.mark.parametrize("public", [None, OUTSIDE])
def test_literals_that_inflate_the_bound_answer_through_a_second_run(public, fallbacks):
    # 20 rows, each literal holding 5 "},{": the bound reaches 120 although the rows are 20.
    store = _many(20, literal="},{" * 5)
    answer = _same_as_tsv(store, MANY, max_rows=20, public=public)
    assert answer is not None and answer.rows == 20
    assert fallbacks == [20]
    # The second run also refuses exactly when the rows, not the bound, pass the cap.
    assert _same_as_tsv(store, MANY, max_rows=19, public=public) is None


@pytest.mark.parametrize("tag", ["plain", "language", "datatype"])
def test_a_literal_ending_in_brace_comma_brace_starts_no_row(tag, fallbacks):
    # Its closing quote makes a '},{"' that no row starts: before '}' or ',', never a name.
    def literal(index: int) -> ox.Literal:
        text = f"v{index}}},{{"
        return {"plain": ox.Literal(text), "language": ox.Literal(text, language="en"),
                "datatype": ox.Literal(text, datatype=_iri("dt"))}[tag]
    store = _store([(_iri(f"row/{index}"), _iri("many"), literal(index)) for index in range(5)])
    assert _same_as_tsv(store, MANY).rows == 5
    assert fallbacks == []  # counted exactly, in one run
    # At the cap, the bound (every "},{") passes it while the rows do not: a second run answers.
    assert _same_as_tsv(store, MANY, max_rows=5).rows == 5
    assert _same_as_tsv(store, MANY, max_rows=4) is None


def test_without_a_cap_nothing_runs_twice(fallbacks):
    answer = _same_as_tsv(_many(50, literal="},{" * 5), MANY, max_rows=0)
    assert answer.rows == 50 and fallbacks == []


def test_other_formats_keep_the_tsv_path():
    store = _store()
    for fmt in ("csv", "tsv"):
        answer = execute(store, _job(SHAPES["everything"], fmt=fmt, public=OUTSIDE))
        assert answer.format.name == fmt and answer.rows == _via_tsv(store, _job(SHAPES["everything"]))[1]
    # XML 1.0 cannot carry AWKWARD's U+0001: refused, naming what can; without it, answered.
    with pytest.raises(NotAcceptable, match="U\\+0001"):
        execute(store, _job(SHAPES["everything"], fmt="xml", public=OUTSIDE))
    text = "SELECT * WHERE { ?s ?p ?o FILTER(!CONTAINS(STR(?o), '\\u0001')) }"
    answer = execute(store, _job(text, fmt="xml", public=OUTSIDE))
    assert answer.format.name == "xml" and answer.rows == _via_tsv(store, _job(text))[1]


# -- the size cap ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "tsv", "xml", "csv"])
def test_an_answer_past_the_size_cap_is_refused_naming_it(fmt):
    store = _many(200, literal="x" * 500)
    job = QueryJob(MANY, AnswerFormats.only(answer_format(fmt)), PREFIXES, base_iri=CANONICAL,
                   max_bytes=50_000)
    with pytest.raises(ResultTooLarge, match="MB as .*add LIMIT"):
        execute(store, job)
    roomy = QueryJob(**{**job.__dict__, "max_bytes": 10_000_000})
    assert execute(store, roomy).rows == 200


def test_a_graph_past_the_size_cap_is_refused():
    store = _many(200, literal="x" * 500)
    text = f"CONSTRUCT {{ ?s <{CANONICAL}many> ?o }} WHERE {{ ?s <{CANONICAL}many> ?o }}"
    job = QueryJob(text, AnswerFormats.only(answer_format("turtle")), PREFIXES,
                   base_iri=CANONICAL, max_bytes=50_000)
    with pytest.raises(ResultTooLarge):
        execute(store, job)
