"""Data files declare their prefixes once: data/prefixes.ttl, read before each data file by the
loader (evawkg.graph.shared_prefixes), so a file holds only its triples (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Literal, URIRef

from evawkg.cli import main
from evawkg.errors import UnparsableInput
from evawkg.graph.bundle import Bundle, default_bundle
from evawkg.graph.shared_prefixes import declared
from evawkg.graph.store import bundle_version, data_file_graph, load_bundle, to_rdflib
from evawkg.namespaces import GRAPH, ID, PREFIXES

ROOT = Path(__file__).resolve().parents[2]
LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def small_bundle(root: Path, data: str, prefixes: str | None = None) -> Bundle:
    """A bundle of the real ontology and one data file ``x.ttl``, with the real shared prefixes
    unless ``prefixes`` says otherwise."""
    (root / "data").mkdir()
    (root / "ontology").symlink_to(ROOT / "ontology")
    shared = (ROOT / "data" / "prefixes.ttl").read_text(encoding="utf-8") if prefixes is None else prefixes
    (root / "data" / "prefixes.ttl").write_text(shared, encoding="utf-8")
    (root / "data" / "x.ttl").write_text(data, encoding="utf-8")
    return Bundle(root)


def test_a_data_file_without_declarations_loads_with_the_shared_prefixes(tmp_path):
    bundle = small_bundle(tmp_path, 'activity:a rdfs:label "A"@en .\n<activity/b> rdfs:label "B"@en .\n')
    graph = to_rdflib(load_bundle(bundle, infer=False), [str(GRAPH["x"])])
    assert (URIRef(f"{ID}activity/a"), LABEL, Literal("A", lang="en")) in graph
    assert (URIRef(f"{ID}activity/b"), LABEL, Literal("B", lang="en")) in graph  # the shared @base


def test_the_prefix_file_fills_no_graph(tmp_path):
    bundle = small_bundle(tmp_path, 'activity:a rdfs:label "A"@en .\n')
    assert [source.path.name for source in bundle.data_sources()] == ["x.ttl"]
    assert str(GRAPH["prefixes"]) not in {g.value for g in load_bundle(bundle, infer=False).named_graphs()}


def test_a_files_own_declaration_of_another_prefix_is_kept_for_that_file(tmp_path):
    bundle = small_bundle(tmp_path, '@prefix ex: <http://example.org/> .\nex:a rdfs:label "A"@en .\n')
    graph = to_rdflib(load_bundle(bundle, infer=False), [str(GRAPH["x"])])
    assert (URIRef("http://example.org/a"), LABEL, Literal("A", lang="en")) in graph


@pytest.mark.parametrize(("text", "line", "column"), [
    ('activity:a rdfs:label ) .\n', 1, 23),
    ('activity:a rdfs:label "A"@en ;\n    rdfs:label .\n', 2, 16),
])
def test_a_syntax_error_names_the_files_own_line_and_column(tmp_path, text, line, column):
    bundle = small_bundle(tmp_path, text)
    with pytest.raises(UnparsableInput) as caught:
        load_bundle(bundle, infer=False)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert f"x.ttl:{line}:{column}:" in str(caught.value)


def test_a_prefix_file_holding_triples_is_refused(tmp_path):
    bundle = small_bundle(tmp_path, "", prefixes='@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n')
    with pytest.raises(UnparsableInput, match="may only declare prefixes"):
        load_bundle(bundle, infer=False)


def test_the_bundle_version_changes_with_the_shared_prefixes(tmp_path):
    bundle = small_bundle(tmp_path, 'activity:a rdfs:label "A"@en .\n')
    before = bundle_version(bundle)
    with bundle.prefix_file.open("a", encoding="utf-8") as stream:
        stream.write("@prefix ex: <http://example.org/> .\n")
    assert bundle_version(bundle) != before


def test_the_shared_prefixes_agree_with_the_servers_predeclared_ones():
    shared = declared(default_bundle().prefix_file)
    for name, namespace in shared.items():
        if name in PREFIXES:
            assert PREFIXES[name] == namespace, name


def test_no_curated_data_file_repeats_the_declarations():
    generated = {"countries", "regions", "subdivisions"}  # written whole by evawkg.graph.countries
    for source in default_bundle().data_sources():
        if source.path.stem not in generated:
            assert "@prefix" not in source.path.read_text(encoding="utf-8"), source.path.name


def test_data_file_graph_reads_one_file_as_the_loader_does():
    graph = data_file_graph(ROOT / "data" / "unfpa.ttl")
    assert (URIRef(f"{ID}organization/unfpa"), None, None) in graph


def test_check_refuses_a_data_file_giving_a_shared_prefix_another_namespace(tmp_path):
    small_bundle(tmp_path, '@prefix org: <http://example.org/org#> .\norg:a rdfs:label "A"@en .\n')
    (tmp_path / "shapes").mkdir()
    (tmp_path / "queries").mkdir()
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert "x.ttl: @prefix org: <http://example.org/org#> gives the shared prefix another namespace" \
        in result.output


def test_validate_reads_a_data_file_of_the_bundle_with_the_shared_prefixes(tmp_path):
    bundle = small_bundle(tmp_path, 'activity:a rdfs:label "A"@en .\n')
    (tmp_path / "shapes").symlink_to(ROOT / "shapes")
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "validate", str(bundle.data_dir / "x.ttl")])
    assert result.exit_code in (0, 1), result.output  # parsed (the shapes may find things to say)



def test_validate_predeclares_the_shared_prefixes_for_a_file_from_elsewhere(tmp_path):
    """As /sparql predeclares prefixes: a new record is checked before it is put in data/. An
    undeclared prefix of its own is still an error, at the file's own column."""
    outside = tmp_path / "outside.ttl"
    outside.write_text('activity:a a evaw:Activity .\n', encoding="utf-8")
    parsed = CliRunner().invoke(main, ["validate", str(outside)])
    assert parsed.exit_code in (0, 1), parsed.output
    outside.write_text('activity:a ex:b activity:c .\n', encoding="utf-8")
    refused = CliRunner().invoke(main, ["validate", str(outside)])
    assert refused.exit_code == 2 and "outside.ttl:1:12:" in refused.stderr, refused.stderr
