"""Literals as SHACL judges them: whether a literal is well-typed for its datatype
(``sh:datatype``), and how two values compare (``sh:minInclusive``…, ``sh:lessThan``…).

Well-typed: the lexical form is in the lexical space of the XSD datatype (XML Schema 1.1 Part 2,
https://www.w3.org/TR/xmlschema11-2/), after the ``collapse`` whitespace rule for the non-string
types, and within the value range of the derived integer types (``"300"^^xsd:byte`` is ill-typed).
A datatype this module does not know is taken as well-typed, as SHACL leaves it to the engine.

Comparison follows SPARQL 1.1's operators (https://www.w3.org/TR/sparql11-query/#OperatorMapping):
numbers with numbers, strings with strings, booleans, and date/time values of one type with the
same time-zone presence; anything else cannot be compared (a violation for the range and
property-pair components).
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from .terms import RDF_NS, XSD_NS

_INTEGER = r"[+-]?[0-9]+"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_FLOAT = r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?|[+-]?INF|NaN)"
_TZ = r"(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_YEAR = r"-?(?:[1-9][0-9]{3,}|0[0-9]{3})"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_TIME = r"(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
_DURATION = (r"-?P(?=[0-9T])(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+D)?"
             r"(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?")

_INTEGER_RANGES = {
    "integer": (None, None), "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
    "long": (-2 ** 63, 2 ** 63 - 1), "int": (-2 ** 31, 2 ** 31 - 1), "short": (-2 ** 15, 2 ** 15 - 1),
    "byte": (-128, 127), "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "unsignedLong": (0, 2 ** 64 - 1), "unsignedInt": (0, 2 ** 32 - 1),
    "unsignedShort": (0, 2 ** 16 - 1), "unsignedByte": (0, 255),
}
_NAME_START = r"A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
_NAME_CHAR = _NAME_START + r"\-.0-9\u00B7\u0300-\u036F\u203F-\u2040"

_PATTERNS = {name: re.compile(pattern) for name, pattern in {
    "boolean": r"true|false|1|0",
    "decimal": _DECIMAL,
    "float": _FLOAT, "double": _FLOAT,
    "dateTime": rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}?",
    "dateTimeStamp": rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_TZ}",
    "date": rf"{_YEAR}-{_MONTH}-{_DAY}{_TZ}?",
    "time": rf"{_TIME}{_TZ}?",
    "gYear": rf"{_YEAR}{_TZ}?",
    "gYearMonth": rf"{_YEAR}-{_MONTH}{_TZ}?",
    "gMonth": rf"--{_MONTH}{_TZ}?",
    "gDay": rf"---{_DAY}{_TZ}?",
    "gMonthDay": rf"--{_MONTH}-{_DAY}{_TZ}?",
    "duration": _DURATION,
    "dayTimeDuration": r"-?P(?=[0-9T])(?:[0-9]+D)?(?:T(?=[0-9])(?:[0-9]+H)?(?:[0-9]+M)?(?:[0-9]+(?:\.[0-9]+)?S)?)?",
    "yearMonthDuration": r"-?P(?=[0-9])(?:[0-9]+Y)?(?:[0-9]+M)?",
    "hexBinary": r"(?:[0-9a-fA-F]{2})*",
    "base64Binary": r"(?:(?:[A-Za-z0-9+/] ?){4})*(?:(?:[A-Za-z0-9+/] ?){3}[A-Za-z0-9+/]|"
                    r"(?:[A-Za-z0-9+/] ?){2}[AEIMQUYcgkosw048] ?=|[A-Za-z0-9+/] ?[AQgw] ?= ?=)?",
    "language": r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*",
    "Name": rf"[:{_NAME_START}][:{_NAME_CHAR}]*",
    "NCName": rf"[{_NAME_START}][{_NAME_CHAR}]*",
    "NMTOKEN": rf"[:{_NAME_CHAR}]+",
    **{name: _INTEGER for name in _INTEGER_RANGES},
}.items()}
_STRING_TYPES = {"string", "normalizedString", "token", "anyURI", "language", "Name", "NCName",
                 "NMTOKEN", "ENTITY", "ID", "IDREF"}
_DATE_TYPES = {"dateTime", "dateTimeStamp", "date"}


def _xsd_name(datatype: ox.NamedNode) -> str | None:
    iri = datatype.value
    return iri[len(XSD_NS):] if iri.startswith(XSD_NS) else None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def is_well_typed(literal: ox.Literal) -> bool:
    """Whether ``literal``'s lexical form fits its datatype (unknown datatypes: yes)."""
    if literal.datatype.value == RDF_NS + "langString":
        return bool(literal.language)
    name = _xsd_name(literal.datatype)
    if name is None:
        return True
    text = literal.value
    if name == "string" or name == "anyURI":
        return True
    if name == "normalizedString":
        return not any(c in text for c in "\r\n\t")
    if name == "token":
        return _collapse(text) == text and not any(c in text for c in "\r\n\t")
    pattern = _PATTERNS.get(name)
    if pattern is None:
        return True
    if name not in _STRING_TYPES:
        text = _collapse(text)
    if not pattern.fullmatch(text):
        return False
    if name in _INTEGER_RANGES:
        low, high = _INTEGER_RANGES[name]
        value = int(text)
        return (low is None or value >= low) and (high is None or value <= high)
    if name in _DATE_TYPES or name == "gMonthDay":
        return _valid_day(text, name)
    return True


