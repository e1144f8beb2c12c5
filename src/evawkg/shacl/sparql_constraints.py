"""SHACL-SPARQL (https://www.w3.org/TR/shacl/#sparql-constraints): ``sh:sparql`` constraints with
``sh:select``, and SPARQL-based constraint components declared in the shapes graph
(``sh:ConstraintComponent`` with ``sh:parameter`` and ASK or SELECT validators).

Queries run on the store as written, with ``sh:prefixes`` declared (``sh:declare`` of the named
node and of what it ``owl:imports`` inside the shapes graph), ``$PATH`` replaced by the shape's
path, and ``$this``, ``$value``, ``$currentShape``, ``$shapesGraph`` and parameters pre-bound
(:mod:`.sparql_text`). A query that may run once for all focus nodes does. Every query is
parsed when the shapes are compiled, so one that does not parse, uses ``SERVICE`` or another
construct SHACL forbids is an error naming its shape, never a silent pass. When a query names
``$shapesGraph``, the shapes graph is a named graph of the dataset while the validation runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import EvawError
from . import sparql_text
from .messages import show
from .paths import to_sparql
from .results import Component
from .terms import OWL_IMPORTS, OWL_NS, RDF_NS, RDF_TYPE, RDFS_NS, RDFS_SUBCLASS_OF, Term, sh

#: Focus nodes from which a batchable query runs once with $this free instead of once each.
BATCH_FROM = 32
#: Focus nodes per VALUES block when only some nodes are validated.
VALUES_CHUNK = 500

_EMPTY = ox.Store()
_SH_DECLARE, _SH_PREFIX, _SH_NAMESPACE = sh("declare"), sh("prefix"), sh("namespace")
_OWL_ONTOLOGY = ox.NamedNode(OWL_NS + "Ontology")


class ValidationFailure(EvawError):
    """A SHACL-SPARQL query reported a failure (``?failure true``) or failed while running."""

    code = "validation-failure"


def prefixes(model, node: Term) -> dict[str, str]:
    """The prefixes a SPARQL-based constraint or validator declares with ``sh:prefixes``."""
    graph = model.graph
    declared = {"rdf": RDF_NS, "rdfs": RDFS_NS, "owl": OWL_NS}
    ontologies = graph.subjects(RDF_TYPE, _OWL_ONTOLOGY)
    sources: list[Term] = []
    for value in graph.objects(node, sh("prefixes")):
        if value not in ontologies:
            # As pySHACL: a node that is not itself an ontology also sees the ontologies' prefixes.
            sources.extend(ontologies)
        closure, frontier = [], [value]
        while frontier:
            current = frontier.pop()
            if current not in closure:
                closure.append(current)
                frontier.extend(graph.objects(current, OWL_IMPORTS))
        # Later sources win: the node's own declarations over what it imports.
        sources.extend(reversed(closure))
    for source in dict.fromkeys(sources):
        for declaration in graph.objects(source, _SH_DECLARE):
            prefix, namespace = graph.value(declaration, _SH_PREFIX), graph.value(declaration, _SH_NAMESPACE)
            if not isinstance(prefix, ox.Literal) or not isinstance(namespace, (ox.Literal, ox.NamedNode)):
                raise model.error(node, "has an sh:declare without one sh:prefix string and one "
                                  "sh:namespace")
            declared[prefix.value] = namespace.value
    return declared


@dataclass
class PreparedSparql:
    """One query of a shape, checked, ready to run with its pre-bound variables' values."""

    prologue: str
    template: sparql_text.Template
    prebound: frozenset
    batchable: bool
    is_ask: bool

    def text(self, values: dict, focus_table: list[str] | None = None) -> tuple[str, dict]:
        """The query with ``values`` pre-bound, and pyoxigraph substitutions for blank nodes;
        ``focus_table`` (focus nodes in SPARQL) restricts ``$this`` to them with VALUES."""
        table = ("this", focus_table) if focus_table is not None else None
        body, blank = self.template.render(values, table)
        return self.prologue + body, {ox.Variable(n): v for n, v in blank.items()}


