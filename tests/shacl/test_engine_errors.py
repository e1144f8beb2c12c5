"""Shapes the store engine cannot evaluate get a clear error naming the shape: exit 2 on the
command line, 400 over HTTP, never a silent pass."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.shacl.engine import compile_shapes
from evawkg.shacl.shapes_graph import ShapesGraph
from evawkg.shacl.shapes_checks import MAX_SHAPE_DEPTH
from evawkg.shacl.shapes_model import ShapesError

PROLOGUE = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

DATA = PROLOGUE + "ex:a a ex:Thing ; ex:p ex:b .\n"

#: (name, shapes, words the error must contain)
BAD_SHAPES = [
    ("malformed-path", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path [ sh:inversePath ex:p ; sh:zeroOrMorePath ex:q ] ; sh:minCount 1 ] .""",
     ["ex:S", "malformed sh:path", "exactly one of"]),
    ("literal-path", """ex:P a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path "ex:p" ;
        sh:minCount 1 .""", ["ex:P", "malformed sh:path", "literal"]),
    ("sparql-syntax", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this ex:p ?value " ] .""",
     ["ex:S", "does not parse"]),
    ("sparql-service", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/> { $this ?p ?o } }" ] .""",
     ["ex:S", "SERVICE"]),
    ("recursive", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path ex:p ; sh:node ex:T ] .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:node ex:S ] .""",
     ["refers back to itself", "ex:S", "ex:T"]),
    ("bad-count", """ex:P a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:p ;
        sh:minCount "one" .""", ["ex:P", "sh:minCount"]),
    ("bad-pattern", """ex:P a sh:PropertyShape ; sh:targetClass ex:Thing ; sh:path ex:p ;
        sh:pattern "([a-z" .""", ["ex:P", "sh:pattern", "regular expression"]),
]


@pytest.mark.parametrize("name,shapes,words", BAD_SHAPES, ids=[b[0] for b in BAD_SHAPES])
def test_validate_bad_shapes_exits_2_naming_the_shape(tmp_path, name, shapes, words):
    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(PROLOGUE + shapes, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(DATA, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(data), "--shapes", str(shapes_file)])
    assert result.exit_code == 2, result.output
    for word in words:
        assert word in result.stderr, result.stderr


def _shapes_graph(text: str) -> ShapesGraph:
    import pyoxigraph

    parser = pyoxigraph.parse(text.encode(), pyoxigraph.RdfFormat.TURTLE)
    quads = list(parser)
    return ShapesGraph.from_quads(quads, parser.prefixes)


def test_compile_shapes_raises_a_client_error_with_status_400():
    with pytest.raises(ShapesError) as caught:
        compile_shapes(_shapes_graph(PROLOGUE + BAD_SHAPES[0][1]))
    assert caught.value.status == 400 and "ex:S" in caught.value.message


def test_good_shapes_of_the_same_kind_compile():
    text = PROLOGUE + """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:node ex:T ] ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> ?value }" ] .
        ex:T a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 0 ] ."""
    model = compile_shapes(_shapes_graph(text))
    assert [s.name for s in model.targeted] == ["ex:S"]


def test_compiling_sparql_constraints_leaves_no_query_answer_for_the_collector():
    """Checking a constraint's query ran it on an empty store and kept the answer in a frame
    that rdflib's parser (pyparsing's cached exceptions) kept alive as cyclic garbage; a request
    thread other than the compiling one then collected it: "PyQuerySolutions is unsendable, but
    is being dropped on another thread" in the server's log, and the answer leaked."""
    import gc

    text = PROLOGUE + """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/p> ?value }" ] ."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        compile_shapes(_shapes_graph(text))
        gc.collect()
        left = [kind for kind in map(type, gc.garbage)
                if kind.__module__ == "pyoxigraph" and kind.__name__ == "QuerySolutions"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []


#: How each engine's errors name ex:S (pySHACL's shapes reach it without their prefixes).
S_NAMED = {"store": "ex:S", "pyshacl": "<http://example.org/S>"}


def _nested(opening: str, inner: str, closing: str, levels: int) -> str:
    return opening * levels + inner + closing * levels


def _too_deep_shapes(levels: int) -> list[tuple[str, str]]:
    """Shapes nesting ``levels`` levels below ex:S by each parameter that names shapes, which
    :data:`DATA` conforms to when ``levels`` is even (``sh:not`` within ``sh:not``…)."""
    chain = "".join(f"ex:N{i} sh:node ex:N{i + 1} .\n" for i in range(1, levels))
    return [
        ("and", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:and ( "
         + _nested("[ sh:and ( ", "[ sh:class ex:Thing ]", " ) ]", levels - 1) + " ) ."),
        ("or", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:or ( "
         + _nested("[ sh:or ( ", "[ sh:class ex:Thing ]", " ) ]", levels - 1) + " ) ."),
        ("not", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:not "
         + _nested("[ sh:not ", "[ sh:class ex:Thing ]", " ]", levels - 1) + " ."),
        ("node-chain", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:node ex:N1 .\n"
         + chain + f"ex:N{levels} sh:class ex:Thing ."),
        ("property", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property "
         + _nested("[ sh:path ex:p ; sh:property ", "[ sh:path ex:p ; sh:maxCount 1 ]", " ]",
                   levels - 1) + " ."),
        ("qualified", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path ex:p ;"
         " sh:qualifiedMaxCount 5 ; sh:qualifiedValueShape "
         + _nested("[ sh:node ", "[ sh:class ex:Thing ]", " ]", levels - 2) + " ] ."),
    ]


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize("name,shapes", _too_deep_shapes(MAX_SHAPE_DEPTH + 1),
                         ids=[case[0] for case in _too_deep_shapes(1)])
def test_shapes_nested_past_the_limit_exit_2_on_both_engines(tmp_path, engine, name, shapes):
    # 200-300 levels made the store engine run out of stack and pySHACL give up (500s).
    for levels in (MAX_SHAPE_DEPTH + 1, 300):
        shapes = dict(_too_deep_shapes(levels))[name]
        result = _validate(tmp_path, shapes, engine)
        assert result.exit_code == 2, result.output
        assert (f"shape {S_NAMED[engine]} nests shapes more than {MAX_SHAPE_DEPTH} levels deep"
                in result.stderr), result.stderr
        assert len(result.stderr) < 1000, result.stderr


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize("name,shapes", _too_deep_shapes(MAX_SHAPE_DEPTH),
                         ids=[case[0] for case in _too_deep_shapes(1)])
def test_shapes_nested_to_the_limit_validate_on_both_engines(tmp_path, engine, name, shapes):
    result = _validate(tmp_path, shapes, engine)
    assert result.exit_code == 0 and result.output.startswith("Conforms:"), result.output


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize("name,shapes,words", [
    ("path-list", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path _:l ; sh:minCount 1 ] . _:l rdf:first ex:p ; rdf:rest _:l .""",
     ["ex:S", "sh:path", "rdf:rest leads back"]),
    ("in-list", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:in _:l .
        _:l rdf:first ex:a ; rdf:rest [ rdf:first ex:b ; rdf:rest _:l ] .""",
     ["ex:S", "sh:in", "rdf:rest leads back"]),
    ("and-list", """ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:and _:l .
        _:l rdf:first [ sh:class ex:Thing ] ; rdf:rest _:l .""",
     ["ex:S", "sh:and", "rdf:rest leads back"]),
    ("deep-path", "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; sh:property [ sh:path "
     + _nested("[ sh:inversePath ", "ex:p", " ]", 60) + " ; sh:minCount 1 ] .",
     ["ex:S", "malformed sh:path", "more than 50 levels"]),
], ids=["path-list", "in-list", "and-list", "deep-path"])
def test_lists_that_loop_and_deep_paths_exit_2_on_both_engines(tmp_path, engine, name, shapes,
                                                                words):
    # pySHACL answered these "List contains a recursive rdf:rest reference" (a 500).
    result = _validate(tmp_path, "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
                       + shapes, engine)
    assert result.exit_code == 2, result.output
    for word in words:
        assert word.replace("ex:S", S_NAMED[engine]) in result.stderr, result.stderr


def test_pyshacl_following_a_shape_into_itself_past_the_limit_exits_2_briefly(tmp_path):
    # pySHACL gave up with "Validation path too deep!" and every shape on the way (a 500).
    result = _validate(tmp_path, "ex:S a sh:NodeShape ; sh:targetClass ex:Thing ; "
                       "sh:and ( ex:S ) .", "pyshacl")
    assert result.exit_code == 2, result.output
    assert f"more than {MAX_SHAPE_DEPTH} levels deep" in result.stderr
    assert len(result.stderr) < 1000, result.stderr


def test_the_bundled_shapes_nest_far_below_the_limit():
    from evawkg.shacl.engine import bundled_model
    from evawkg.shacl.shapes_checks import declared_shapes, nested

    graph = bundled_model().graph

    def levels(node, seen=()):
        return max((1 + levels(child, (*seen, node)) for child in nested(graph, node)
                    if child not in seen), default=0)

    assert max(levels(node) for node in declared_shapes(graph)) <= MAX_SHAPE_DEPTH // 4


def _validate(tmp_path, shapes: str, engine: str):
    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(PROLOGUE + shapes, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(DATA, encoding="utf-8")
    return CliRunner().invoke(main, ["validate", str(data), "--shapes", str(shapes_file),
                                     "--engine", engine])
