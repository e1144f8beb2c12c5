"""The curator's path (docs/adding-a-record.md): `evawkg new-record AGENCY` writes a template that
parses and conforms once added to the graph, and `evawkg validate FILE --with-graph` checks a new
file against the bundle, reporting only what the file describes."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.graph.bundle import default_bundle
from evawkg.graph.record_template import ID_KINDS, new_record
from evawkg.graph.shared_prefixes import declared, predeclared
from evawkg.namespaces import ID, PREFIXES

RECORDS = Path(__file__).parent / "fixtures" / "records"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def bundle_without(tmp_path: Path, *stems: str) -> dict[str, str]:
    """EVAWKG_HOME for a copy of the bundle (symlinks) without the data files ``stems``: the graph
    as it was before those agencies' records were added, so a template or fixture for the same
    agency is validated as the new record it stands for (issue 16 added WHO's and UNFPA's)."""
    root = Path(__file__).resolve().parents[1]
    home = tmp_path / "bundle"
    (home / "data").mkdir(parents=True)
    for folder in ("ontology", "shapes", "queries"):
        (home / folder).symlink_to(root / folder)
    for path in (root / "data").glob("*.ttl"):
        if path.stem not in stems:
            (home / "data" / path.name).symlink_to(path)
    return {"EVAWKG_HOME": str(home)}


def test_new_record_writes_a_template_without_declarations_that_parses_with_the_shared_ones(runner):
    result = runner.invoke(main, ["new-record", "who"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "@prefix" not in text
    graph = rdflib.Graph().parse(data=predeclared() + text, format="turtle")
    record = rdflib.URIRef(f"{ID}record/who")
    assert (record, rdflib.RDF.type, rdflib.URIRef(PREFIXES["evaw"] + "InventoryRecord")) in graph
    assert "__AGENCY__" not in text and "evawkg validate data/who.ttl --with-graph" in text


def test_the_shared_prefixes_cover_every_kind_of_resource_and_the_vocabularies():
    shared = declared(default_bundle().prefix_file)
    for name in [*ID_KINDS, "evaw", "rdfs", "dcterms", "prov", "skos", "time", "org", "schema"]:
        assert shared[name] == (f"{ID}{name}/" if name in ID_KINDS else PREFIXES[name]), name


@pytest.mark.parametrize("slug", ["Bad Slug", "WHO", "who/../x", "who-", "who--x", "", "a" * 61])
def test_new_record_bad_slug_exits_2_with_one_line_on_stderr(runner, slug):
    result = runner.invoke(main, ["new-record", slug])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not an agency slug" in result.stderr


def test_new_record_output_file_is_written_once(runner, tmp_path):
    target = tmp_path / "who.ttl"
    first = runner.invoke(main, ["new-record", "who", "-o", str(target)])
    assert first.exit_code == 0 and target.read_text(encoding="utf-8") == new_record("who")
    again = runner.invoke(main, ["new-record", "who", "-o", str(target)])
    assert again.exit_code == 2 and "exists already" in again.stderr


def test_template_validates_against_the_graph_with_warnings_only(runner, tmp_path):
    target = tmp_path / "unhcr.ttl"
    target.write_text(new_record("unhcr"), encoding="utf-8")
    result = runner.invoke(main, ["validate", str(target), "--with-graph", "-f", "json"])
    assert result.exit_code == 0, result.output
    import json

    answer = json.loads(result.stdout)
    assert answer["conforms"] is True
    focus = {row["focus"]["value"] for row in answer["results"]}
    # Only the new file's resources: the bundle's own warnings (UNODC's Wikidata match...) are not repeated.
    assert focus == {f"{ID}record/unhcr", f"{ID}activity/unhcr-measure-1", f"{ID}organization/unhcr"}


def test_validate_alone_reports_unresolved_references_that_with_graph_resolves(runner, tmp_path):
    target = tmp_path / "who.ttl"
    target.write_text(new_record("who"), encoding="utf-8")
    alone = runner.invoke(main, ["validate", str(target)])
    assert alone.exit_code == 1  # un-women, the topic and the activity type are not in the file
    together = runner.invoke(main, ["validate", str(target), "--with-graph"], env=bundle_without(tmp_path, "who"))
    assert together.exit_code == 0, together.output


def test_validate_with_graph_reports_the_files_violations_with_exit_1(runner, tmp_path):
    target = tmp_path / "bad.ttl"
    text = new_record("who")
    assert text.count("evaw:activityType activity-type:training ;") == 1
    target.write_text(text.replace("evaw:activityType activity-type:training ;", 'evaw:activityType "training" ;'),
                      encoding="utf-8")
    result = runner.invoke(main, ["validate", str(target), "--with-graph"], env=bundle_without(tmp_path, "who"))
    assert result.exit_code == 1
    assert "Does not conform: 1 violation" in result.stdout
    assert "activity:who-measure-1" in result.stdout and "evaw:activityType" in result.stdout


def test_validate_with_graph_turtle_report_holds_only_the_files_results(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(RECORDS / "unfpa-newer-layout.ttl"), "--with-graph",
                                  "-f", "turtle"], env=bundle_without(tmp_path, "unfpa"))
    assert result.exit_code == 0, result.output
    report = rdflib.Graph().parse(data=result.stdout, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(True)) in report
    focus = {str(o) for o in report.objects(None, sh.focusNode)}
    assert f"{ID}record/unfpa" in focus
    assert f"{ID}organization/unodc" not in focus and not any("/country/" in f for f in focus)


def test_validate_with_graph_needs_files(runner):
    result = runner.invoke(main, ["validate", "--with-graph"])
    assert result.exit_code == 2 and "name the file" in result.stderr


def test_validate_with_graph_unparsable_file_exits_2_naming_the_line(runner, tmp_path):
    target = tmp_path / "broken.ttl"
    target.write_text("@prefix evaw: <https://evawkg.example.org/ontology#> .\n<a> evaw:x .\n", encoding="utf-8")
    result = runner.invoke(main, ["validate", str(target), "--with-graph"])
    assert result.exit_code == 2 and f"{target}:2:" in result.stderr


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
def test_validate_a_bundled_file_with_graph_replaces_its_old_version(runner, engine):
    """Checking an edited bundled file (here unchanged) against the graph: its own version in the
    bundle is left out, so its blank nodes (each period's beginning and end) are not there twice
    and the file conforms as it does in the bundle."""
    bundled = Path(__file__).resolve().parents[1] / "data" / "unfpa.ttl"
    result = runner.invoke(main, ["validate", str(bundled), "--with-graph", "--engine", engine])
    assert result.exit_code == 0, result.output
    assert "Violation" not in result.stdout
