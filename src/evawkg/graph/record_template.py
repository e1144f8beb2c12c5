"""The starting file for a new Inventory record (``evawkg new-record AGENCY``): the template in
``templates/record.ttl`` with the agency's slug filled in and the prefixes declared once, from
:data:`evawkg.namespaces.PREFIXES` and the IRI patterns of docs/architecture.md, so a curator never
copies fifty prefix lines by hand. docs/adding-a-record.md walks through the result.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ClientError
from ..namespaces import ID, ID_KINDS, PREFIXES

TEMPLATE = Path(__file__).parent / "templates" / "record.ttl"
PLACEHOLDER = "__AGENCY__"
#: An agency slug: the last segment of its Inventory page, /en/agencies/<slug> (who, unhcr, unfpa).
AGENCY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 60



def prefix_block() -> str:
    """``@prefix`` lines for the project's prefixes and one per kind of resource."""
    # PREFIXES holds one prefix per kind already (namespaces.ID_KINDS); the kinds are named again
    # so the block stays whole should a kind ever leave the predeclared prefixes.
    names = {**PREFIXES, **{kind: f"{ID}{kind}/" for kind in ID_KINDS}}
    width = max(len(name) for name in names) + 1
    return "".join(f"@prefix {name + ':':<{width}} <{namespace}> .\n" for name, namespace in names.items())


def new_record(agency: str) -> str:
    """The template for ``agency`` (a slug such as ``who``). Raises :class:`ClientError` for
    anything else, naming the form expected."""
    if not AGENCY_SLUG.match(agency) or len(agency) > MAX_SLUG_LENGTH:
        raise ClientError(f"{agency!r} is not an agency slug: use the last part of the agency's "
                          "Inventory address /en/agencies/<slug>, lower-case letters, digits and "
                          "single hyphens (who, unhcr, un-women)")
    text = TEMPLATE.read_text(encoding="utf-8").replace(PLACEHOLDER, agency)
    comments, _, body = text.partition("\n\n")
    return f"{comments}\n\n{prefix_block()}\n{body}"


__all__ = ["new_record", "prefix_block", "AGENCY_SLUG", "ID_KINDS"]
