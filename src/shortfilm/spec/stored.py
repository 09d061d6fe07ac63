"""A spec stored by the workflow (``spec_to_dict`` output) read back into the domain.

The dict was validated when it entered, but it is validated again here: a row edited by hand or
written by an older version (one that let ``music.path: ../.bashrc`` in, say) must fail loudly
rather than produce a half-right production, or an export that writes outside its folder.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shortfilm.domain import Production
from shortfilm.errors import SpecError
from shortfilm.spec.load import explain_error
from shortfilm.spec.models import ProductionSpec
from shortfilm.spec.source import format_path


def spec_from_dict(data: dict[str, Any]) -> Production:
    """The production ``data`` states; :class:`SpecError` naming the production and the first
    field that no longer validates (``the stored spec of 'demo': edit.music.path: ...``)."""
    try:
        return ProductionSpec.model_validate(data).to_domain()
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SpecError(
            explain_error(first) + more,
            file=f"the stored spec of {data.get('slug')!r}",
            field=format_path(first["loc"]) or None,
        ) from exc
