"""A spec stored by the workflow (``spec_to_dict`` output) read back into the domain.

The dict was validated when it entered, but it is validated again here: a row edited by hand or
written by an older version must fail loudly rather than produce a half-right production.
"""

from __future__ import annotations

from typing import Any

from shortfilm.domain import Production
from shortfilm.spec.models import ProductionSpec


def spec_from_dict(data: dict[str, Any]) -> Production:
    return ProductionSpec.model_validate(data).to_domain()
