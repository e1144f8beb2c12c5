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


def test_variables_past_ascii_are_renamed_outside_strings_iris_and_comments_and_named_back():
    import json

    from evawkg.sparql.binding import ascii_variables

    text = 'SELECT ?é $名 ?plain WHERE { ?é <http://x/?é> "?é" ; ?p $名 } # ?é'
    renamed, back = ascii_variables(text)
    assert renamed.isascii() is False  # the string, IRI and comment keep their letters
    assert '<http://x/?é> "?é"' in renamed and renamed.endswith("# ?é")
    assert "?plain" in renamed and renamed.count("?é") == 3 and "$名" not in renamed
    answer = json.dumps({"head": {"vars": [json.loads(old) for old, _ in back]}}).encode()
    for old, new in back:
        answer = answer.replace(old, new)
    assert sorted(json.loads(answer)["head"]["vars"]) == sorted(["é", "名"])
    assert ascii_variables("SELECT ?a { ?a ?b ?c }") == ("SELECT ?a { ?a ?b ?c }", ())
