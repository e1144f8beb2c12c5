"""The ``evawkg`` command: exit codes, stdout and stderr of check, validate, query and export,
through click's CliRunner and through the installed console script in a real subprocess."""

from __future__ import annotations

import csv
import gzip
import http.server
import io
import json
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import SH

from evawkg.cli import main
from evawkg.errors import EvawError

EVAWKG = Path(sys.executable).with_name("evawkg")

CONFORMING_TTL = """\
@prefix ex: <https://example.org/> .
ex:thing ex:says "nothing any shape targets" .
"""

# A resolution with a label but no source, body or document type: it breaks LegalInstrumentShape.
NON_CONFORMING_TTL = """\
@prefix evaw: <https://evawkg.example.org/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://evawkg.example.org/id/instrument/test-untitled> a evaw:Resolution ;
    rdfs:label "A resolution without a title"@en .
"""

# Line 3 lacks its final '.', so the parser stops at line 4.
UNPARSABLE_TTL = """\
@prefix ex: <https://example.org/> .
ex:a ex:p "one" .
ex:b ex:p "two"
ex:c ex:p "three" .
"""

CUSTOM_SHAPES_TTL = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
ex:ThingShape a sh:NodeShape ;
    sh:targetSubjectsOf ex:says ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:severity sh:Violation ;
                  sh:message "Give every thing an ex:name." ] .
"""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def one_line(text: str) -> str:
    lines = text.strip("\n").splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert "Traceback" not in text
    return lines[0]


# --------------------------------------------------------------------------- validate


def test_validate_conforming_file_exits_0_and_says_conforms(runner, write):
    result = runner.invoke(main, ["validate", str(write("ok.ttl", CONFORMING_TTL))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Conforms: 0 violations")


def test_validate_non_conforming_file_exits_1_naming_focus_path_and_fix(runner, write):
    result = runner.invoke(main, ["validate", str(write("bad.ttl", NON_CONFORMING_TTL))])
    assert result.exit_code == 1
    assert result.stdout.startswith("Does not conform:")
    assert "shapes:LegalInstrumentShape" in result.stdout
    lines = result.stdout.splitlines()
    # Every resource must cite its source (docs/architecture.md): the report names the focus
    # node and the path, and the next line tells the author how to fix it.
    at = lines.index("  Violation instrument:test-untitled  dcterms:source")
    assert "dcterms:source" in lines[at + 1] and lines[at + 1].startswith("            ")


def test_validate_unparsable_file_exits_2_with_one_stderr_line_naming_file_line_column(runner, write):
    path = write("broken.ttl", UNPARSABLE_TTL)
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith(f"evawkg: {path}:4:")
    assert "turtle syntax error" in line
    assert result.stdout == ""


def test_validate_missing_file_exits_2_with_one_stderr_line(runner, tmp_path):
    missing = tmp_path / "absent.ttl"
    result = runner.invoke(main, ["validate", str(missing)])
    assert result.exit_code == 2
    assert str(missing) in one_line(result.stderr)


def test_validate_unknown_extension_exits_2_suggesting_input_format(runner, write):
    result = runner.invoke(main, ["validate", str(write("data.txt", CONFORMING_TTL))])
    assert result.exit_code == 2
    assert "--input-format" in one_line(result.stderr)


def test_validate_stdin_with_input_format(runner):
    nt = "<https://example.org/a> <https://example.org/says> \"x\" .\n"
    result = runner.invoke(main, ["validate", "-", "--input-format", "ntriples"], input=nt)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Conforms")


def test_validate_stdin_unparsable_names_stdin_line(runner):
    result = runner.invoke(main, ["validate", "-"], input=UNPARSABLE_TTL)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("evawkg: -:4:")


def test_validate_format_json_reports_results(runner, write):
    result = runner.invoke(main, ["validate", "--format", "json", str(write("bad.ttl", NON_CONFORMING_TTL))])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    focuses = {r["focus"]["value"] for r in report["results"] if r["severity"] == "Violation"}
    assert focuses == {"https://evawkg.example.org/id/instrument/test-untitled"}


@pytest.mark.parametrize(("fmt", "syntax"), [("turtle", pyoxigraph.RdfFormat.TURTLE),
                                             ("json-ld", pyoxigraph.RdfFormat.JSON_LD)])
def test_validate_format_rdf_gives_shacl_report_graph(runner, write, fmt, syntax):
    result = runner.invoke(main, ["validate", "-f", fmt, str(write("bad.ttl", NON_CONFORMING_TTL))])
    assert result.exit_code == 1
    store = pyoxigraph.Store()
    store.load(result.stdout.encode(), syntax)
    assert store.query("ASK { ?report a sh:ValidationReport ; sh:conforms false }",
                       prefixes={"sh": str(SH)})


def test_validate_with_own_shapes_file(runner, write):
    shapes = write("shapes.ttl", CUSTOM_SHAPES_TTL)
    data = write("data.ttl", CONFORMING_TTL)
    result = runner.invoke(main, ["validate", "--shapes", str(shapes), str(data)])
    assert result.exit_code == 1
    assert "Give every thing an ex:name." in result.stdout


def test_validate_unparsable_shapes_file_exits_2(runner, write):
    shapes = write("shapes.ttl", UNPARSABLE_TTL)
    result = runner.invoke(main, ["validate", "--shapes", str(shapes), str(write("d.ttl", CONFORMING_TTL))])
    assert result.exit_code == 2
    assert f"{shapes}:4:" in one_line(result.stderr)


@pytest.mark.parametrize("name", ["long.ttl", "long.nt"])
def test_validate_term_longer_than_the_parser_buffer_exits_2_naming_file(runner, tmp_path, name):
    # pyoxigraph raised MemoryError past its 16 MiB token buffer: a traceback, exit 1.
    path = tmp_path / name
    path.write_text('<https://example.org/a> <https://example.org/p> "' + "x" * (17 << 20) + '" .\n',
                    encoding="utf-8")
    result = runner.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    line = one_line(result.stderr)
    assert line.startswith(f"evawkg: {path}: ") and "longer than the parser reads" in line
    assert result.stdout == ""


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize("shape", ["<>", "Activity Shape", "shapes:a{b}"])
def test_validate_shape_name_that_is_no_iri_exits_2(runner, write, engine, shape):
    # pyoxigraph's ValueError (store) or rdflib's warning then "unknown shape" (pyshacl).
    result = runner.invoke(main, ["validate", "--engine", engine, "--shape", shape,
                                  str(write("ok.ttl", CONFORMING_TTL))])
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith(f"evawkg: shape {shape!r} is no IRI")


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
def test_validate_shapes_file_with_byte_order_mark_or_gz_is_read(runner, write, tmp_path, engine):
    # The store engine parsed the file by path: a BOM or gzip was a SyntaxError traceback.
    bom = tmp_path / "bom-shapes.ttl"
    bom.write_bytes(b"\xef\xbb\xbf" + CUSTOM_SHAPES_TTL.encode())
    packed = tmp_path / "shapes.ttl.gz"
    packed.write_bytes(gzip.compress(CUSTOM_SHAPES_TTL.encode()))
    data = write("data.ttl", CONFORMING_TTL)
    for shapes in (bom, packed):
        result = runner.invoke(main, ["validate", "--engine", engine, "-s", str(shapes), str(data)])
        assert result.exit_code == 1, result.output
        assert "Give every thing an ex:name." in result.stdout


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize(("name", "text", "says"), [
    ("deep.jsonld", '{"@id": "https://example.org/a", "https://example.org/p": '
     + '{"https://example.org/p": ' * 3000 + '"x"' + "}" * 3001, "nests deeper than"),
    ("laughs.rdf", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
     + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
     + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
     'xmlns:ex="https://example.org/"><rdf:Description rdf:about="https://example.org/a">'
     "<ex:p>&i;</ex:p></rdf:Description></rdf:RDF>", "billion laughs"),
])
def test_validate_shapes_file_is_checked_as_data_files_are(write, engine, name, text, says):
    # A shapes file skipped the upload checks: pyoxigraph spent minutes on the entity bomb, and
    # crashed (segmentation fault) on the deep JSON-LD. Run as a script: a crash must not take
    # the test run down with it.
    shapes = write(name, text)
    done = run_script("validate", "--engine", engine, "-s", str(shapes),
                      str(write("d.ttl", CONFORMING_TTL)))
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith(f"evawkg: {shapes}:") and says in line


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
def test_validate_shapes_using_service_exit_2_naming_service(runner, write, engine):
    shapes = write("shapes.ttl", CUSTOM_SHAPES_TTL.replace(
        "sh:targetSubjectsOf ex:says ;",
        'sh:targetSubjectsOf ex:says ; sh:sparql [ sh:select """SELECT $this WHERE { '
        'SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }""" ] ;'))
    result = runner.invoke(main, ["validate", "--engine", engine, "--shapes", str(shapes),
                                  str(write("d.ttl", CONFORMING_TTL))])
    assert result.exit_code == 2, result.output
    assert "SERVICE" in one_line(result.stderr)