def _valid_day(text: str, name: str) -> bool:
    if name == "gMonthDay":
        month, day = int(text[2:4]), int(text[5:7])
        return day <= (29 if month == 2 else calendar.monthrange(2000, month)[1])
    match = re.match(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})", text)
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    # XSD's proleptic calendar has a year 0 (1 BCE), a leap year like year 2000.
    leap_reference = 2000 if year % 400 == 0 else 2001 if year % 4 else 2004 if year % 100 else 1900
    return day <= calendar.monthrange(leap_reference, month)[1]


def matches_datatype(value, datatype: ox.NamedNode) -> bool:
    """``sh:datatype``: ``value`` is a literal of exactly ``datatype`` and, for a datatype this
    module knows, well-typed."""
    if not isinstance(value, ox.Literal):
        return False
    if value.datatype != datatype:
        return False
    return is_well_typed(value)


# ----------------------------------------------------------------------------- comparison

_NUMERIC = {"decimal", "float", "double", *_INTEGER_RANGES}


def _tz(text: str) -> tuple[str, timezone | None]:
    match = re.search(r"(Z|[+-][0-9]{2}:[0-9]{2})$", text)
    if not match:
        return text, None
    zone = match.group(1)
    if zone == "Z":
        return text[:-1], timezone.utc
    sign = 1 if zone[0] == "+" else -1
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])) * sign
    return text[: -len(zone)], timezone(offset)


def _comparable(literal: ox.Literal):
    """``(kind, value)`` for ordering, or ``None`` if SPARQL cannot order it."""
    if literal.language:
        return None
    name = _xsd_name(literal.datatype)
    if name is None or not is_well_typed(literal):
        return None
    text = literal.value if name in _STRING_TYPES else _collapse(literal.value)
    try:
        if name in _NUMERIC:
            if name in ("float", "double"):
                return "number", float(text.replace("INF", "inf"))
            return "number", Decimal(text)
        if name == "string":
            return "string", text
        if name == "boolean":
            return "boolean", text in ("true", "1")
        if name in ("dateTime", "dateTimeStamp"):
            body, zone = _tz(text)
            day_end = body.endswith("T24:00:00") or "T24:00:00." in body
            if day_end:
                body = body.split("T")[0] + "T00:00:00"
            seconds = body.split(":")[-1]
            whole = body[: len(body) - len(seconds)] + seconds.split(".")[0]
            stamp = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S")
            if "." in seconds:
                stamp += timedelta(microseconds=int((seconds.split(".")[1] + "000000")[:6]))
            if day_end:
                stamp += timedelta(days=1)
            if zone is not None:
                stamp = stamp.replace(tzinfo=zone).astimezone(timezone.utc)
            return ("dateTime", zone is not None), stamp
        if name in ("date", "time", "gYear", "gYearMonth", "gMonth", "gDay", "gMonthDay"):
            body, zone = _tz(text)
            parts = tuple(float(p) if "." in p else int(p) for p in re.findall(r"-?[0-9.]+", body.lstrip("-")))
            if body.startswith("-") and name not in ("gMonth", "gDay", "gMonthDay"):
                parts = (-parts[0], *parts[1:])
            offset = zone.utcoffset(None).total_seconds() if zone is not None else None
            return (name, zone is not None), (parts, -(offset or 0))
    except (ValueError, InvalidOperation, OverflowError):
        return None
    return None


def compare(left, right) -> int | None:
    """-1, 0 or 1 as SPARQL orders ``left`` and ``right``; ``None`` if they cannot be compared."""
    if not isinstance(left, ox.Literal) or not isinstance(right, ox.Literal):
        return None
    a, b = _comparable(left), _comparable(right)
    if a is None or b is None or a[0] != b[0]:
        return None
    x, y = a[1], b[1]
    if isinstance(x, float) or isinstance(y, float):
        x, y = float(x), float(y)
        if x != x or y != y:
            return None
    return (x > y) - (x < y)


__all__ = ["is_well_typed", "matches_datatype", "compare"]
