"""Shapes the store engine cannot evaluate get a clear error naming the shape: exit 2 on the
command line, 400 over HTTP, never a silent pass."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.shacl.engine import compile_shapes
from evawkg.shacl.shapes_graph import ShapesGraph
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
