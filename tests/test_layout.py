"""The package layout stays true: every import goes downward between layers, and none forms a
cycle (docs/architecture.md draws the layers).

Imports are read with ``ast`` from the source files, function-level ones included: a lazy import
is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "evawkg"

#: Foundation modules every layer may use.
FOUNDATION = {"errors", "namespaces", "settings", "readiness", "__init__"}

#: What each top-level part of ``evawkg`` may import besides itself and the foundation.
ALLOWED: dict[str, set[str]] = {
    "foundation": set(),
    "processes": set(),
    "graph": set(),
    "sparql": {"graph", "processes"},
    "shacl": {"graph", "sparql", "processes"},
    "linked_data": {"graph", "sparql"},
    "workbench": {"graph", "sparql"},
    "writes": {"graph", "sparql", "shacl", "processes"},
    "web": {"graph", "sparql", "processes", "shacl", "linked_data", "workbench", "writes"},
    "cli": {"graph", "sparql", "processes", "shacl", "linked_data", "workbench", "web",
            "writes"},
    "__main__": {"cli"},
}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["evawkg", *parts])


def imports_of(path: Path, root: Path, modules: set[str]) -> set[str]:
    """The ``evawkg`` modules that ``path`` imports (relative imports resolved)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # ``from pkg import module`` depends on that module, not only on the package.
            targets = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target
                       for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t == "evawkg" or t.startswith("evawkg."))
    found.discard(name)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(path, root) for path in paths}
    return {module_name(path, root): imports_of(path, root, modules) for path in paths}


def part_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "foundation"
    head = parts[1]
    return "foundation" if head in FOUNDATION else head


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in graph.items():
        source = part_of(module)
        for target in sorted(targets):
            destination = part_of(target)
            if destination in (source, "foundation"):
                continue
            if destination not in ALLOWED.get(source, set()):
                problems.append(f"{module} ({source}) imports {target} ({destination})")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (each reported once, from its first module)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                found.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_every_module_belongs_to_a_known_layer():
    unknown = sorted({part_of(m) for m in import_graph(SOURCE)} - set(ALLOWED))
    assert unknown == [], f"add these parts of evawkg to ALLOWED and docs/architecture.md: {unknown}"


def test_no_module_imports_a_layer_above_it():
    assert upward_imports(import_graph(SOURCE)) == []


def test_no_import_cycles():
    assert cycles(import_graph(SOURCE)) == []


@pytest.fixture()
def broken_tree(tmp_path: Path) -> Path:
    """A tiny package with one upward import (graph -> web) and one cycle (web.a <-> web.b)."""
    root = tmp_path / "evawkg"
    for folder in ("graph", "web"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "graph" / "store.py").write_text("def f():\n    from ..web import a\n")
    (root / "web" / "a.py").write_text("from . import b\n")
    (root / "web" / "b.py").write_text("from .a import x\n")
    return root


def test_checker_finds_an_upward_import_and_a_cycle(broken_tree: Path):
    graph = import_graph(broken_tree)
    assert upward_imports(graph) == ["evawkg.graph.store (graph) imports evawkg.web.a (web)"]
    assert cycles(graph) == [["evawkg.web.a", "evawkg.web.b", "evawkg.web.a"]]
