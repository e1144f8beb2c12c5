"""SHACL Core constraint components that judge value nodes one by one or by count
(https://www.w3.org/TR/shacl/#core-components): value type, cardinality, value range, string
and other constraints. Property pairs are in :mod:`evawkg.shacl.property_pairs`, the
shape-based ones (``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``, ``sh:node``, ``sh:property``,
``sh:qualifiedValueShape``) in :mod:`evawkg.shacl.logical`, SHACL-SPARQL in
:mod:`evawkg.shacl.sparql_constraints`.

Each component reads its parameters once, refusing ill-formed ones with an error naming the
shape, and evaluates all focus nodes of a shape in one call over values the engine already read
from the store.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from .literals import compare, matches_datatype
from .messages import show
from .paths import Predicate, path_text
from . import parameters
from .results import Component
from .terms import TRUE, XSD_BOOLEAN, sh

# ----------------------------------------------------------------------------- value type


class ClassComponent(Component):
    iri = sh("ClassConstraintComponent")

    def __init__(self, model, shape):
        self.classes = model.graph.objects(shape.node, sh("class"))

    def evaluate(self, run, shape, focus_values):
        is_instance = run.data.is_instance
        for cls in self.classes:
            for focus, value in self.each_value(focus_values):
                if not is_instance(value, cls):
                    yield focus, self.result(shape, focus, value, generic=self._message)

    def _message(self) -> str:
        if len(self.classes) < 2:
            return f"Value does not have class {show(self.classes[0])}"
        return f"Value class is not in classes ({', '.join(show(c) for c in self.classes)})"


class DatatypeComponent(Component):
    iri = sh("DatatypeConstraintComponent")

    def __init__(self, model, shape):
        self.datatype = parameters.one(model, shape, sh("datatype"))
        if not isinstance(self.datatype, ox.NamedNode):
            raise model.error(shape.node, f"has sh:datatype {self.datatype}, which is not an IRI")

    def evaluate(self, run, shape, focus_values):
        datatype = self.datatype
        for focus, value in self.each_value(focus_values):
            if not matches_datatype(value, datatype):
                yield focus, self.result(shape, focus, value, generic=lambda: (
                    f"Value is not Literal with datatype {show(datatype)}"))


_NODE_KINDS = {
    sh("BlankNode"): (ox.BlankNode,), sh("IRI"): (ox.NamedNode,), sh("Literal"): (ox.Literal,),
    sh("BlankNodeOrIRI"): (ox.BlankNode, ox.NamedNode), sh("BlankNodeOrLiteral"): (ox.BlankNode, ox.Literal),
    sh("IRIOrLiteral"): (ox.NamedNode, ox.Literal),
}


class NodeKindComponent(Component):
    iri = sh("NodeKindConstraintComponent")

    def __init__(self, model, shape):
        self.kind = parameters.one(model, shape, sh("nodeKind"))
        if self.kind not in _NODE_KINDS:
            raise model.error(shape.node, f"has sh:nodeKind {show(self.kind)}; use sh:IRI, "
                              "sh:BlankNode, sh:Literal, sh:BlankNodeOrIRI, sh:BlankNodeOrLiteral "
                              "or sh:IRIOrLiteral")
        self.types = _NODE_KINDS[self.kind]

    def evaluate(self, run, shape, focus_values):
        types = self.types
        for focus, value in self.each_value(focus_values):
            if not isinstance(value, types):
                yield focus, self.result(shape, focus, value, generic=lambda: (
                    f"Value is not of Node Kind {show(self.kind)}"))


# ----------------------------------------------------------------------------- cardinality


class MinCountComponent(Component):
    iri = sh("MinCountConstraintComponent")

    def __init__(self, model, shape):
        parameters.property_only(model, shape, "minCount")
        self.count = parameters.count(model, shape, sh("minCount"))

    def evaluate(self, run, shape, focus_values):
        if self.count == 0:
            return
        for focus, values in focus_values.items():
            if len(values) < self.count:
                yield focus, self.result(shape, focus, generic=lambda focus=focus: (
                    f"Less than {self.count} values on {show(focus)}->{path_text(shape.path)}"))


class MaxCountComponent(Component):
    iri = sh("MaxCountConstraintComponent")

    def __init__(self, model, shape):
        parameters.property_only(model, shape, "maxCount")
        self.count = parameters.count(model, shape, sh("maxCount"))

    def evaluate(self, run, shape, focus_values):
        for focus, values in focus_values.items():
            if len(values) > self.count:
                yield focus, self.result(shape, focus, generic=lambda focus=focus: (
                    f"More than {self.count} values on {show(focus)}->{path_text(shape.path)}"))


# ----------------------------------------------------------------------------- value range


class _RangeComponent(Component):
    parameter: str
    operator: str
    passes: staticmethod

    def __init__(self, model, shape):
        self.bounds = model.graph.objects(shape.node, sh(self.parameter))
        for bound in self.bounds:
            if not isinstance(bound, ox.Literal):
                raise model.error(shape.node, f"has sh:{self.parameter} {show(bound)}; it must be "
                                  "a literal")

    def evaluate(self, run, shape, focus_values):
        for bound in self.bounds:
            for focus, value in self.each_value(focus_values):
                order = compare(value, bound)
                if order is None or not self.passes(order):
                    yield focus, self.result(shape, focus, value, generic=lambda bound=bound: (
                        f"Value is not {self.operator} {show(bound)}"))


class MinExclusiveComponent(_RangeComponent):
    iri, parameter, operator = sh("MinExclusiveConstraintComponent"), "minExclusive", ">"
    passes = staticmethod(lambda order: order > 0)


class MinInclusiveComponent(_RangeComponent):
    iri, parameter, operator = sh("MinInclusiveConstraintComponent"), "minInclusive", ">="
    passes = staticmethod(lambda order: order >= 0)


class MaxExclusiveComponent(_RangeComponent):
    iri, parameter, operator = sh("MaxExclusiveConstraintComponent"), "maxExclusive", "<"
    passes = staticmethod(lambda order: order < 0)


class MaxInclusiveComponent(_RangeComponent):
    iri, parameter, operator = sh("MaxInclusiveConstraintComponent"), "maxInclusive", "<="
    passes = staticmethod(lambda order: order <= 0)


# ----------------------------------------------------------------------------- string based


class _LengthComponent(Component):
    parameter: str

    def __init__(self, model, shape):
        self.length = parameters.count(model, shape, sh(self.parameter))

    def evaluate(self, run, shape, focus_values):
        for focus, value in self.each_value(focus_values):
            if isinstance(value, ox.BlankNode) or not self.fits(len(value.value)):
                yield focus, self.result(shape, focus, value, generic=self._message)


class MinLengthComponent(_LengthComponent):
    iri, parameter = sh("MinLengthConstraintComponent"), "minLength"

    def fits(self, length: int) -> bool:
        return length >= self.length

    def _message(self) -> str:
        return f"String length not >= {self.length}"


class MaxLengthComponent(_LengthComponent):
    iri, parameter = sh("MaxLengthConstraintComponent"), "maxLength"

    def fits(self, length: int) -> bool:
        return length <= self.length

    def _message(self) -> str:
        return f"String length not <= {self.length}"


_XPATH_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


class PatternComponent(Component):
    """``sh:pattern``: SPARQL ``REGEX(STR(v), pattern, flags)``; XPath flags ``i m s x q``."""

    iri = sh("PatternConstraintComponent")

    def __init__(self, model, shape):
        flags_values = model.graph.objects(shape.node, sh("flags"))
        flags = flags_values[0].value if flags_values else ""
        bits = 0
        for flag in flags:
            if flag == "q":
                continue
            if flag not in _XPATH_FLAGS:
                raise model.error(shape.node, f"has sh:flags {flags!r}; the flags are i, m, s, x, q")
            bits |= _XPATH_FLAGS[flag]
        self.patterns = []
        for pattern in model.graph.objects(shape.node, sh("pattern")):
            if not isinstance(pattern, ox.Literal):
                raise model.error(shape.node, f"has sh:pattern {show(pattern)}; it must be a string")
            text = re.escape(pattern.value) if "q" in flags else pattern.value
            try:
                self.patterns.append((pattern, re.compile(text, bits)))
            except re.error as problem:
                raise model.error(shape.node, f"has sh:pattern {pattern.value!r}, which is not a "
                                  f"regular expression: {problem}") from None

    def evaluate(self, run, shape, focus_values):
        for pattern, compiled in self.patterns:
            search = compiled.search
            for focus, value in self.each_value(focus_values):
                if isinstance(value, ox.BlankNode) or search(value.value) is None:
                    yield focus, self.result(shape, focus, value, generic=lambda pattern=pattern: (
                        f"Value does not match pattern '{pattern.value}'"))


def lang_matches(tag: str, ranges: list[str]) -> bool:
    """SPARQL ``langMatches`` against any of the basic language ranges (RFC 4647)."""
    tag = tag.lower()
    if not tag:
        return False
    for language_range in ranges:
        if language_range == "*" or tag == language_range or tag.startswith(language_range + "-"):
            return True
    return False


class LanguageInComponent(Component):
    iri = sh("LanguageInConstraintComponent")

    def __init__(self, model, shape):
        head = parameters.one(model, shape, sh("languageIn"))
        members = model.graph.items(head)
        if members is None or not all(isinstance(m, ox.Literal) for m in members):
            raise model.error(shape.node, "needs an RDF list of language-tag strings as sh:languageIn")
        self.head = head
        self.ranges = [m.value.lower() for m in members]

    def evaluate(self, run, shape, focus_values):
        for focus, value in self.each_value(focus_values):
            if not (isinstance(value, ox.Literal) and value.language
                    and lang_matches(value.language, self.ranges)):
                yield focus, self.result(shape, focus, value, generic=lambda: (
                    "String language is not in (" + ", ".join(f'"{r}"' for r in self.ranges) + ")"))


class UniqueLangComponent(Component):
    """``sh:uniqueLang true``; only the literal ``true`` activates it (``"1"^^xsd:boolean`` is
    another literal: W3C test core/property/uniqueLang-002)."""

    iri = sh("UniqueLangConstraintComponent")

    def __init__(self, model, shape):
        value = parameters.one(model, shape, sh("uniqueLang"))
        if not (isinstance(value, ox.Literal) and value.datatype == XSD_BOOLEAN):
            raise model.error(shape.node, f"has sh:uniqueLang {show(value)}; use true or false")
        parameters.property_only(model, shape, "uniqueLang")
        self.active = value == TRUE

    def evaluate(self, run, shape, focus_values):
        if not self.active:
            return
        for focus, values in focus_values.items():
            seen, duplicates = set(), []
            for value in values:
                if isinstance(value, ox.Literal) and value.language:
                    language = value.language.lower()
                    if language in seen and language not in duplicates:
                        duplicates.append(language)
                    seen.add(language)
            for _ in duplicates:
                yield focus, self.result(shape, focus, generic=lambda: (
                    "More than one String shares the same Language"))


# ----------------------------------------------------------------------------- other


class ClosedComponent(Component):
    """``sh:closed true``: every triple of a value node uses a property some ``sh:property`` of
    the shape has as its (predicate) path, or one of ``sh:ignoredProperties``."""

    iri = sh("ClosedConstraintComponent")

    def __init__(self, model, shape):
        value = parameters.one(model, shape, sh("closed"))
        if not (isinstance(value, ox.Literal) and value.datatype == XSD_BOOLEAN):
            raise model.error(shape.node, f"has sh:closed {show(value)}; use true or false")
        self.active = value.value in ("true", "1")
        allowed = set()
        for ignored in model.graph.objects(shape.node, sh("ignoredProperties")):
            members = model.graph.items(ignored)
            if members is None:
                raise model.error(shape.node, "needs an RDF list of properties as sh:ignoredProperties")
            allowed.update(members)
        for property_node in model.graph.objects(shape.node, sh("property")):
            path = model.shape(property_node).path
            if isinstance(path, Predicate):
                allowed.add(path.iri)
        self.allowed = allowed

    def evaluate(self, run, shape, focus_values):
        if not self.active:
            return
        for focus, value in self.each_value(focus_values):
            for predicate, obj in run.data.predicate_objects(value):
                if predicate not in self.allowed:
                    yield focus, self.result(shape, focus, obj, path=predicate, path_given=True,
                                             generic=lambda obj=obj, focus=focus: (
                                                 f"Node {show(focus)} is closed. It cannot have "
                                                 f"value: {show(obj)}"))


class HasValueComponent(Component):
    iri = sh("HasValueConstraintComponent")

    def __init__(self, model, shape):
        self.values = model.graph.objects(shape.node, sh("hasValue"))

    def evaluate(self, run, shape, focus_values):
        for expected in self.values:
            for focus, values in focus_values.items():
                if expected not in values:
                    yield focus, self.result(shape, focus, generic=lambda focus=focus: (
                        f"Node {show(focus)}->{path_text(shape.path)} does not contain a value in "
                        f"the set: ['{show(expected)}']" if shape.is_property else
                        f"Node {show(focus)} value is not a in the set of values: ['{show(expected)}']"))


class InComponent(Component):
    iri = sh("InConstraintComponent")

    def __init__(self, model, shape):
        head = parameters.one(model, shape, sh("in"))
        members = model.graph.items(head)
        if members is None:
            raise model.error(shape.node, "needs an RDF list as sh:in")
        self.members = members
        self.allowed = set(members)

    def evaluate(self, run, shape, focus_values):
        for focus, value in self.each_value(focus_values):
            if value not in self.allowed:
                yield focus, self.result(shape, focus, value, generic=lambda value=value: (
                    f"Value {show(value)} not in list {[show(m) for m in self.members]}"))


#: The parameter announcing each Core component (property pairs are in ``property_pairs``,
#: the shape-based ones in ``logical``).
CORE = {
    sh("class"): ClassComponent, sh("datatype"): DatatypeComponent,
    sh("nodeKind"): NodeKindComponent, sh("minCount"): MinCountComponent,
    sh("maxCount"): MaxCountComponent, sh("minExclusive"): MinExclusiveComponent,
    sh("minInclusive"): MinInclusiveComponent, sh("maxExclusive"): MaxExclusiveComponent,
    sh("maxInclusive"): MaxInclusiveComponent, sh("minLength"): MinLengthComponent,
    sh("maxLength"): MaxLengthComponent, sh("pattern"): PatternComponent,
    sh("languageIn"): LanguageInComponent, sh("uniqueLang"): UniqueLangComponent,
    sh("closed"): ClosedComponent, sh("hasValue"): HasValueComponent, sh("in"): InComponent,
}

__all__ = ["CORE", "lang_matches"]
