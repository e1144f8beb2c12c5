"""What a shape reads, compiled for the guard of writes (evawkg.shacl.reach): access paths
through every kind of SHACL path and SPARQL pattern, and the shapes whose reads cannot be
bounded (then validated whole, never skipped)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from evawkg.shacl.paths import Inverse, Predicate, Repeat, Sequence
from evawkg.shacl.reach import Access, Opaque, path_accesses, sparql_accesses

EX = "http://example.org/ns#"
P, Q, R = (ox.NamedNode(EX + n) for n in "pqr")


def test_an_inverse_sequence_reads_its_steps_backwards_from_the_end():
    # ^(p/q) = ^q/^p: q read backward at the focus, then p backward after ^q
    found = path_accesses(Inverse(Sequence((Predicate(P), Predicate(Q)))))
    assert found == {Access(None, Q, False), Access(Inverse(Predicate(Q)), P, False)}


def test_a_repeated_path_reads_its_step_after_any_number_of_repetitions():
    found = path_accesses(Sequence((Predicate(P), Repeat(Predicate(Q), "*"))))
    assert found == {Access(None, P, True),
                     Access(Sequence((Predicate(P), Repeat(Predicate(Q), "*"))), Q, True)}


def test_sparql_patterns_join_this_through_variables_and_filters():
    found = sparql_accesses(f"""PREFIX ex: <{EX}> SELECT $this ?v WHERE {{
        $this ex:p ?v . ?w ex:q ?v . FILTER NOT EXISTS {{ ?w ex:r $this }} }}""")
    # every pattern is read, from one spanning tree rooted at $this (either one will do:
    # the triples on the way to the first changed one are unchanged)
    assert {a.predicate for a in found} == {P, Q, R}
    assert found in (
        {Access(None, P, True), Access(Predicate(P), Q, False),
         Access(Sequence((Predicate(P), Inverse(Predicate(Q)))), R, True)},
        {Access(None, R, False), Access(Inverse(Predicate(R)), Q, True),
         Access(None, P, True)})


@pytest.mark.parametrize("query", [
    # a pattern joined to nothing the query binds from $this
    f"PREFIX ex: <{EX}> SELECT $this WHERE {{ $this ex:p ?v . ?a ex:q ?b }}",
    # a sub-select: its variables are scoped apart from the outer ones
    f"PREFIX ex: <{EX}> SELECT $this WHERE {{ $this ex:p ?v {{ SELECT ?v WHERE {{ ?v ex:q ?x }} }} }}",
])
def test_queries_whose_reads_cannot_be_bounded_are_opaque(query):
    with pytest.raises(Opaque):
        sparql_accesses(query)


def test_a_variable_predicate_reads_any_triple():
    found = sparql_accesses(f"PREFIX ex: <{EX}> SELECT $this WHERE {{ $this ?p ?o }}")
    assert Access(None, None, True) in found and Access(None, None, False) in found
