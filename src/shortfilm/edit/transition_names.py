"""What each transition kind is called in each hand-off format: the one table an exporter reads
and the importer reads backwards, so a dip stays a dip and a whip a whip in the editor.

Every format gets the closest effect its editors have built in, named for what it is:

- OTIO: ``Transition.name`` (OTIO only types ``SMPTE_Dissolve`` and ``Custom``; Resolve and the
  adapters show the name) and ``metadata["shortfilm"]["kind"]``;
- FCPXML: the ``<transition name>`` and the effect it draws with. A crossfade is Final Cut's
  Cross Dissolve, a dip its Fade To Color (black by default), a whip its Push (a directional
  push, which is what shortfilm draws for a whip) and a slide its Slide;
- FCP 7 XML: the ``<transitionitem>``'s ``<effect>`` (``name``, ``effectid``,
  ``effectcategory``), Final Cut Pro 7's built-ins that Premiere also maps: Cross Dissolve,
  Dip to Color Dissolve, Push Slide, Slide.
"""

from __future__ import annotations

from dataclasses import dataclass

from shortfilm.domain.production import TransitionKind


@dataclass(frozen=True)
class TransitionNames:
    """One transition kind's names in every format."""

    otio: str
    """``Transition.name`` in ``.otio`` (what Resolve lists)."""
    fcpxml_effect: str
    """The FCPXML ``<effect name>`` the transition draws with."""
    fcpxml_uid: str
    """That effect's ``uid``: Final Cut's built-in, found by Resolve and Premiere by name."""
    fcp7_effect: str
    """The FCP 7 ``<effect>``'s ``name`` and ``effectid``."""
    fcp7_category: str
    """The FCP 7 ``<effectcategory>`` (the bin the effect sits in)."""


_FCP_TRANSITIONS = ".../Transitions.localized"

TRANSITION_NAMES: dict[TransitionKind, TransitionNames] = {
    TransitionKind.CROSSFADE: TransitionNames(
        "Cross Dissolve",
        "Cross Dissolve",
        "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265",
        "Cross Dissolve",
        "Dissolve",
    ),
    TransitionKind.DIP: TransitionNames(
        "Dip to Black",
        "Fade To Color",
        f"{_FCP_TRANSITIONS}/Dissolves.localized/Fade To Color.localized/Fade To Color.motr",
        "Dip to Color Dissolve",
        "Dissolve",
    ),
    TransitionKind.WHIP: TransitionNames(
        "Whip Pan",
        "Push",
        f"{_FCP_TRANSITIONS}/Movements.localized/Push.localized/Push.motr",
        "Push Slide",
        "Slide",
    ),
    TransitionKind.SLIDE: TransitionNames(
        "Slide",
        "Slide",
        f"{_FCP_TRANSITIONS}/Movements.localized/Slide.localized/Slide.motr",
        "Slide",
        "Slide",
    ),
}
"""Names per transition kind with a length (a cut is no transition in any format)."""


def kind_named(name: str) -> TransitionKind | None:
    """The kind an effect or transition ``name`` from any format stands for (any case), or
    ``None`` when no format calls a kind so; also takes the kind's own value (``"dip"``)."""
    wanted = name.strip().casefold()
    for kind, names in TRANSITION_NAMES.items():
        spelled = (kind.value, names.otio, names.fcpxml_effect, names.fcp7_effect)
        if wanted in (s.casefold() for s in spelled):
            return kind
    return None
