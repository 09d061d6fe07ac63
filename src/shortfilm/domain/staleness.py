"""Staleness: what was approved or published on top of something that has changed since.

Reviews attach to exact versions (:mod:`shortfilm.domain.review`), so an approval never moves to
a new version -- but the *old* version can stop being what the film is made of, and then its
"approved" or "published" must not read as done. Four things go stale, each on top of the one
before:

- **a take** whose prompt version is no longer its clip's latest (the shot was re-written);
- **the edit** whose selections changed: a clip now selects another take than the edit plays;
- **a render** of a stale edit, or of a take that is stale;
- **the publication** of an older edit or render, or of one that went stale.

Each :class:`Stale` names what is stale, what changed, and the one complete command that brings it
up to date, so the command line, the web app, the checklist and the report all say the same.

Pure: functions over the small snapshots below, read from the store by the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from shortfilm.domain.rubric import CRITERION_KEYS


class StaleKind(StrEnum):
    TAKE = "take"
    EDIT = "edit"
    RENDER = "render"
    PUBLICATION = "publication"


@dataclass(frozen=True)
class Stale:
    """One stale thing: what it is, what changed under it, and how to bring it up to date."""

    kind: StaleKind
    subject: str
    """How it is named: ``clip-02/take-001``, ``edit v1``, ``vertical render of edit v1`` ..."""
    because: str
    """What changed since it was approved or published."""
    fix: str
    """The complete command that brings it up to date."""
    preset: str | None = None
    """The render's preset, for a stale render."""

    def __str__(self) -> str:
        return f"{self.subject} is stale: {self.because}; bring it up to date: `{self.fix}`"


@dataclass(frozen=True)
class ClipFacts:
    """One clip as staleness sees it."""

    position: int
    selected_take: int | None
    """The selected take's number, if any."""
    take_prompt_version: int | None
    """The prompt version the selected take was made from."""
    latest_prompt_version: int | None
    """The clip's latest prompt version."""
    newer_take: int | None = None
    """The newest usable take made from the latest prompt version (not the selected one), if
    any: the one to approve instead of generating again."""
    selected_passes: bool = False
    """Whether the selected take passes the clip checkpoint (approved or overridden): a render
    needs that first."""

    @property
    def name(self) -> str:
        return f"clip-{self.position:02d}"


@dataclass(frozen=True)
class RenderFacts:
    preset: str
    sha256: str
    approved: bool
    """Whether the final gate lets it through (approved or overridden)."""


@dataclass(frozen=True)
class PublicationFacts:
    """What the latest publish shipped."""

    edit_version: int
    renders: Mapping[str, str] = field(default_factory=dict)
    """Preset -> sha256 of each published render (empty for publishes recorded before this was
    kept: then only the edit version is compared)."""


@dataclass(frozen=True)
class StalenessFacts:
    slug: str
    clips: Sequence[ClipFacts]
    edit_version: int | None
    """The latest edit version, if any."""
    edit_plays: Mapping[int, int] = field(default_factory=dict)
    """Clip position -> the take number the latest edit plays."""
    renders: Sequence[RenderFacts] = ()
    """The renders of the latest edit."""
    publication: PublicationFacts | None = None


@dataclass(frozen=True)
class Staleness:
    """Everything stale in one production, by kind, in workflow order."""

    takes: tuple[Stale, ...] = ()
    edit: Stale | None = None
    renders: tuple[Stale, ...] = ()
    publication: Stale | None = None
    under_renders: Stale | None = None
    """What made the renders stale (the edit, or a stale take it plays): the reason to give."""

    @property
    def all(self) -> tuple[Stale, ...]:
        edit = (self.edit,) if self.edit else ()
        published = (self.publication,) if self.publication else ()
        return (*self.takes, *edit, *self.renders, *published)

    def __bool__(self) -> bool:
        return bool(self.all)


def render_command(slug: str) -> str:
    """Records the edit of the current selections and renders it (:func:`stale_edit`'s fix)."""
    return f"shortfilm render {slug}"


