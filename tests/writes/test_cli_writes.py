"""The command line of writes: ``evawkg token``, ``load`` (through the same guard), ``history``,
``export --store`` and ``backup``, with the exit-code contract (0 ok, 1 refused, 2 unreadable)."""

from __future__ import annotations

import json
import stat

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from evawkg.cli import main
from evawkg.settings import Settings
from evawkg.writes.journal import Journal
from evawkg.writes.store import open_in_memory, seed
from evawkg.writes.tokens import TokenTable
from .conftest import EX, THINGS

GOOD = (f'@prefix ex: <{EX}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n'
        'ex:shelf a ex:Widget ; rdfs:label "Shelf" ; rdfs:comment "loaded" ; ex:partOf ex:room .\n')
BAD = f'@prefix ex: <{EX}> .\nex:nameless a ex:Widget .\n'


@pytest.fixture()
def store(home, tmp_path):
    directory = tmp_path / "store"
    seed(Settings(store=str(directory), write_tokens='{"tokens": []}'))
    return directory


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def test_token_add_prints_the_secret_once_and_stores_its_digest(tmp_path):
    path = tmp_path / "tokens.json"
    result = run("token", "add", "unwomen", "--graph", THINGS, "--graph", "default",
                 "--file", str(path))
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("evawkg_") and secret not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TokenTable(str(path)).authenticate(secret).graphs == (THINGS, "default")
    listed = run("token", "list", "--file", str(path))
    assert "unwomen" in listed.stdout and secret not in listed.stdout
    assert run("token", "add", "unwomen", "--graph", "*", "--file", str(path)).exit_code == 2
    assert run("token", "remove", "unwomen", "--file", str(path)).exit_code == 0
    assert TokenTable(str(path)).tokens == ()


@pytest.mark.parametrize("graph", ["things", "graph/things", "", "http*", "https://e.org/a b"])
def test_token_add_with_a_graph_that_is_no_iri_exits_2_and_writes_no_table(tmp_path, graph):
    # It was stored: a token for a graph no write can name (writes name graphs by absolute IRI).
    path = tmp_path / "tokens.json"
    result = run("token", "add", "curator", "--graph", "default", "--graph", graph,
                 "--file", str(path))
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and not path.exists()
    lines = result.stderr.splitlines()
    assert lines == [f"evawkg: a token's graph must be an absolute IRI (such as "
                     "https://example.org/graph/a), 'default', '*' or an IRI prefix ending in "
                     f"'*', not {graph!r}"]


@pytest.mark.parametrize("graph", [THINGS, "default", "*", "https://e.org/graph/*"])
def test_token_add_takes_an_iri_default_any_or_an_iri_prefix(tmp_path, graph):
    path = tmp_path / "tokens.json"
    result = run("token", "add", "curator", "--graph", graph, "--file", str(path))
    assert result.exit_code == 0, result.output
    assert TokenTable(str(path)).tokens[0].graphs == (graph,)


def test_load_commits_through_the_guard_and_history_shows_it(store, tmp_path):
    source = tmp_path / "shelf.ttl"
    source.write_text(GOOD)
    result = run("load", str(source), "--graph", THINGS, "--store", str(store), "--as", "tester")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("commit 1: +4")
    graph, head = open_in_memory(store)
    assert head.seq == 1
    inferred = ox.NamedNode("https://evawkg.example.org/graph/inferred")
    assert ox.Quad(ox.NamedNode(EX + "shelf"), ox.NamedNode(EX + "partOf"),
                   ox.NamedNode(EX + "house"), inferred) in graph
    history = run("history", "--store", str(store))
    assert "commit 1: +4" in history.stdout and "by tester (load)" in history.stdout
    data = json.loads(run("history", "--store", str(store), "--format", "json").stdout)
    assert data[0]["token"] == "tester" and data[0]["graphs"] == [THINGS]


def test_load_breaking_a_shape_exits_1_with_the_report_and_writes_nothing(store, tmp_path):
    source = tmp_path / "bad.ttl"
    source.write_text(BAD)
    result = run("load", str(source), "--graph", THINGS, "--store", str(store))
    assert result.exit_code == 1
    assert "needs a label" in result.stdout
    assert Journal(store).head().seq == 0
    unchecked = run("load", str(source), "--graph", THINGS, "--store", str(store), "--no-validate")
    assert unchecked.exit_code == 0 and Journal(store).head().seq == 1


