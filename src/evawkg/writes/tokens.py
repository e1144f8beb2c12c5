"""Who may write: bearer tokens (RFC 6750, https://www.rfc-editor.org/rfc/rfc6750), each a name,
the SHA-256 of its secret and the graphs it may write.

The table lives in a JSON file (the ``write_tokens`` setting names it) or inline in that setting
(``EVAWKG_WRITE_TOKENS='{"tokens": [...]}'``)::

    {"tokens": [{"name": "unwomen-curator",
                 "sha256": "9f86d0…",
                 "graphs": ["https://evawkg.example.org/graph/activities", "default"]}]}

A secret is 32 random bytes (``evawkg_`` and 43 base64url characters): with that much entropy a
plain SHA-256 is as good as a slow password hash, and checking it costs microseconds. Only the
digest is stored; ``evawkg token add`` prints the secret once. A presented secret is hashed and
compared with every digest in constant time (:func:`hmac.compare_digest`, no early exit), and
neither secrets nor digests are ever logged or put in an error message.

Graphs a token may write (:func:`refusal`): an IRI, ``default`` (the default graph), ``*`` (any
named graph but the guarded ones) or a prefix ending in ``*``. Two kinds of graph are special:

* computed graphs (``graph/inferred``, the OWL 2 RL closure, ``graph/changes``, the
  provenance of commits, and ``graph/store-version``, a remote store's write version) are
  written by the server alone: no token may write them;
* graphs holding the ontology (``graph/ontology…``) or shapes (``graph/shapes…``) change what
  every other graph means or must satisfy: only a token naming them exactly may write them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SettingsError
from ..namespaces import ABSOLUTE_IRI, GRAPH

#: How a secret starts: tells a leaked one apart in logs and secret scanners.
SECRET_PREFIX = "evawkg_"
#: The name the token entries use for the default graph.
DEFAULT_GRAPH = "default"

INFERRED = str(GRAPH["inferred"])
CHANGES = str(GRAPH["changes"])
#: Written by the server alone, with why.
COMPUTED_GRAPHS = {
    INFERRED: "it holds the OWL 2 RL closure, which the server computes from the asserted "
              "graphs on every commit; write the asserted triples and the closure follows",
    str(GRAPH["inferred-delta"]): "it is a working graph of the inference",
    str(GRAPH["inferred-new"]): "it is a working graph of the inference",
    CHANGES: "it holds the provenance of every commit, which the server records itself",
    # A remote store's write version (evawkg.sparql.remote.STORE_VERSION_GRAPH): a value
    # written there by a client is one no commit's condition matches, so every later write
    # would fail.
    str(GRAPH["store-version"]): "it holds the remote store's write version, which the server "
                                 "changes on every commit",
}
#: Written only by a token that names them exactly.
GUARDED_PREFIXES = (str(GRAPH["ontology"]), str(GRAPH["shapes"]))


@dataclass(frozen=True)
class WriteToken:
    """One entry of the table: a name (what the change feed records), a digest, graphs."""

    name: str
    sha256: str
    graphs: tuple[str, ...] = field(default_factory=tuple)

    def as_json(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "graphs": list(self.graphs)}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def refusal(token: WriteToken, graph: str | None) -> str | None:
    """Why ``token`` may not write ``graph`` (``None``: the default graph), or ``None`` if it may."""
    if graph is not None and graph in COMPUTED_GRAPHS:
        return f"<{graph}> is computed by the server: {COMPUTED_GRAPHS[graph]}"
    name = DEFAULT_GRAPH if graph is None else graph
    if name in token.graphs:
        return None
    if graph is not None and graph.startswith(GUARDED_PREFIXES):
        return (f"<{graph}> holds the ontology or shapes, which only a token naming that graph "
                f"exactly may write; token {token.name!r} does not")
    for allowed in token.graphs:
        if graph is not None and allowed.endswith("*") and graph.startswith(allowed[:-1]):
            return None
    shown = "the default graph" if graph is None else f"<{graph}>"
    return (f"token {token.name!r} may not write {shown}; it may write: "
            + (", ".join(token.graphs) or "no graph"))


class TokenTable:
    """The tokens of a server, read from the ``write_tokens`` setting (a file path or inline
    JSON); a file is read again when it changes, so ``evawkg token add`` needs no restart."""

    def __init__(self, setting: str):
        self.setting = setting.strip()
        self._seen: tuple | None = None
        self._tokens: tuple[WriteToken, ...] = ()
        if self.setting:
            self.tokens  # noqa: B018 -- a broken table is a startup error, not a first-write one

    @property
    def inline(self) -> bool:
        return self.setting.startswith(("{", "["))

    @property
    def path(self) -> Path | None:
        return None if self.inline or not self.setting else Path(self.setting)

    @property
    def tokens(self) -> tuple[WriteToken, ...]:
        if not self.setting:
            return ()
        if self.inline:
            if self._seen is None:
                self._tokens, self._seen = parse_table(self.setting, "write_tokens"), ()
            return self._tokens
        path = Path(self.setting)
        try:
            status = path.stat()
        except OSError as error:
            raise SettingsError(f"write_tokens names {path}, which cannot be read "
                                f"({error.strerror}); create it with `evawkg token add`") from None
        seen = (status.st_mtime_ns, status.st_size, status.st_ino)
        if seen != self._seen:
            self._tokens = read_table(path)
            self._seen = seen
        return self._tokens

    def authenticate(self, secret: str) -> WriteToken | None:
        """The token whose secret this is, or ``None``; constant time whichever matches."""
        presented = digest(secret).encode()
        found = None
        for token in self.tokens:
            if hmac.compare_digest(presented, token.sha256.encode()):
                found = token
        return found


def read_table(path: Path) -> tuple[WriteToken, ...]:
    """The tokens of the table file at ``path``; one that cannot be read (not UTF-8, a device
    failing) is a :class:`SettingsError` as a malformed one is."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SettingsError(f"{path}: the token table cannot be read ({error.strerror or error})") from None
    except UnicodeDecodeError as error:
        raise SettingsError(f"{path}: the token table is not UTF-8 text (byte {error.start}); "
                            "it is JSON that `evawkg token add` writes") from None
    return parse_table(text, str(path))


