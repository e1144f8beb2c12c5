"""Parameters bound for a remote store (:mod:`evawkg.sparql.binding`): one ``VALUES`` block per
variable, the same answers as pyoxigraph's substitutions."""

import pyoxigraph as ox

from evawkg.sparql.binding import bind

P, Q = ox.NamedNode("http://e/p"), ox.NamedNode("http://e/q")
A, B = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")


def test_two_parameters_are_two_one_column_blocks_with_the_substitutions_answer():
    # Virtuoso 7.2 dies of one block of two columns beside a grouped subquery
    # (docs/deployment.md); two blocks of one column are the same single row.
    store = ox.Store()
    store.extend([ox.Quad(A, P, ox.Literal("x")), ox.Quad(A, P, ox.Literal("y")),
                  ox.Quad(B, P, ox.Literal("z")), ox.Quad(A, Q, ox.Literal("x"))])
    text = "SELECT ?s ?v ?w WHERE { ?s <http://e/p> ?v . ?s <http://e/q> ?w }"
    pairs = [("s", A), ("w", ox.Literal("x"))]
    bound = bind(text, pairs)
    assert bound.count("VALUES") == 2
    assert "VALUES (?s) { (<http://e/a>) }" in bound and 'VALUES (?w) { ("x") }' in bound

    def answer(query, **options):
        return sorted((row["s"].value, row["v"].value) for row in store.query(query, **options))

    expected = answer(text, substitutions={ox.Variable(n): t for n, t in pairs})
    assert answer(bound) == expected == [("http://e/a", "x"), ("http://e/a", "y")]