def test_load_with_home_judges_the_write_by_that_homes_shapes(store, home, tmp_path):
    # The guard compiled the default bundle's shapes ($EVAWKG_HOME's here) whatever --home said:
    # a shape only the chosen home has let the write through.
    import shutil

    other = tmp_path / "other-home"
    shutil.copytree(home, other)
    (other / "shapes" / "zz-colour.ttl").write_text(
        f"@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <{EX}> .\n"
        "ex:WidgetColourShape a sh:NodeShape ; sh:targetClass ex:Widget ;\n"
        "    sh:property [ sh:path ex:colour ; sh:minCount 1 ; sh:severity sh:Violation ;\n"
        '                  sh:message "A widget needs a colour: add ex:colour." ] .\n')
    source = tmp_path / "shelf.ttl"
    source.write_text(GOOD)
    result = run("--home", str(other), "load", str(source), "--graph", THINGS, "--store", str(store))
    assert result.exit_code == 1, result.output
    assert "A widget needs a colour" in result.stdout
    assert Journal(store).head().seq == 0


def test_load_of_an_unreadable_file_exits_2(store, tmp_path):
    source = tmp_path / "broken.ttl"
    source.write_text("<a> <b> .")
    assert run("load", str(source), "--graph", THINGS, "--store", str(store)).exit_code == 2


def test_load_into_a_computed_graph_is_refused(store, tmp_path):
    source = tmp_path / "shelf.ttl"
    source.write_text(GOOD)
    result = run("load", str(source), "--graph", "https://evawkg.example.org/graph/inferred",
                 "--store", str(store))
    assert result.exit_code == 2 and "computed by the server" in result.stderr


def test_export_of_a_store_dumps_its_state_now(store, tmp_path):
    source = tmp_path / "shelf.ttl"
    source.write_text(GOOD)
    run("load", str(source), "--graph", THINGS, "--store", str(store))
    target = tmp_path / "dumps"
    result = run("export", str(target), "--store", str(store))
    assert result.exit_code == 0, result.output
    assert (target / "VERSION").read_text().strip().endswith("-c1")
    assert b"shelf" in (target / "evawkg.ttl").read_bytes()


def test_serve_with_write_tokens_but_no_store_is_a_usage_error(tmp_path):
    tokens = tmp_path / "tokens.json"
    run("token", "add", "x", "--graph", "*", "--file", str(tokens))
    result = run("serve", "--write-tokens", str(tokens), "--port", "0")
    assert result.exit_code == 2
    assert "--store" in result.stderr


def test_load_reads_turtle_with_the_shared_prefixes(store, home, tmp_path):
    """A record written with `evawkg new-record` declares no prefix (data/prefixes.ttl does):
    `load` reads it as `validate` does; a syntax error names the file's own line and column."""
    import shutil

    bundle = tmp_path / "bundle"
    (bundle / "data").mkdir(parents=True)
    shutil.copytree(home / "shapes", bundle / "shapes")  # --home's shapes judge the write
    (bundle / "data" / "prefixes.ttl").write_text(
        f"@prefix ex: <{EX}> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n")
    source = tmp_path / "shelf.ttl"
    source.write_text(GOOD.split("\n", 1)[1])
    assert "@prefix" not in source.read_text()
    result = run("--home", str(bundle), "load", str(source), "--graph", THINGS, "--store", str(store))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("commit 1: +4")
    broken = tmp_path / "broken.ttl"
    broken.write_text("ex:a ex:b .\n")
    refused = run("--home", str(bundle), "load", str(broken), "--graph", THINGS, "--store", str(store))
    assert refused.exit_code == 2
    line, column = refused.stderr.split("broken.ttl:", 1)[1].split(":")[:2]
    assert line == "1" and int(column) <= len("ex:a ex:b .") + 1, refused.stderr