def prepare(model, shape, owner: Term, text: str, *, extra_prebound: tuple[str, ...] = (),
            ask: bool = False) -> PreparedSparql:
    """Check and complete ``text`` (a query of ``owner``, a constraint or validator node)."""
    declared = prefixes(model, owner)
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in declared.items())
    if sparql_text.mentions(text, "PATH"):
        if shape.path is None:
            raise model.error(shape.node, "has a SPARQL query using $PATH but no sh:path")
        text = sparql_text.replace_path(text, to_sparql(shape.path))
    if sparql_text.mentions(text, "shapesGraph"):
        # The shapes graph then joins the dataset as a named graph while validating.
        model.uses_shapes_graph = True
    candidates = ("this", "currentShape", "shapesGraph", *extra_prebound)
    prebound = frozenset(n for n in candidates if sparql_text.mentions(text, n))
    try:
        sparql_text.check(text, {"this", "currentShape", "shapesGraph", *extra_prebound})
    except sparql_text.QueryTextError as problem:
        raise model.error(shape.node, f"has a SPARQL query that cannot be evaluated: {problem}") from None
    batchable = not ask and "this" in prebound and sparql_text.batchable(text)
    if not ask:
        # pyoxigraph substitutes (for blank nodes) only variables the SELECT projects.
        text = sparql_text.project(text, sorted(prebound))
    query = PreparedSparql(prologue, sparql_text.Template(text, set(prebound)), prebound,
                           batchable, ask)
    _check_parses(model, shape, query)
    return query


def _check_parses(model, shape, query: PreparedSparql) -> None:
    from ..errors import ReadOnly, ServiceRefused
    from ..sparql.rules import prepare_query

    placeholder = ox.NamedNode("urn:x-evawkg:placeholder")
    for values in ({}, {name: placeholder for name in query.prebound}):
        text, substitutions = query.text(values)
        try:
            prepare_query(text)
        except (ReadOnly, ServiceRefused) as problem:
            raise model.error(shape.node, f"has a SPARQL query that cannot run: {problem}") from None
        try:
            _run_on_nothing(text, substitutions)
        except SyntaxError as problem:
            raise model.error(shape.node, "has a SPARQL query that does not parse: "
                              + _parse_error(str(problem), query.prologue)) from None
        except (RuntimeError, ValueError, TypeError) as problem:
            raise model.error(shape.node, f"has a SPARQL query that cannot run: {problem}") from None


def _run_on_nothing(text: str, substitutions: dict) -> None:
    """Run ``text`` on the empty store, its answer read and dropped here.

    In its own frame, so that no answer is left in the caller's locals when it next calls
    rdflib's parser: pyparsing's cached exceptions keep every frame of the stack alive until the
    collector frees them, maybe in another request thread, and pyoxigraph's answers may only be
    freed in the thread that made them ("PyQuerySolutions is unsendable, but is being dropped on
    another thread", and the answer leaks)."""
    answer = _EMPTY.query(text, substitutions=substitutions or None)
    if not isinstance(answer, ox.QueryBoolean):
        list(answer)


def _parse_error(message: str, prologue: str) -> str:
    """pyoxigraph's parse error, its position counted in the query as written (without the
    PREFIX lines added for sh:prefixes) and its long list of expected characters cut."""
    first = message.strip().splitlines()[0] if message.strip() else "syntax error"
    added = prologue.count("\n")

    def shift(match: re.Match) -> str:
        return f"line {max(int(match.group(1)) - added, 1)}, column {match.group(2)}"

    first = re.sub(r"at (\d+):(\d+)", lambda m: "at " + shift(m), first, count=1)
    return first if len(first) <= 160 else first[:157] + "..."


