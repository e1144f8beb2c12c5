"""The starting file for a new Inventory record (``evawkg new-record AGENCY``): the template in
``templates/record.ttl`` with the agency's slug filled in. It declares no prefix: a data file is
read with data/prefixes.ttl's (:mod:`evawkg.graph.shared_prefixes`), and ``evawkg validate`` and
``/validate`` predeclare them, so a curator never copies fifty prefix lines by hand.
docs/adding-a-record.md walks through the result.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ClientError
from ..namespaces import ID_KINDS  # the kinds of resources a record mints or refers to

TEMPLATE = Path(__file__).parent / "templates" / "record.ttl"
PLACEHOLDER = "__AGENCY__"
#: An agency slug: the last segment of its Inventory page, /en/agencies/<slug> (who, unhcr, unfpa).
AGENCY_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 60


def new_record(agency: str) -> str:
    """The template for ``agency`` (a slug such as ``who``). Raises :class:`ClientError` for
    anything else, naming the form expected."""
    if not AGENCY_SLUG.match(agency) or len(agency) > MAX_SLUG_LENGTH:
        raise ClientError(f"{agency!r} is not an agency slug: use the last part of the agency's "
                          "Inventory address /en/agencies/<slug>, lower-case letters, digits and "
                          "single hyphens (who, unhcr, un-women)")
    return TEMPLATE.read_text(encoding="utf-8").replace(PLACEHOLDER, agency)


__all__ = ["new_record", "AGENCY_SLUG", "ID_KINDS"]