@pytest.mark.parametrize("graph", ["", "not an iri", "*", "<https://example.org/g>"])
def test_load_into_a_graph_that_is_no_iri_exits_2_and_writes_nothing(store, tmp_path, graph):
    # pyoxigraph's ValueError reached the user as a traceback (exit 1).
    path = tmp_path / "good.ttl"
    path.write_text(GOOD)
    result = CliRunner().invoke(main, ["load", str(path), "--graph", graph, "--store", str(store)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"evawkg: --graph={graph!r} is not an absolute IRI")
    assert Journal(store).head().seq == 0


@pytest.mark.parametrize("marker", [b"{broken", b"\xff\xfe", b"[]", b'{"writable": true}',
                                    b'{"writable": true, "version": "v", "applied": 5}'])
@pytest.mark.parametrize("command", [["history"], ["export", "OUT"], ["backup", "OUT"],
                                     ["load", "--graph", THINGS, "DATA"]])
def test_store_with_a_damaged_marker_exits_2_naming_it(tmp_path, marker, command):
    # The marker's JSONDecodeError, KeyError or AttributeError was a traceback (exit 1).
    store = tmp_path / "store"
    store.mkdir()
    (store / "evawkg-store.json").write_bytes(marker)
    (tmp_path / "good.ttl").write_text(GOOD)
    args = [{"OUT": str(tmp_path / "out"), "DATA": str(tmp_path / "good.ttl")}.get(a, a)
            for a in command]
    result = CliRunner().invoke(main, [*args, "--store", str(store)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "evawkg-store.json is damaged" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("directory", ["missing", "empty"])
def test_history_of_a_directory_without_a_store_exits_2(tmp_path, directory):
    # It printed nothing and exited 0, as if the store had no commits.
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["history", "--store", str(tmp_path / directory)])
    assert result.exit_code == 2, result.output
    assert "holds no evawkg store" in result.stderr


@pytest.mark.parametrize("command", [["list"], ["add", "x", "--graph", "*"], ["remove", "x"]])
def test_token_file_that_is_not_utf8_exits_2_and_is_left_as_it_was(tmp_path, command):
    # The UnicodeDecodeError was a traceback (exit 1).
    path = tmp_path / "tokens.json"
    path.write_bytes(b"\xff\xfe not a table")
    result = CliRunner().invoke(main, ["token", *command, "--file", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [f"evawkg: {path}: the token table is not UTF-8 text (byte 0); "
                     "it is JSON that `evawkg token add` writes"]
    assert path.read_bytes() == b"\xff\xfe not a table"


def test_paths_under_a_file_exit_2_naming_the_path(store, tmp_path):
    # The OSError (NotADirectoryError, FileExistsError) of a path the user named was a
    # traceback with exit 1; it is one line naming the path now, and nothing is left behind.
    plain = tmp_path / "plain.txt"
    plain.write_text("not a directory")
    backup = CliRunner().invoke(main, ["backup", str(plain / "copy"), "--store", str(store)])
    token = CliRunner().invoke(main, ["token", "add", "n", "--graph", "*",
                                      "--file", str(plain / "tokens.json")])
    for result in (backup, token):
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"evawkg: {plain}"), lines
    assert plain.read_text() == "not a directory"


def test_load_into_a_directory_without_a_store_exits_2_and_creates_nothing(tmp_path):
    # The commit took its lock first: the directory and a write.lock were made, then refused.
    (tmp_path / "good.ttl").write_text(GOOD)
    missing = tmp_path / "no-store"
    result = CliRunner().invoke(main, ["load", str(tmp_path / "good.ttl"), "--graph", THINGS,
                                       "--store", str(missing)])
    assert result.exit_code == 2, result.output
    assert "holds no evawkg store" in result.stderr
    assert not missing.exists()


@pytest.mark.parametrize("option", ["--limit", "--since"])
def test_history_negative_limit_or_since_is_a_usage_error(store, option):
    # --limit -5 cut the last five commits off the list (records[:-5]) and exited 0.
    result = CliRunner().invoke(main, ["history", "--store", str(store), option, "-5"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "-5 is not in the range x>=0" in lines[0]


@pytest.mark.parametrize("graph", ["not an iri", "<https://example.org/g>"])
def test_load_remote_into_a_graph_that_is_no_iri_exits_2_before_calling_the_store(tmp_path, graph):
    # pyoxigraph's ValueError was a traceback (exit 1).
    path = tmp_path / "good.ttl"
    path.write_text(GOOD)
    result = CliRunner().invoke(main, ["load", "--sparql-endpoint", "http://127.0.0.1:9/sparql",
                                       "--graph", graph, str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"evawkg: --graph={graph!r} is not an absolute IRI")