def stale_take(slug: str, clip: ClipFacts) -> Stale | None:
    """The clip's selected take, when it was made from an older prompt version than the latest."""
    if (
        clip.selected_take is None
        or clip.take_prompt_version is None
        or clip.latest_prompt_version is None
        or clip.take_prompt_version >= clip.latest_prompt_version
    ):
        return None
    if clip.newer_take is not None:
        fix = f"shortfilm review take {slug} {clip.name} {clip.newer_take} --approve"
    else:
        fix = f"shortfilm export {slug} {slug}-spec && shortfilm run {slug}-spec/production.yaml"
    return Stale(
        StaleKind.TAKE,
        f"{clip.name}/take-{clip.selected_take:03d}",
        f"made from prompt v{clip.take_prompt_version}, and {clip.name}'s prompt is "
        f"v{clip.latest_prompt_version} now",
        fix,
    )


def stale_edit(facts: StalenessFacts) -> Stale | None:
    """The latest edit, when a clip now selects another take than the edit plays."""
    if facts.edit_version is None:
        return None
    changes = []
    for clip in facts.clips:
        played = facts.edit_plays.get(clip.position)
        if clip.selected_take is not None and played != clip.selected_take:
            plays = f"take-{played:03d}" if played is not None else "no take"
            changes.append(
                f"{clip.name} selects take-{clip.selected_take:03d}, the edit plays {plays}"
            )
    if not changes:
        return None
    return Stale(
        StaleKind.EDIT,
        f"edit v{facts.edit_version}",
        "the selection changed: " + ", ".join(changes),
        _before_render(facts),
    )


def _before_render(facts: StalenessFacts) -> str:
    """The next command towards a render of the current selections: approving the first selected
    take that is not approved yet (the render waits for it), else the render."""
    for clip in facts.clips:
        if clip.selected_take is not None and not clip.selected_passes:
            return f"shortfilm review take {facts.slug} {clip.name} {clip.selected_take} --approve"
    return render_command(facts.slug)


def staleness(facts: StalenessFacts) -> Staleness:
    """What is stale in the production ``facts`` describes, and why."""
    stale_clips = [(c, s) for c in facts.clips if (s := stale_take(facts.slug, c)) is not None]
    edit = stale_edit(facts)
    # a render is stale when its edit is, or when the edit plays a stale take
    played = [s for c, s in stale_clips if facts.edit_plays.get(c.position) == c.selected_take]
    under = edit or (played[0] if played else None)
    renders: tuple[Stale, ...] = ()
    if under is not None:
        renders = tuple(
            Stale(
                StaleKind.RENDER,
                f"{r.preset} render of edit v{facts.edit_version}",
                under.because if under is edit else f"it plays {under.subject}, {under.because}",
                under.fix,
                r.preset,
            )
            for r in facts.renders
        )
    takes = tuple(s for _, s in stale_clips)
    publication = _stale_publication(facts, edit, renders)
    return Staleness(takes, edit, renders, publication, under)


def _stale_publication(
    facts: StalenessFacts, edit: Stale | None, renders: Sequence[Stale]
) -> Stale | None:
    published = facts.publication
    if published is None or facts.edit_version is None:
        return None
    subject = f"the publication of edit v{published.edit_version}"
    if published.edit_version != facts.edit_version:
        because = f"edit v{facts.edit_version} is newer"
    elif edit is not None:
        because = edit.because
    elif renders:
        because = renders[0].because
    else:
        current = {r.preset: r.sha256 for r in facts.renders}
        redone = sorted(p for p, sha in published.renders.items() if current.get(p) != sha)
        if not redone:
            return None
        because = "the " + ", ".join(redone) + " render changed since"
    return Stale(StaleKind.PUBLICATION, subject, because, _next_command(facts, edit, renders))


def _next_command(facts: StalenessFacts, edit: Stale | None, renders: Sequence[Stale]) -> str:
    """The first command on the way to publishing the current film again."""
    if edit is not None:
        return edit.fix
    if renders:
        return renders[0].fix
    if not facts.renders:
        return render_command(facts.slug)
    waiting = [r.preset for r in facts.renders if not r.approved]
    if waiting:
        return f"shortfilm review final {facts.slug} --preset {waiting[0]} --approve " + " ".join(
            f"--score {key}=N" for key in CRITERION_KEYS
        )
    return f"shortfilm publish {facts.slug}"
