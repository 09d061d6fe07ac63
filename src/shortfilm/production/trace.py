"""``shortfilm trace SLUG THING``: what made a stored thing and what depends on it.

The thing's name is parsed by :func:`~shortfilm.domain.trace.parse_thing`; the walk itself is
one store module (:mod:`shortfilm.store.trace`), read in one session.
"""

from __future__ import annotations

from shortfilm.domain.trace import Trace, parse_thing
from shortfilm.store.repo import Store
from shortfilm.store.trace import trace


def trace_thing(store: Store, slug: str, thing: str) -> Trace:
    """The lineage of ``thing`` (a name such as ``clip-02:take:3``) in production ``slug``;
    :class:`~shortfilm.errors.InputError` for a malformed name or a thing that is not there."""
    ref = parse_thing(thing)
    with store.session() as s:
        return trace(s, slug, ref)
