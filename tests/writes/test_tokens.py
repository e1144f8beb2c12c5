"""Write tokens (evawkg.writes.tokens): stored as digests, the secret shown once, compared in
constant time, read again when the file changes, and the graphs each may write."""

from __future__ import annotations

import hmac
import json
import stat

import pytest

from evawkg.errors import SettingsError
from evawkg.writes import tokens as module
from evawkg.writes.tokens import TokenTable, WriteToken, add_token, digest, refusal, remove_token

BASE = "https://evawkg.example.org/"


def test_added_token_stores_only_a_digest_in_an_owner_only_file(tmp_path):
    path = tmp_path / "tokens.json"
    secret = add_token(path, "curator", (BASE + "graph/activities",))
    assert secret.startswith("evawkg_") and len(secret) > 40
    text = path.read_text()
    assert secret not in text and digest(secret) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(text)["tokens"][0]["graphs"] == [BASE + "graph/activities"]


def test_authenticate_finds_the_token_and_nothing_else(tmp_path):
    path = tmp_path / "tokens.json"
    first = add_token(path, "first", ("*",))
    second = add_token(path, "second", ("default",))
    table = TokenTable(str(path))
    assert table.authenticate(first).name == "first"
    assert table.authenticate(second).name == "second"
    assert table.authenticate(first[:-1] + ("A" if first[-1] != "A" else "B")) is None
    assert table.authenticate("") is None


def test_every_digest_is_compared_in_constant_time(tmp_path, monkeypatch):
    path = tmp_path / "tokens.json"
    secrets = [add_token(path, f"t{i}", ("*",)) for i in range(3)]
    calls = []
    real = hmac.compare_digest

    def counting(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(module.hmac, "compare_digest", counting)
    TokenTable(str(path)).authenticate(secrets[0])
    assert len(calls) == 3, "the search stopped at the match: its time tells which token it was"


def test_file_is_read_again_when_a_token_is_added(tmp_path):
    path = tmp_path / "tokens.json"
    add_token(path, "first", ("*",))
    table = TokenTable(str(path))
    later = add_token(path, "later", ("*",))
    assert table.authenticate(later).name == "later"
    remove_token(path, "later")
    assert table.authenticate(later) is None


def test_inline_table_from_the_environment(tmp_path):
    inline = json.dumps({"tokens": [{"name": "env", "sha256": digest("evawkg_s3cret"),
                                     "graphs": ["default"]}]})
    assert TokenTable(inline).authenticate("evawkg_s3cret").name == "env"


@pytest.mark.parametrize("text", ["{", '{"tokens": {}}', '{"tokens": [{"name": "x"}]}',
                                  '{"tokens": [{"name": "x", "sha256": "%s"}, '
                                  '{"name": "x", "sha256": "%s"}]}' % ("a" * 64, "b" * 64)])
def test_malformed_table_is_a_settings_error(text):
    with pytest.raises(SettingsError):
        TokenTable(text if text.startswith("{") else text)


def test_missing_file_is_a_settings_error(tmp_path):
    with pytest.raises(SettingsError, match="evawkg token add"):
        TokenTable(str(tmp_path / "none.json"))


def test_adding_a_token_twice_needs_replace(tmp_path):
    path = tmp_path / "tokens.json"
    old = add_token(path, "curator", ("*",))
    with pytest.raises(SettingsError, match="--replace"):
        add_token(path, "curator", ("*",))
    new = add_token(path, "curator", ("*",), replace=True)
    table = TokenTable(str(path))
    assert table.authenticate(old) is None and table.authenticate(new).name == "curator"


@pytest.mark.parametrize("graphs, graph, allowed", [
    (("*",), BASE + "graph/activities", True),
    (("*",), None, False),
    (("default",), None, True),
    ((BASE + "graph/agency-*",), BASE + "graph/agency-unhcr", True),
    ((BASE + "graph/agency-*",), BASE + "graph/activities", False),
    (("*",), BASE + "graph/inferred", False),
    (("*", BASE + "graph/inferred"), BASE + "graph/inferred", False),
    (("*",), BASE + "graph/changes", False),
    (("*",), BASE + "graph/ontology", False),
    ((BASE + "graph/ontology",), BASE + "graph/ontology", True),
    (("*",), BASE + "graph/shapes", False),
])
def test_which_graphs_a_token_may_write(graphs, graph, allowed):
    reason = refusal(WriteToken("t", "0" * 64, graphs), graph)
    assert (reason is None) == allowed, reason
    if graph and graph.endswith("inferred") and not allowed:
        assert "computed by the server" in reason