def test_validate_bad_option_value_is_usage_error_2(runner, write):
    result = runner.invoke(main, ["validate", "--format", "yaml", str(write("ok.ttl", CONFORMING_TTL))])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


@pytest.mark.parametrize(("args", "command", "says"), [
    (["--bogus"], "evawkg", "No such option '--bogus'"),
    (["bogus"], "evawkg", "No such command 'bogus'"),
    (["query", "-f", "yaml", "x"], "evawkg query", "Invalid value for '--format' / '-f'"),
    (["check", "extra"], "evawkg check", "Got unexpected extra argument (extra)"),
    (["token", "zap"], "evawkg token", "No such command 'zap'"),
    (["history", "--store", ".", "--since", "abc"], "evawkg history", "'abc' is not a valid integer"),
    (["serve", "--port", "-1"], "evawkg serve", "port must be between 0 and 65535, not -1"),
])
def test_usage_errors_are_one_line_naming_the_command_and_its_help(runner, args, command, says):
    # click's own form took four lines: usage, a hint, a blank line, the error.
    result = runner.invoke(main, args, prog_name="evawkg")
    assert result.exit_code == 2, result.output
    line = one_line(result.stderr)
    assert line.startswith(f"{command}: ") and says in line
    assert line.endswith(f"(see {command} --help)")


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_home_that_does_not_exist_exits_2_and_writes_nothing(runner, tmp_path, how, monkeypatch):
    # It was taken for an empty bundle: export wrote dumps of nothing and exited 0.
    missing = tmp_path / "no-such-checkout"
    if how == "environment":
        monkeypatch.setenv("EVAWKG_HOME", str(missing))
    args = ["--home", str(missing)] if how == "flag" else []
    result = runner.invoke(main, [*args, "export", str(tmp_path / "dumps")], prog_name="evawkg")
    assert result.exit_code == 2, result.output
    assert f"Directory '{missing}' does not exist" in one_line(result.stderr)
    assert not (tmp_path / "dumps").exists() and not missing.exists()


# --------------------------------------------------------------------------- query