def run_select(run, query: PreparedSparql, focus_nodes: list[Term],
               bindings: dict[str, Term]) -> dict[Term, list[dict[str, Term]]]:
    """Rows per focus node (distinct rows; literals as written)."""
    rows: dict[Term, dict[tuple, dict]] = {}
    one_by_one = focus_nodes
    if query.batchable and len(focus_nodes) >= BATCH_FROM and not run.focused:
        # Validating every target: one run with $this free costs what the store matches.
        wanted = set(focus_nodes)
        text, substitutions = query.text(bindings)
        for row in _solutions(run, text, substitutions):
            focus = row.get("this")
            if focus in wanted:
                rows.setdefault(focus, {})[tuple(sorted(row.items(), key=lambda i: i[0]))] = row
        one_by_one = []
    elif query.batchable and len(focus_nodes) > 1:
        # Validating some nodes: $this restricted to them (VALUES), so the cost follows them.
        written = [(focus, sparql_text.sparql_term(focus)) for focus in focus_nodes]
        one_by_one = [focus for focus, text in written if text is None]  # blank nodes
        named = [(focus, text) for focus, text in written if text is not None]
        wanted = {focus for focus, _ in named}
        for start in range(0, len(named), VALUES_CHUNK):
            text, substitutions = query.text(bindings, [t for _, t in named[start:start + VALUES_CHUNK]])
            for row in _solutions(run, text, substitutions):
                focus = row.get("this")
                if focus in wanted:
                    rows.setdefault(focus, {})[tuple(sorted(row.items(), key=lambda i: i[0]))] = row
    if one_by_one:
        for focus in one_by_one:
            text, substitutions = query.text({**bindings, "this": focus})
            for row in _solutions(run, text, substitutions):
                rows.setdefault(focus, {})[tuple(sorted(row.items(), key=lambda i: i[0]))] = row
    return {focus: list(found.values()) for focus, found in rows.items()}


def _solutions(run, text: str, substitutions: dict):
    """The answer of a query; for SELECT, each solution as ``{name: term}`` (bound ones)."""
    try:
        answer = run.data.query(text, substitutions or None)
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        names = [(v, v.value) for v in answer.variables]
        written = run.data.written
        return [{name: written(solution[variable]) for variable, name in names
                 if solution[variable] is not None} for solution in answer]
    except (RuntimeError, ValueError, OSError) as problem:
        raise ValidationFailure(f"a SHACL-SPARQL query failed while running: {problem}") from None


class SparqlConstraintComponent(Component):
    """``sh:sparql``: a result per row of each SELECT query for the focus node."""

    iri = sh("SPARQLConstraintComponent")

    def __init__(self, model, shape):
        self.constraints = []
        for node in model.graph.objects(shape.node, sh("sparql")):
            if any(d.value in ("true", "1") for d in model.graph.objects(node, sh("deactivated"))
                   if isinstance(d, ox.Literal)):
                continue
            selects = model.graph.objects(node, sh("select"))
            if len(selects) != 1 or not isinstance(selects[0], ox.Literal):
                raise model.error(shape.node, "has an sh:sparql constraint without exactly one "
                                  "sh:select query string")
            query = prepare(model, shape, node, selects[0].value)
            messages = tuple(m for m in model.graph.objects(node, sh("message"))
                             if isinstance(m, ox.Literal))
            self.constraints.append((node, query, messages))

    def evaluate(self, run, shape, focus_values):
        focus_nodes = list(focus_values)
        for node, query, messages in self.constraints:
            rows = run_select(run, query, focus_nodes, {"currentShape": shape.node,
                                                        **run.shapes_graph_binding})
            for focus in focus_nodes:
                for row in rows.get(focus, ()):
                    if "failure" in row and row["failure"].value in ("true", "1"):
                        raise ValidationFailure(f"the SPARQL constraint of {shape.name} reported a "
                                                f"failure for {show(focus)}")
                    this = row.get("this", focus)
                    value = row.get("value", None if shape.is_property else focus)
                    path = row.get("path")
                    bindings = {k: v for k, v in row.items() if k not in ("failure",)}
                    bindings.update({"this": this})
                    if value is not None:
                        bindings["value"] = value
                    yield focus, self.result(
                        shape, this, value, path=path, path_given=path is not None,
                        source_constraint=node, extra_messages=messages, bindings=bindings)


# ----------------------------------------------------------------------------- components


@dataclass
class CustomComponent:
    """A SPARQL-based constraint component declared in the shapes graph."""

    node: Term
    parameters: list[tuple[ox.NamedNode, str, bool]]  # (path, variable name, optional)
    validator: Term | None
    node_validator: Term | None
    property_validator: Term | None


