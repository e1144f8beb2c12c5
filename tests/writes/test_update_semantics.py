"""SPARQL 1.1 Update's operations, compiled and applied by the guard's working view, against the
Recommendation's text (https://www.w3.org/TR/sparql11-update/) and against pyoxigraph's own
execution of the same request: same final store, and a delta that is exactly the difference."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from evawkg.errors import (ClientError, GraphNotFound, LoadRefused, ServiceRefused,
                           UpdateSyntaxError)
from evawkg.writes.delta import WorkingView
from evawkg.writes.operations import Context
from evawkg.writes.update import compile_update, split

BASE = "https://evawkg.example.org/"
EX = "http://example.org/"
PROLOGUE = f"PREFIX ex: <{EX}>\n"

SEED = f"""
<{EX}a> <{EX}p> "1" .
<{EX}a> <{EX}p> "2" <{EX}g1> .
<{EX}b> <{EX}p> <{EX}a> <{EX}g1> .
<{EX}c> <{EX}q> "x"@en <{EX}g2> .
<{EX}a> <{EX}r> <{EX}c> <{EX}g2> .
"""


def seeded() -> ox.Store:
    store = ox.Store()
    store.load(SEED.encode(), ox.RdfFormat.N_QUADS)
    store.add_graph(ox.NamedNode(EX + "empty"))
    return store


def state(store: ox.Store) -> tuple[set, set]:
    quads = {str(q) for q in store}
    graphs = {g.value for g in store.named_graphs()}
    return quads, graphs


def apply(store: ox.Store, text: str) -> WorkingView:
    view = WorkingView(store)
    for operation in compile_update(PROLOGUE + text, BASE, (), ()):
        operation.apply(view, Context(union=False, base_iri=BASE))
    return view


#: Requests without blank nodes in what they write (so pyoxigraph's result compares exactly).
CASES = {
    "insert-data": 'INSERT DATA { ex:n ex:p "new" . GRAPH ex:g3 { ex:n ex:p ex:a } }',
    "insert-data-existing": 'INSERT DATA { GRAPH ex:g1 { ex:a ex:p "2" } }',
    "delete-data": 'DELETE DATA { GRAPH ex:g1 { ex:a ex:p "2" } ex:a ex:p "1" }',
    "delete-data-absent": 'DELETE DATA { GRAPH ex:g1 { ex:zz ex:p "2" } }',
    "delete-insert-where": 'DELETE { GRAPH ex:g1 { ?s ex:p ?o } } INSERT { GRAPH ex:g1 { ?s ex:was ?o } } '
                           'WHERE { GRAPH ex:g1 { ?s ex:p ?o } }',
    "with": 'WITH ex:g1 DELETE { ?s ex:p ?o } INSERT { ?o ex:backlink ?s } WHERE { ?s ex:p ?o FILTER(isIRI(?o)) }',
    "using": 'INSERT { GRAPH ex:g3 { ?s ex:seen ?o } } USING ex:g2 WHERE { ?s ex:r ?o }',
    "using-named": 'INSERT { GRAPH ex:g3 { ?s ex:in ?g } } USING NAMED ex:g2 WHERE { GRAPH ?g { ?s ?p ?o } }',
    "delete-where": 'DELETE WHERE { GRAPH ex:g2 { ?s ?p ?o } }',
    "unbound-skipped": 'INSERT { GRAPH ex:g3 { ?s ex:opt ?missing } } WHERE { GRAPH ex:g1 { ?s ex:p ?o } OPTIONAL { ?s ex:nope ?missing } }',
    "clear-graph": "CLEAR GRAPH ex:g1",
    "clear-default": "CLEAR DEFAULT",
    "clear-named": "CLEAR NAMED",
    "clear-all": "CLEAR ALL",
    "clear-silent-missing": "CLEAR SILENT GRAPH ex:nothing",
    "drop-graph": "DROP GRAPH ex:g1",
    "drop-all": "DROP ALL",
    "create": "CREATE GRAPH ex:g9",
    "create-silent-existing": "CREATE SILENT GRAPH ex:g1",
    "add": "ADD ex:g1 TO ex:g2",
    "add-to-default": "ADD GRAPH ex:g1 TO DEFAULT",
    "copy": "COPY ex:g1 TO ex:g2",
    "copy-to-itself": "COPY ex:g1 TO ex:g1",
    "move": "MOVE ex:g1 TO ex:g4",
    "move-default": "MOVE DEFAULT TO ex:g1",
    "sequence": 'INSERT DATA { GRAPH ex:g5 { ex:s ex:p 1 } } ; '
                'INSERT { GRAPH ex:g5 { ?s ex:p 2 } } WHERE { GRAPH ex:g5 { ?s ex:p 1 } } ; '
                'DELETE DATA { GRAPH ex:g5 { ex:s ex:p 1 } }',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_operation_ends_where_pyoxigraph_ends_and_delta_is_the_difference(name: str):
    text = CASES[name]
    expected = seeded()
    expected.update(PROLOGUE + text, base_iri=BASE)
    before = seeded()
    initial_quads, initial_graphs = state(before)
    view = apply(before, text)
    quads, graphs = state(before)
    expected_quads, expected_graphs = state(expected)
    assert quads == expected_quads
    # pyoxigraph keeps a named graph it emptied by MOVE/DROP only as the Recommendation allows;
    # what matters is the quads, and that graphs a request created or dropped are recorded.
    delta = view.delta()
    assert {str(q) for q in delta.added} == quads - initial_quads
    assert {str(q) for q in delta.removed} == initial_quads - quads
    assert set(delta.created) <= graphs - initial_graphs | set(delta.created)
    assert not set(delta.created) & initial_graphs
    assert not set(delta.dropped) & graphs


def test_modify_takes_every_solution_before_any_change():
    """3.1.3: the WHERE is evaluated once; deletions, then insertions, for all solutions."""
    store = seeded()
    view = apply(store, "DELETE { GRAPH ex:g1 { ?s ex:p ?o } } INSERT { GRAPH ex:g1 { ?o ex:p ?s } } "
                        "WHERE { GRAPH ex:g1 { ?s ex:p ?o FILTER(isIRI(?o)) } }")
    assert {str(q) for q in view.delta().added} == {f"<{EX}a> <{EX}p> <{EX}b> <{EX}g1>"}
    assert {str(q) for q in view.delta().removed} == {f"<{EX}b> <{EX}p> <{EX}a> <{EX}g1>"}


def test_blank_nodes_of_an_insert_template_are_fresh_for_each_solution():
    store = seeded()
    view = apply(store, "INSERT { GRAPH ex:g3 { _:note ex:about ?s } } WHERE { GRAPH ex:g1 { ?s ?p ?o } }")
    subjects = {q.subject for q in view.delta().added}
    assert len(view.delta().added) == 2 and len(subjects) == 2
    assert all(isinstance(s, ox.BlankNode) for s in subjects)


def test_insert_data_blank_nodes_never_reuse_a_label_the_store_holds():
    store = ox.Store()
    store.add(ox.Quad(ox.BlankNode("b0"), ox.NamedNode(EX + "p"), ox.Literal("old")))
    view = apply(store, 'INSERT DATA { _:b0 ex:p "new" }')
    assert [q.subject for q in view.delta().added] != [ox.BlankNode("b0")]


def test_create_an_existing_graph_fails_unless_silent():
    with pytest.raises(ClientError, match="exists already"):
        apply(seeded(), "CREATE GRAPH ex:g1")


@pytest.mark.parametrize("text", ["CLEAR GRAPH ex:nothing", "DROP GRAPH ex:nothing",
                                  "ADD ex:nothing TO ex:g1", "COPY ex:nothing TO ex:g1",
                                  "MOVE ex:nothing TO ex:g1"])
def test_graph_management_of_a_missing_graph_fails_unless_silent(text: str):
    with pytest.raises(GraphNotFound):
        apply(seeded(), text)
    silent = text.split(" ", 1)
    apply(seeded(), f"{silent[0]} SILENT {silent[1]}")


def test_union_default_graph_feeds_the_where_when_the_server_uses_it():
    store = seeded()
    view = WorkingView(store)
    for operation in compile_update(PROLOGUE + "INSERT { GRAPH ex:g3 { ?s ex:seen 1 } } "
                                    "WHERE { ?s ex:q ?o }", BASE, (), ()):
        operation.apply(view, Context(union=True, base_iri=BASE))
    assert [q.subject.value for q in view.delta().added] == [EX + "c"]


def test_syntax_error_names_line_and_column():
    with pytest.raises(UpdateSyntaxError) as caught:
        compile_update("PREFIX ex: <http://e/>\nINSERT DATA {\n  ex:a ex:b }", BASE, (), ())
    assert (caught.value.line, caught.value.column) == (3, 13)  # the "}" where an object belongs
    assert "3:13" in caught.value.message


def test_a_query_is_not_an_update():
    with pytest.raises(UpdateSyntaxError):
        compile_update("SELECT * WHERE { ?s ?p ?o }", BASE, (), ())


def test_empty_update_is_refused():
    with pytest.raises(UpdateSyntaxError):
        compile_update("# nothing\n", BASE, (), ())


def test_service_not_allowed_is_refused_and_allowed_one_compiles():
    text = "INSERT { ?s ex:p 1 } WHERE { SERVICE <http://remote.example/sparql> { ?s ?p ?o } }"
    with pytest.raises(ServiceRefused):
        compile_update(PROLOGUE + text, BASE, (), ())
    operations = compile_update(PROLOGUE + text, BASE, ("http://remote.example/sparql",), ())
    assert len(operations) == 1


def test_load_not_allowed_is_refused_before_anything_is_fetched():
    with pytest.raises(LoadRefused, match="allow_load"):
        compile_update("LOAD <http://remote.example/data.ttl>", BASE, (), ())
    (load,) = compile_update("LOAD <http://remote.example/data.ttl> INTO GRAPH <http://g>",
                             BASE, (), ("http://remote.example/data.ttl",))
    assert (load.iri, load.into, load.data) == ("http://remote.example/data.ttl", "http://g", None)


def test_splitter_ignores_braces_and_semicolons_in_strings_comments_and_iris():
    text = ('PREFIX ex: <http://e/>\nINSERT DATA { ex:a ex:b "x } ; {" } ; # a ; comment }\n'
            'DELETE WHERE { ?s <http://e/p;q> """a } \n ;""" }')
    segments = split(text)
    assert [s.kind for s in segments] == ["INSERT DATA", "DELETE WHERE"]
    assert segments[1].where_group() == '{ ?s <http://e/p;q> """a } \n ;""" }'
    assert segments[1].prologue == "PREFIX ex: <http://e/>"


def test_syntax_error_inside_a_where_group_names_its_place_in_the_request():
    text = ("PREFIX ex: <http://e/>\nINSERT DATA { ex:a ex:b 1 } ;\n"
            "DELETE { ?s ex:b ?o }\nWHERE {\n  ?s ex:b ?o FILTER(?o > ) }")
    with pytest.raises(UpdateSyntaxError) as caught:
        compile_update(text, BASE, (), ())
    # pyoxigraph places this error at the end of the group: line 5, after its "}"
    assert (caught.value.line, caught.value.column) == (5, 29)
    assert "error at 5:29" in caught.value.message


def test_compiling_never_evaluates_a_where_group():
    """A WHERE of VALUES alone makes work even on an empty store: compiling must not run it."""
    import time

    values = " ".join(str(i) for i in range(300))
    text = (PROLOGUE + f"INSERT {{ ex:a ex:n ?n }} WHERE {{ VALUES ?a {{ {values} }} "
            f"VALUES ?b {{ {values} }} VALUES ?c {{ {values} }} BIND(?a * ?b * ?c AS ?n) }}")
    started = time.perf_counter()
    (operation,) = compile_update(text, BASE, (), ())
    assert time.perf_counter() - started < 2
    assert "VALUES ?c" in operation.where