def test_query_named_with_defaults_prints_readable_table(runner):
    result = runner.invoke(main, ["query", "policy-framework"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["agency", "order", "marker"]
    assert set(lines[1]) <= {"-", " "}
    assert any("A/RES/48/104" in line and "1993-12-20" in line for line in lines)
    assert lines[-1] == "(8 rows)"


def test_query_named_csv_has_header_and_full_iris(runner):
    result = runner.invoke(main, ["query", "policy-framework", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    row = next(r for r in rows if r["symbol"] == "A/RES/48/104")
    assert row["date"] == "1993-12-20"
    assert row["body"] == "https://evawkg.example.org/id/organization/general-assembly"


def test_query_named_tsv_and_json(runner):
    tsv = runner.invoke(main, ["query", "policy-framework", "-f", "tsv"])
    assert tsv.exit_code == 0
    assert tsv.stdout.splitlines()[0].startswith("?agency\t?order")
    answer = json.loads(runner.invoke(main, ["query", "policy-framework", "-f", "json"]).stdout)
    assert answer["head"]["vars"][:2] == ["agency", "order"]
    symbols = [b["symbol"]["value"] for b in answer["results"]["bindings"] if "symbol" in b]
    assert "A/RES/65/229" in symbols


def test_query_param_binds_typed_value(runner):
    result = runner.invoke(main, ["query", "policy-framework", "--param",
                                  "agency=id:organization/un-women", "-f", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == []


def test_query_param_of_wrong_type_exits_2_naming_parameter_and_type(runner):
    result = runner.invoke(main, ["query", "policy-framework", "-p", "agency=not an iri"])
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "parameter 'agency'" in line and "(type iri)" in line
    assert result.stdout == ""


def test_query_unknown_param_exits_2(runner):
    result = runner.invoke(main, ["query", "policy-framework", "-p", "country=id:country/TH"])
    assert result.exit_code == 2
    assert "has no parameter 'country'" in one_line(result.stderr)


def test_query_param_without_equals_is_usage_error(runner):
    result = runner.invoke(main, ["query", "policy-framework", "-p", "agency"])
    assert result.exit_code == 2
    assert "is not NAME=VALUE" in result.stderr


def test_query_unknown_name_exits_2_listing_known(runner):
    result = runner.invoke(main, ["query", "no-such-query"])
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "no named query 'no-such-query'" in line and "policy-framework" in line


def test_query_without_name_is_usage_error(runner):
    result = runner.invoke(main, ["query"])
    assert result.exit_code == 2


def test_query_file_or_stdin_with_byte_order_mark_runs(runner, tmp_path):
    # The BOM reached the parser: exit 2, "query does not parse: error at 1:10".
    text = "\ufeffSELECT ?agency WHERE { ?agency ?p ?o } LIMIT 1"
    path = tmp_path / "bom.rq"
    path.write_text(text, encoding="utf-8")
    for args, given in ((["query", str(path)], None), (["query", "-"], text.encode())):
        result = runner.invoke(main, [*args, "-f", "csv"], input=given)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0] == "agency"


def test_query_stdin_not_utf8_exits_2_saying_so(runner):
    # Read as text it became lone surrogates: exit 1, "query failed: 'utf-8' codec can't encode".
    result = runner.invoke(main, ["query", "-"], input=b'SELECT * WHERE { ?s ?p "\xff" }')
    assert result.exit_code == 2
    assert one_line(result.stderr) == ("evawkg: <stdin>: the query is not valid UTF-8 "
                                       "(byte 0xff at offset 24); save it as UTF-8")


def test_query_list_shows_each_named_query_with_parameters(runner, bundle):
    result = runner.invoke(main, ["query", "--list"])
    assert result.exit_code == 0
    for path in bundle.query_files():
        assert f"{path.stem}: " in result.stdout
    assert "--param agency=<iri> (default id:organization/unodc)" in result.stdout


def test_query_stdin_uses_predeclared_prefixes(runner):
    text = "SELECT ?code WHERE { ?country evaw:iso3166Alpha3 \"NAM\" ; evaw:iso3166Alpha2 ?code }"
    result = runner.invoke(main, ["query", "-", "-f", "csv"], input=text)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["code", "NA"]


def test_query_file_with_header_takes_params(runner, write):
    path = write("My Query.rq", "#+ summary: a\n#+ description: b\n#+ tags: [t]\n#+ params:\n"
                 "#+   country: {type: iri, default: id:country/TH, description: a country}\n"
                 "SELECT ?country ?code WHERE { ?country evaw:iso3166Alpha3 ?code }\n")
    result = runner.invoke(main, ["query", str(path), "-p", "country=id:country/NA", "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "https://evawkg.example.org/id/country/NA,NAM"


def test_query_file_with_malformed_header_exits_2(runner, write):
    path = write("bad.rq", "#+ summary: [unclosed\nSELECT * {}\n")
    result = runner.invoke(main, ["query", str(path)])
    assert result.exit_code == 2
    assert f"{path}:1: header is not valid YAML" in one_line(result.stderr)


def test_query_plain_file_refuses_params(runner, write):
    path = write("plain.rq", "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n")
    result = runner.invoke(main, ["query", str(path), "-p", "x=1"])
    assert result.exit_code == 2


def test_query_syntax_error_exits_2_with_the_servers_words_and_position(runner):
    # The CLI said pyoxigraph's "query does not parse: error at 1:25: …"; the server says where
    # in words and what the text holds there.
    result = runner.invoke(main, ["query", "-"], input="SELECT * WHERE { ?s ?p }")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith("evawkg: query syntax error at line 1, column 25: expected ")
    assert line.endswith("(after “SELECT * WHERE { ?s ?p }”)")
    assert "error at 1:" not in line


def test_query_undeclared_prefix_exits_2_saying_how_to_declare_it(runner):
    # pyoxigraph's message listed 400 characters of Unicode ranges ("['A' ..= 'Z' | …").
    result = runner.invoke(main, ["query", "-"], input="SELECT * WHERE { ?s nope:p ?o }")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert line.startswith('evawkg: query syntax error at line 1, column 27: the prefix "nope:" '
                           "is not declared")
    assert "PREFIX nope: <namespace IRI>" in line and "..=" not in line


@pytest.mark.parametrize("text", ["", " \n\t\n", "\ufeff"])
def test_query_empty_exits_2_saying_it_is_empty(runner, text):
    # The parser's "query syntax error at line 1, column 1: expected [_]"; the server says this.
    result = runner.invoke(main, ["query", "-"], input=text.encode("utf-8"))
    assert result.exit_code == 2
    assert one_line(result.stderr) == ("evawkg: <stdin>: the query is empty; give a SELECT, ASK, "
                                       "CONSTRUCT or DESCRIBE query")


def test_query_select_star_columns_are_in_written_order(runner):
    # pyoxigraph sorts SELECT *'s columns by name (o,p,s); the server gives them as written.
    result = runner.invoke(main, ["query", "-", "--format", "csv"],
                           input="SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "s,p,o"
    table = runner.invoke(main, ["query", "-"], input="SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert table.stdout.split()[:3] == ["s", "p", "o"]


def test_query_failing_while_running_exits_1(runner, monkeypatch):
    def fail(*args, **kwargs):
        raise EvawError("query failed: the engine gave up")

    monkeypatch.setattr("evawkg.workbench.named_queries.run", fail)
    result = runner.invoke(main, ["query", "-"], input="SELECT * WHERE { ?s ?p ?o }")
    assert result.exit_code == 1
    assert one_line(result.stderr) == "evawkg: query failed: the engine gave up"


def test_query_service_is_refused_with_exit_2(runner):
    text = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    result = runner.invoke(main, ["query", "-"], input=text)
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("evawkg: SERVICE <http://127.0.0.1:9/sparql> is refused")


def test_query_ask_and_construct(runner):
    namibia = "<https://evawkg.example.org/id/country/NA>"
    ask = runner.invoke(main, ["query", "-"], input=f"ASK {{ {namibia} a evaw:Country }}")
    assert (ask.exit_code, ask.stdout) == (0, "true\n")
    construct = runner.invoke(main, ["query", "-"], input=(
        f"CONSTRUCT {{ {namibia} evaw:iso3166Alpha3 ?c }} WHERE {{ {namibia} evaw:iso3166Alpha3 ?c }}"))
    assert construct.exit_code == 0
    graph = rdflib.Graph().parse(data=construct.stdout, format="turtle")
    assert len(graph) == 1


# --------------------------------------------------------------------------- check and export


def test_check_real_bundle_exits_0_with_a_line_per_step(runner):
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:4]] == [
        ["parse", "ok"], ["lint", "ok"], ["validate", "ok"], ["queries", "ok"]]
    assert "(store engine)" in lines[2]
    assert lines[-1].startswith("check passed in ")


def _validate_line(output: str) -> str:
    """``check``'s validate line without its timing and engine name."""
    line = next(line for line in output.splitlines() if line.startswith("validate "))
    return line.rsplit("  (", 1)[0].rsplit(" (", 1)[0]


def test_check_engine_pyshacl_finds_what_the_store_engine_finds(runner):
    by_store = runner.invoke(main, ["check", "--engine", "store"])
    by_pyshacl = runner.invoke(main, ["check", "--engine", "pyshacl"])
    assert (by_store.exit_code, by_pyshacl.exit_code) == (0, 0), by_store.output + by_pyshacl.output
    assert "(pySHACL)" in by_pyshacl.stdout and "(store engine)" in by_store.stdout
    assert _validate_line(by_store.stdout) == _validate_line(by_pyshacl.stdout)
    assert "warnings" in _validate_line(by_store.stdout)


def test_check_unknown_engine_is_usage_error_2(runner):
    result = runner.invoke(main, ["check", "--engine", "rdf4j"])
    assert result.exit_code == 2
    assert "'rdf4j' is not one of 'store', 'pyshacl'" in result.output


@pytest.mark.parametrize("url, says", [
    ("not a url", "must be an http:// or https:// URL such as http://localhost:8890/sparql, "
                  "not 'not a url'"),
    ("ftp://127.0.0.1/sparql", "must be an http:// or https:// URL"),
    ("http://127.0.0.1:99999/sparql", "is not a URL the store can be reached at (Port out of range"),
    ("http://[::1/sparql", "is not a URL the store can be reached at (Invalid IPv6 URL)"),
])
@pytest.mark.parametrize("command", [
    ["check", "--sparql-endpoint"],
    ["load", "--sparql-endpoint"],
    ["load", "--sparql-endpoint", "http://127.0.0.1:9/sparql", "--update-endpoint"],
    ["load", "--sparql-endpoint", "http://127.0.0.1:9/sparql", "--graph-store"],
])
def test_remote_store_url_that_is_no_http_url_exits_2_saying_what_one_is(runner, command, url, says):
    # check --sparql-endpoint 'not a url' was exit 1 ("cannot be reached … is it running?"), and a
    # port out of range or a broken IPv6 host a traceback; serve refused them already.
    result = runner.invoke(main, [*command, url])
    assert result.exit_code == 2, result.output
    line = one_line(result.stderr)
    assert line.startswith(f"evawkg: {command[-1]} ") and says in line


@pytest.fixture
def bundle_copy(tmp_path, bundle) -> Path:
    root = tmp_path / "bundle"
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(bundle.root / folder, root / folder)
    return root


def test_check_malformed_named_query_exits_1(runner, bundle_copy):
    (bundle_copy / "queries" / "broken.rq").write_text("#+ summary: no description\nSELECT * {}\n")
    result = runner.invoke(main, ["--home", str(bundle_copy), "check"])
    assert result.exit_code == 1
    assert "queries   FAIL" in result.stdout
    assert "broken.rq" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("check FAILED")


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
def test_check_non_conforming_data_fails_validate_naming_the_focus(runner, bundle_copy, engine):
    (bundle_copy / "data" / "zz-untitled.ttl").write_text(NON_CONFORMING_TTL)
    result = runner.invoke(main, ["--home", str(bundle_copy), "check", "--engine", engine])
    assert result.exit_code == 1, result.output
    validate_line = next(line for line in result.stdout.splitlines() if line.startswith("validate "))
    assert validate_line.split()[:2] == ["validate", "FAIL"]
    assert "does not conform" in validate_line
    assert "instrument:test-untitled" in result.stdout  # the kind prefix (issue 15)
    assert result.stdout.splitlines()[-1].startswith("check FAILED")


def test_check_bundle_without_shapes_fails_the_validate_step_and_goes_on(runner, bundle_copy):
    for path in (bundle_copy / "shapes").glob("*.ttl"):
        path.unlink()
    result = runner.invoke(main, ["--home", str(bundle_copy), "check"])
    assert result.exit_code == 1, result.output
    validate_line = next(line for line in result.stdout.splitlines() if line.startswith("validate "))
    assert validate_line.split()[:2] == ["validate", "FAIL"] and "no shapes found" in validate_line
    assert any(line.startswith("queries ") for line in result.stdout.splitlines())


@pytest.fixture
def home_with_own_shape(bundle_copy) -> Path:
    """A home whose shapes hold one more than the bundle's: every ex:says needs an ex:name."""
    (bundle_copy / "shapes" / "zz-things.ttl").write_text(CUSTOM_SHAPES_TTL)
    return bundle_copy


@pytest.mark.parametrize("engine", ["store", "pyshacl"])
@pytest.mark.parametrize("how", ["file", "with-graph", "bundled data", "check"])
def test_home_shapes_are_the_ones_each_engine_validates_with(runner, home_with_own_shape, write,
                                                             engine, how):
    # --engine pyshacl validated against this installation's shapes whatever --home said (the
    # store engine used the home's): the home's own shape was never run.
    thing = write("thing.ttl", CONFORMING_TTL)
    if how in ("bundled data", "check"):
        shutil.copy(thing, home_with_own_shape / "data" / "zz-thing.ttl")
    args = {"file": ["validate", str(thing)], "with-graph": ["validate", "--with-graph", str(thing)],
            "bundled data": ["validate"], "check": ["check"]}[how]
    result = runner.invoke(main, ["--home", str(home_with_own_shape), *args, "--engine", engine])
    assert result.exit_code == 1, result.output
    assert "Give every thing an ex:name." in result.stdout


def test_check_unparsable_data_exits_2_with_one_stderr_line(runner, bundle_copy):
    broken = bundle_copy / "data" / "zz-broken.ttl"
    broken.write_text(UNPARSABLE_TTL)
    result = runner.invoke(main, ["--home", str(bundle_copy), "check"])
    assert result.exit_code == 2
    assert f"{broken}:4:" in one_line(result.stderr)


def test_export_writes_dumps_with_checksums(runner, tmp_path):
    target = tmp_path / "dumps"
    result = runner.invoke(main, ["export", str(target)])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert {p.name for p in written} >= {"evawkg.ttl", "evawkg.nt.gz", "evawkg.jsonld",
                                         "evawkg-inferred.ttl", "SHA256SUMS"}
    assert all(p.is_file() and p.parent == target for p in written)
    sums = (target / "SHA256SUMS").read_text()
    assert "evawkg.ttl" in sums


def test_export_with_home_writes_the_json_ld_in_that_homes_terms(runner, bundle_copy, tmp_path):
    """The JSON-LD dump's context comes from the ontology of the home exported, not from this
    installation's: a class only the home defines is a term of the dump's context."""
    with open(bundle_copy / "ontology" / "evawkg.ttl", "a", encoding="utf-8") as ontology:
        ontology.write("\n<https://evawkg.example.org/ontology#HomeOnlyThing> "
                       "a <http://www.w3.org/2002/07/owl#Class> .\n")
    target = tmp_path / "dumps"
    result = runner.invoke(main, ["--home", str(bundle_copy), "export", str(target)])
    assert result.exit_code == 0, result.output
    context = json.loads((target / "evawkg.jsonld").read_text(encoding="utf-8"))["@context"]
    assert "HomeOnlyThing" in json.dumps(context)


# --------------------------------------------------------------------------- the console script


def run_script(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EVAWKG), *args], input=input, capture_output=True, text=True,
                          timeout=120, check=False)


def test_script_check_exits_0():
    done = run_script("check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check passed" in done.stdout


def test_script_validate_exit_codes_0_1_2(write):
    assert run_script("validate", str(write("ok.ttl", CONFORMING_TTL))).returncode == 0
    bad = run_script("validate", str(write("bad.ttl", NON_CONFORMING_TTL)))
    assert bad.returncode == 1
    assert "instrument:test-untitled" in bad.stdout
    path = write("broken.ttl", UNPARSABLE_TTL)
    broken = run_script("validate", str(path))
    assert broken.returncode == 2
    assert one_line(broken.stderr).startswith(f"evawkg: {path}:4:")


def test_script_query_csv_and_bad_param():
    done = run_script("query", "policy-framework", "--format", "csv")
    assert done.returncode == 0
    assert "A/RES/48/104" in done.stdout
    bad = run_script("query", "policy-framework", "--param", "agency=")
    assert bad.returncode == 2
    assert "parameter 'agency'" in one_line(bad.stderr)


def test_script_query_service_and_update_exit_2_and_reach_no_server():
    requests: list[str] = []

    class Canary(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server hook's name)
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    canary = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=canary.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{canary.server_address[1]}/sparql"
    try:
        service = run_script("query", "-", input=f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}")
        update = run_script("query", "-", input=f"LOAD <{endpoint}>")
    finally:
        canary.shutdown()
        canary.server_close()
    assert service.returncode == 2
    assert "SERVICE" in one_line(service.stderr) and "refused" in service.stderr
    assert update.returncode == 2
    assert "read-only" in one_line(update.stderr)
    assert requests == []


@pytest.mark.parametrize("text", ["SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000,
                                  "ASK { FILTER(" + "(" * 5000 + "true" + ")" * 5000 + ") }"])
def test_script_query_nested_too_deeply_exits_2_as_the_server_refuses_it(text):
    # The parsers recursed into it: the process died of a segmentation fault (exit -11).
    done = run_script("query", "-", input=text)
    assert done.returncode == 2, done.stderr
    assert "nested too deeply" in one_line(done.stderr)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [("query", "policy-framework"), ("new-record", "who")])
def test_script_stdout_on_a_full_disk_exits_2_with_one_line(args):
    # click.echo's OSError (ENOSPC) was a traceback and exit 1.
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(EVAWKG), *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr) == "evawkg: cannot write: No space left on device"


@pytest.mark.parametrize("args", ["query -", "validate -", "validate -i ntriples -"])
def test_script_stdin_closed_exits_2_with_one_line(args):
    # sys.stdin is None then: an AttributeError traceback and exit 1.
    done = subprocess.run(["sh", "-c", f'"{EVAWKG}" {args} <&-'], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "standard input is closed" in one_line(done.stderr)


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("workers", 10 ** 20, "workers must be between 1 and 256"),
    ("query_timeout", float("nan"), "query_timeout must be a finite number of seconds"),
    ("queue_wait", float("inf"), "queue_wait must be a finite number of seconds"),
    ("write_lock_wait", float("inf"), "write_lock_wait must be a finite number of seconds"),
    ("sparql_endpoint", "http://127.0.0.1:99999/sparql", "is not a URL the store can be reached at"),
])
def test_serve_settings_out_of_range_are_refused_before_anything_starts(setting, value, says):
    # Checked on Settings, never by starting a server: --workers 99999999999999999999 made
    # gunicorn fork workers without end, and NaN or infinite seconds passed every "> 0" check.
    from evawkg.errors import SettingsError
    from evawkg.settings import Settings

    with pytest.raises(SettingsError, match=says):
        Settings(**{setting: value})


@pytest.mark.parametrize(("args", "environment", "says"), [
    # Passed: /validate answered every upload 413 "larger than -1 bytes".
    (["--max-upload-bytes", "-1"], {}, "--max-upload-bytes must be at least 1, not -1"),
    (["--dump-timeout", "-1"], {}, "--dump-timeout must be more than 0 and at most 1000000000, not -1.0"),
    # Passed: every validation was a 503 "still starting", for ever.
    (["--validation-timeout", "0"], {}, "--validation-timeout must be more than 0 and at most 1000000000, not 0.0"),
    # Passed: a wait on a lock past threading.TIMEOUT_MAX raised OverflowError, a 500.
    (["--queue-wait", "1e10"], {}, "--queue-wait must be between 0 and 1000000000, not 10000000000.0"),
    # Passed: each worker forks them all at its start.
    (["--max-concurrent-queries", "100000"], {}, "--max-concurrent-queries must be between 1 and 256, not 100000"),
    # Passed: setrlimit's OverflowError killed every query process (503 "needed more memory").
    (["--query-memory-limit-mb", "10000000000000"], {},
     "--query-memory-limit-mb must be between 0 and 16777216, not 10000000000000"),
    # Passed: every IRI starts with '', so every one was "under the base".
    (["--base-iri", ""], {}, "--base-iri '' must be an http(s) URL ending in '/'"),
    (["--base-iri", "urn:evawkg:"], {}, "--base-iri 'urn:evawkg:' must be an http(s) URL ending in '/'"),
    # Passed: an exact IRI no SERVICE or LOAD can name.
    (["--allow-service", "sparql.example.org"], {},
     "--allow-service must be absolute IRIs (such as https://example.org/a), not 'sparql.example.org'"),
    (["--allow-load", "data.ttl"], {},
     "--allow-load must be absolute IRIs (such as https://example.org/a), not 'data.ttl'"),
    # Named the setting (query_timeout), not the flag the user typed.
    (["--timeout", "0"], {}, "--timeout must be more than 0 and at most 1000000000, not 0.0"),
    # Unchecked: logging's ValueError traceback.
    ([], {"EVAWKG_LOG_LEVEL": "verbose"},
     "EVAWKG_LOG_LEVEL must be one of debug, info, warning, error, not 'verbose'"),
    ([], {"EVAWKG_DUMP_TIMEOUT": "-1"}, "EVAWKG_DUMP_TIMEOUT must be more than 0 and at most 1000000000"),
    # Passed: gunicorn keeps alive worker_connections (1000) - threads connections, so a
    # thousand threads closed every connection after its answer.
    (["--threads", "5000"], {}, "--threads must be between 1 and 1024, not 5000"),
    # Passed: no browser sends such an Origin, so CORS silently never matched.
    (["--cors-origin", "example.org"], {}, "--cors-origin must be '*' or origins as a browser"),
    (["--cors-origin", "https://example.org/"], {}, "--cors-origin must be '*' or origins"),
    # Passed: a user name "admin" with an empty password; the 401 came at the first query.
    ([], {"EVAWKG_STORE_AUTH": "admin"}, "EVAWKG_STORE_AUTH must be USER:PASSWORD or bearer:TOKEN"),
    ([], {"EVAWKG_STORE_AUTH": "bearer:"}, "EVAWKG_STORE_AUTH must be USER:PASSWORD or bearer:TOKEN"),
])
def test_serve_setting_out_of_range_exits_2_naming_the_flag_and_range(runner, monkeypatch, args,
                                                                      environment, says):
    import evawkg.web.server

    monkeypatch.setattr(evawkg.web.server, "serve",
                        lambda settings: pytest.fail("the server started with it"))
    result = runner.invoke(main, ["serve", *args], env=environment, prog_name="evawkg")
    assert result.exit_code == 2, result.output
    assert one_line(result.stderr).startswith(f"evawkg serve: {says}")


def test_every_number_setting_has_a_range_and_a_value_past_it_is_refused():
    from evawkg.errors import SettingsError
    from evawkg.settings import SETTINGS, Settings

    for setting in SETTINGS:
        if setting.type not in (int, float):
            continue
        assert setting.allowed is not None, f"{setting.name} says no range"
        below = setting.allowed.least - (0 if setting.allowed.above else 1)
        with pytest.raises(SettingsError, match=f"^{setting.name} must be") as raised:
            Settings(**{setting.name: setting.type(below)})
        assert raised.value.setting == setting.name
        if setting.allowed.most is not None:
            with pytest.raises(SettingsError, match=f"^{setting.name} must be"):
                Settings(**{setting.name: setting.type(setting.allowed.most + 1)})


def _serve_briefly(*args: str) -> tuple[int | None, str]:
    """``evawkg serve ARGS`` on the small writes bundle: its exit code and stderr, or ``None``
    if it was still running after a minute (then it is killed, with its workers)."""
    import os
    import signal

    bundle = Path(__file__).parent / "fixtures" / "writes" / "bundle"
    process = subprocess.Popen([str(EVAWKG), "serve", *args], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "EVAWKG_HOME": str(bundle)},
                               start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return None, process.communicate()[1]


def test_serve_with_home_serves_that_homes_graph():
    # `evawkg --home DIR serve` served this installation's bundle: --home reached no process
    # of the server, which each find the bundle in EVAWKG_HOME.
    import os
    import signal
    import urllib.parse
    import urllib.request

    from .support import free_port, wait_for

    home = Path(__file__).parent / "fixtures" / "writes" / "bundle"
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name != "EVAWKG_HOME"}
    process = subprocess.Popen([str(EVAWKG), "--home", str(home), "serve", "--host", "127.0.0.1",
                                "--port", str(port), "--workers", "1", "--log-level", "warning"],
                               env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", seconds=90)
        query = urllib.parse.urlencode({"query": "ASK { <http://example.org/ns#house> ?p ?o }"})
        request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?{query}",
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert answer["boolean"] is True


def test_serve_on_a_port_in_use_exits_2_with_one_line_before_starting():
    # gunicorn retried for five seconds, then exited 1 with its own log lines.
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        code, stderr = _serve_briefly("--host", "127.0.0.1", "--port", str(port))
    assert code == 2, stderr
    assert one_line(stderr).startswith(f"evawkg serve: cannot listen on 127.0.0.1 port {port} "
                                       "(Address already in use)")


@pytest.mark.parametrize("host", ["", "no-such-host.invalid", "256.1.1.1"])
def test_serve_on_a_host_it_cannot_listen_on_exits_2_with_one_line(host):
    # '' listened on every interface; the others were gunicorn's retries and exit 1.
    code, stderr = _serve_briefly("--host", host, "--port", "0")
    assert code == 2, stderr
    line = one_line(stderr)
    assert line.startswith("evawkg serve: ") and ("cannot listen on" in line or "host is empty" in line)


def test_export_stopped_by_a_full_disk_leaves_no_dump_file_and_exits_2(runner, tmp_path,
                                                                     monkeypatch):
    # Each file was written in place: the first dumps stood complete-looking beside the missing
    # rest (and a truncated one), with no SHA256SUMS to tell.
    bundle = Path(__file__).parent / "fixtures" / "writes" / "bundle"
    written = []
    real_write_bytes = Path.write_bytes

    def fill_the_disk(path, data):
        written.append(path.name)
        if len(written) == 3:
            real_write_bytes(path, data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return real_write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", fill_the_disk)
    target = tmp_path / "dumps"
    result = runner.invoke(main, ["--home", str(bundle), "export", str(target)])
    assert result.exit_code == 2, result.output
    assert "cannot write the dumps: No space left on device" in one_line(result.stderr)
    assert len(written) == 3 and sorted(p.name for p in target.iterdir()) == []


def entry_point(*args: str) -> list[str]:
    """The console script as pyproject.toml declares it, run as pip's wrapper runs it (the
    installed wrapper is only as new as the last install), after writing "started" on stdout."""
    with (Path(__file__).parents[1] / "pyproject.toml").open("rb") as stream:
        module, function = tomllib.load(stream)["project"]["scripts"]["evawkg"].split(":")
    code = ("import sys; sys.stdout.write('started\\n'); sys.stdout.flush(); "
            f"from {module} import {function}; sys.argv[0] = 'evawkg'; sys.exit({function}())")
    return [sys.executable, "-c", code, *args]


def test_script_query_running_long_stops_at_ctrl_c(tmp_path):
    # pyoxigraph evaluated the query without returning to Python: SIGINT waited for its end
    # (minutes for this one), so Ctrl-C seemed to do nothing.
    import os
    import signal
    import time

    slow = tmp_path / "slow.rq"
    slow.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    process = subprocess.Popen(entry_point("query", str(slow)), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    os.killpg(process.pid, signal.SIGINT)
    try:
        stderr = process.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the query went on after Ctrl-C")
    assert process.returncode == 130, stderr
    assert stderr == ""


@pytest.mark.parametrize("delay", [0.1, 0.25, 0.5, 0.8, 2.0])
def test_script_interrupted_at_any_moment_exits_130_quietly(delay):
    # Ctrl-C while Python still imported the command (its first second) printed a
    # KeyboardInterrupt traceback; later, click's "Aborted!" and exit 1. `query -` waits for its
    # stdin, held open here, so each delay finds the command importing or running.
    import signal
    import time

    process = subprocess.Popen(entry_point("query", "-"), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stdout.readline() == "started\n"
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    try:
        stderr = process.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("Ctrl-C did not stop the command")
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and len(stderr.strip("\n").splitlines()) <= 1, stderr


@pytest.mark.parametrize("case", ["tokens not json", "data of unknown format", "data missing"])
def test_serve_with_sources_every_worker_would_fail_on_exits_2_before_starting(tmp_path, case,
                                                                              monkeypatch):
    # The master started; each worker then failed to boot with a traceback, and gunicorn
    # exited 3.
    tokens = tmp_path / "tokens.json"
    tokens.write_text("{not json")
    data = tmp_path / "data.txt"
    data.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n")
    args = []
    if case == "tokens not json":
        args = ["--write-tokens", str(tokens), "--store", str(tmp_path / "store")]
    elif case == "data of unknown format":
        args = ["--data", str(data)]
    else:  # the environment is not checked by click as --data is
        monkeypatch.setenv("EVAWKG_DATA", str(tmp_path / "absent.ttl"))
    code, stderr = _serve_briefly("--port", "0", *args)
    assert code == 2, stderr
    assert one_line(stderr).startswith("evawkg serve: ")


def test_serve_with_a_data_file_that_does_not_parse_exits_2_naming_file_line_column(tmp_path):
    # The server started, each worker logged the syntax error and served 503s for ever.
    data = tmp_path / "broken.ttl"
    data.write_text(UNPARSABLE_TTL)
    code, stderr = _serve_briefly("--port", "0", "--data", str(data))
    assert code == 2, stderr
    line = one_line(stderr)
    assert line.startswith(f"evawkg serve: {data}:4:") and "turtle syntax error" in line


def test_script_load_of_deeply_nested_json_ld_exits_2_not_a_crash(tmp_path):
    # The files of load --sparql-endpoint (and serve --data) went to pyoxigraph unchecked: its
    # JSON-LD parser overflowed its stack (segmentation fault, exit -11) past a few thousand levels.
    deep = tmp_path / "deep.jsonld"
    deep.write_text('{"@id": "https://example.org/a", "https://example.org/p": '
                    + '{"https://example.org/p": ' * 5000 + '"x"' + "}" * 5001)
    done = run_script("load", "--sparql-endpoint", "http://127.0.0.1:9/sparql", str(deep))
    assert done.returncode == 2, done.stderr
    assert one_line(done.stderr).startswith(f"evawkg: {deep}:1:")
    assert "nests deeper than 64 levels" in done.stderr


def test_serve_on_a_directory_that_is_not_a_store_exits_2(tmp_path):
    # serve mapped the BundleError by its HTTP status (500): exit 1, unlike every other command.
    store = tmp_path / "store"
    store.mkdir()
    (store / "notes.txt").write_text("something else")
    code, stderr = _serve_briefly("--port", "0", "--store", str(store))
    assert code == 2, stderr
    assert "holds no evawkg store" in one_line(stderr)


def test_serve_on_a_store_whose_marker_is_damaged_exits_2_naming_it(tmp_path):
    # The marker's JSONDecodeError was a traceback (exit 1).
    store = tmp_path / "store"
    store.mkdir()
    (store / "evawkg-store.json").write_text("{broken")
    code, stderr = _serve_briefly("--port", "0", "--store", str(store))
    assert code == 2, stderr
    assert one_line(stderr).startswith(f"evawkg serve: {store / 'evawkg-store.json'} is damaged")


@pytest.mark.parametrize("case", ["parent missing", "parent a file", "store a file"])
def test_serve_on_a_store_that_cannot_be_made_exits_2_naming_it(tmp_path, case, monkeypatch):
    # pyoxigraph's OSError ("While mkdir if missing: …/x.building"), naming no fix, was a
    # traceback and exit 1; a file named in EVAWKG_STORE (click checks only --store) was a
    # NotADirectoryError traceback.
    afile = tmp_path / "afile"
    afile.write_text("")
    store = {"parent missing": tmp_path / "missing" / "x", "parent a file": afile / "x",
             "store a file": afile}[case]
    monkeypatch.setenv("EVAWKG_STORE", str(store))
    code, stderr = _serve_briefly("--port", "0")
    assert code == 2, stderr
    line = one_line(stderr)
    if case == "store a file":
        assert line == (f"evawkg serve: the store {store} is a file; give --store a directory, "
                        "new or holding an evawkg store")
    else:
        assert line.startswith(f"evawkg serve: cannot make the store {store}: {store.parent} "
                               "does not exist or is not a directory; create it first")
    assert not (tmp_path / "missing").exists()


def test_script_export(tmp_path):
    done = run_script("export", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "SHA256SUMS").is_file()
