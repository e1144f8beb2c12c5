"""Reading constraint parameters from the shapes graph, refusing ill-formed ones with an error
naming the shape (https://www.w3.org/TR/shacl/#constraint-components-parameters)."""

from __future__ import annotations

import re

import pyoxigraph as ox

from .terms import XSD_INTEGER, Term

_INTEGER_TYPES = {XSD_INTEGER} | {ox.NamedNode("http://www.w3.org/2001/XMLSchema#" + name) for name in (
    "nonNegativeInteger", "positiveInteger", "long", "int", "short", "byte", "unsignedLong",
    "unsignedInt", "unsignedShort", "unsignedByte")}


def count(model, shape, parameter: ox.NamedNode) -> int:
    values = model.graph.objects(shape.node, parameter)
    value = values[0]
    if (len(values) > 1 or not isinstance(value, ox.Literal) or value.datatype not in _INTEGER_TYPES
            or not re.fullmatch(r"\s*\+?[0-9]+\s*", value.value)):
        raise model.error(shape.node, f"needs exactly one non-negative xsd:integer as "
                          f"sh:{parameter.value.rsplit('#', 1)[-1]} (found {', '.join(map(str, values))})")
    return int(value.value)


def one(model, shape, parameter: ox.NamedNode) -> Term:
    values = model.graph.objects(shape.node, parameter)
    if len(values) > 1:
        raise model.error(shape.node, f"has {len(values)} values of "
                          f"sh:{parameter.value.rsplit('#', 1)[-1]}; it takes one")
    return values[0]


def property_only(model, shape, parameter: str) -> None:
    if not shape.is_property:
        raise model.error(shape.node, f"uses sh:{parameter} but has no sh:path; sh:{parameter} "
                          "applies to property shapes only")


__all__ = ["count", "one", "property_only"]