def parse_table(text: str, source: str) -> tuple[WriteToken, ...]:
    """The tokens of a table's JSON text; a malformed table is a :class:`SettingsError`."""
    try:
        document = json.loads(text) if text.strip() else {"tokens": []}
    except json.JSONDecodeError as error:
        raise SettingsError(f"{source}: the token table is not JSON ({error.msg} at line "
                            f"{error.lineno})") from None
    entries = document.get("tokens") if isinstance(document, dict) else document
    if not isinstance(entries, list):
        raise SettingsError(f"{source}: the token table needs a list \"tokens\"")
    tokens, names = [], set()
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("name"), str)
                and isinstance(entry.get("sha256"), str) and len(entry["sha256"]) == 64
                and isinstance(entry.get("graphs", []), list)):
            raise SettingsError(f"{source}: every token needs a \"name\", a \"sha256\" (64 hex "
                                "digits) and a list of \"graphs\"")
        if entry["name"] in names:
            raise SettingsError(f"{source}: two tokens are named {entry['name']!r}")
        names.add(entry["name"])
        tokens.append(WriteToken(entry["name"], entry["sha256"].lower(),
                                 tuple(str(g) for g in entry.get("graphs", []))))
    return tuple(tokens)


def add_token(path: Path, name: str, graphs: tuple[str, ...], *, replace: bool = False) -> str:
    """Add (or with ``replace``, renew) token ``name`` in the table file at ``path``, created
    readable by its owner only; returns the new secret, which is stored nowhere."""
    if not name or any(c.isspace() for c in name):
        raise SettingsError(f"a token name needs no spaces and at least a character, not {name!r}")
    for graph in graphs:
        # Writes name their graphs by absolute IRI: any other name would match none, silently.
        iri = graph.removesuffix("*")
        if graph not in (DEFAULT_GRAPH, "*") and not ABSOLUTE_IRI.fullmatch(iri):
            raise SettingsError(f"a token's graph must be an absolute IRI (such as "
                                "https://example.org/graph/a), 'default', '*' or an IRI prefix "
                                f"ending in '*', not {graph!r}")
    existing = read_table(path) if path.exists() else ()
    if any(token.name == name for token in existing) and not replace:
        raise SettingsError(f"{path} already has a token named {name!r}; pick another name or "
                            "renew it with --replace")
    secret = new_secret()
    kept = [token for token in existing if token.name != name]
    write_table(path, (*kept, WriteToken(name, digest(secret), tuple(graphs))))
    return secret


def remove_token(path: Path, name: str) -> None:
    existing = read_table(path) if path.exists() else ()
    if not any(token.name == name for token in existing):
        raise SettingsError(f"{path} has no token named {name!r}")
    write_table(path, tuple(token for token in existing if token.name != name))


def write_table(path: Path, tokens: tuple[WriteToken, ...]) -> None:
    """Replace the file atomically (a server reading it sees the old table or the new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"tokens": [token.as_json() for token in tokens]}, stream, indent=2)
            stream.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


__all__ = ["WriteToken", "TokenTable", "refusal", "add_token", "remove_token", "parse_table", "read_table",
           "digest", "new_secret", "COMPUTED_GRAPHS", "DEFAULT_GRAPH", "INFERRED", "CHANGES"]