def custom_components(model) -> list[CustomComponent]:
    graph = model.graph
    found = []
    classes, frontier = {sh("ConstraintComponent")}, [sh("ConstraintComponent")]
    while frontier:
        frontier = [c for parent in frontier for c in graph.subjects(RDFS_SUBCLASS_OF, parent)
                    if c not in classes]
        classes.update(frontier)
    declared = dict.fromkeys(node for cls in classes for node in graph.subjects(RDF_TYPE, cls))
    for node in declared:
        parameters = []
        for parameter in graph.objects(node, sh("parameter")):
            path = graph.value(parameter, sh("path"))
            if not isinstance(path, ox.NamedNode):
                raise model.error(node, "declares a parameter without an IRI as sh:path")
            name = graph.value(parameter, sh("varName"))
            name = name.value if name is not None else path.value.replace("#", "/").rsplit("/", 1)[-1]
            optional = any(o.value in ("true", "1") for o in graph.objects(parameter, sh("optional"))
                           if isinstance(o, ox.Literal))
            parameters.append((path, name, optional))
        if not any(not optional for _, _, optional in parameters):
            raise model.error(node, "declares no mandatory sh:parameter")
        found.append(CustomComponent(node, parameters, graph.value(node, sh("validator")),
                                     graph.value(node, sh("nodeValidator")),
                                     graph.value(node, sh("propertyValidator"))))
    return found


def applicable_custom_components(model, shape) -> list[Component]:
    components = []
    for declared in model.custom_components:
        values = {}
        for path, name, optional in declared.parameters:
            found = model.graph.objects(shape.node, path)
            if found:
                values[name] = found[0]
            elif not optional:
                break
        else:
            components.append(BoundComponent(model, shape, declared, values))
    return components


class BoundComponent(Component):
    """A SPARQL-based constraint component applied to one shape with its parameter values."""

    def __init__(self, model, shape, declared: CustomComponent, values: dict[str, Term]):
        self.iri = declared.node
        self.values = values
        if shape.is_property and declared.property_validator is not None:
            validator, ask = declared.property_validator, False
        elif not shape.is_property and declared.node_validator is not None:
            validator, ask = declared.node_validator, False
        elif declared.validator is not None:
            validator, ask = declared.validator, True
        else:
            raise model.error(shape.node, f"uses the constraint component {show(declared.node)}, "
                              "which has no validator for this kind of shape")
        key = sh("ask") if ask else sh("select")
        texts = model.graph.objects(validator, key)
        if len(texts) != 1 or not isinstance(texts[0], ox.Literal):
            kind = "ASK" if ask else "SELECT"
            raise model.error(shape.node, f"uses {show(declared.node)}, whose validator needs exactly "
                              f"one {kind} query (sh:{key.value.rsplit('#', 1)[-1]})")
        self.query = prepare(model, shape, validator, texts[0].value, ask=ask,
                             extra_prebound=("value", *values))
        self.messages = tuple(m for m in model.graph.objects(validator, sh("message"))
                              if isinstance(m, ox.Literal))

    def evaluate(self, run, shape, focus_values):
        base = {**self.values, "currentShape": shape.node, **run.shapes_graph_binding}
        path_term = shape.path_node
        for focus, values in focus_values.items():
            for value in values:
                bindings = {**base, "this": focus, "value": value}
                text, substitutions = self.query.text(bindings)
                report_value = None if shape.is_property else value
                template = {**bindings, **({"path": path_term} if path_term is not None else {})}
                if self.query.is_ask:
                    if not _solutions(run, text, substitutions):
                        yield focus, self.result(shape, focus, report_value, bindings=template,
                                                 extra_messages=self.messages)
                    continue
                for row in _solutions(run, text, substitutions):
                    if "failure" in row and not any(k in row for k in ("this", "path", "value")):
                        raise ValidationFailure(f"the constraint component {show(self.iri)} "
                                                f"reported a failure on {shape.name}")
                    row_value = row.get("value", report_value)
                    path = row.get("path")
                    yield focus, self.result(
                        shape, row.get("this", focus), row_value, path=path,
                        path_given=path is not None, extra_messages=self.messages,
                        bindings={**template, **row})
                if "value" not in self.query.prebound:
                    break  # the same query for every value node: run it once per focus node


__all__ = ["SparqlConstraintComponent", "custom_components", "applicable_custom_components",
           "ValidationFailure", "BATCH_FROM", "prefixes"]
