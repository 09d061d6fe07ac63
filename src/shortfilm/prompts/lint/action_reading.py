"""How many actions a shot's action text asks for: its clauses and the action verbs of each.

One shot, one action, is the workflow's rule; the reading is lexical (a list of verbs of
visible action, their third-person and imperative forms), so a false alarm is fixed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shortfilm.prompts.lint.vocabulary import STOPWORDS, TOKEN, word_set

_SEQUENCE = re.compile(
    r"\b(?:and then|then|after that|afterwards|followed by|finally|after which)\b"
)

_ACTION_VERBS = word_set(
    """
    walk run sprint dash jump leap hop vault drop fall climb crawl roll dive slide duck
    dodge spin turn pivot swing strike hit punch kick slash stab slice shear throw toss
    catch grab seize lift raise lower push pull drag shove kneel stand sit rise crouch lean
    reach point aim fire shoot reload open close slam lock unlock break smash crack shatter
    burst explode ignite flicker flash blink stare glance watch wait step stride stumble
    trip limp charge lunge attack block parry retreat flee chase follow race ride drive
    steer brake skid crash land fly hover float sink swim splash pour mix stir knead fold
    whisk sift bake weigh measure sprinkle brush spread press place set shape score cover
    serve taste slice chop crack beat add scoop spray apply dab uncap unscrew hold hand give
    take pick put smile laugh cry shout scream whisper nod wave sigh breathe gasp hug kiss
    wink type write read sign deliver scale swerve bank tumble skate grind kick-flip tap
    swipe glide descend ascend emerge vanish appear enter exit leave arrive cross bite cut
    bow shrug shiver freeze collapse stagger grip clutch squeeze release drink eat sniff
    spritz mist twist tilt rotate raise lower flip toss launch hurl dodge weave sweep
    """
)
"""Verbs of visible action; their third-person (``drops``) and imperative (``pour``) forms count."""

_NOT_VERB_AFTER = STOPWORDS - {"and", "or", "then", "she", "he", "they", "it", "we", "you", "i"}
"""A verb-looking word after these (``the swing``, ``two cuts``) is a noun."""


@dataclass(frozen=True)
class ActionReading:
    """How many actions a shot's action text asks for, clause by clause."""

    clauses: tuple[tuple[str, ...], ...]
    """The action verbs of each clause (clauses split at ``;`` and at sequence words)."""
    sequence: tuple[str, ...]
    """Sequence words found (``then``, ``after that`` ...): the text orders several actions."""

    @property
    def verbs(self) -> tuple[str, ...]:
        return tuple(v for clause in self.clauses for v in clause)

    def overloaded(self) -> bool:
        """Several actions: a sequence word joining two acting clauses, three or more acting
        clauses, or three or more verbs in one clause ("she ducks, rolls and fires").

        Two clauses joined by ``;`` stay one beat (cause and effect: "she cuts; it drops").
        """
        acting = [c for c in self.clauses if c]
        if self.sequence and len(acting) >= 2:
            return True
        return len(acting) >= 3 or any(len(c) >= 3 for c in acting)


def read_action(text: str) -> ActionReading:
    """Split ``text`` into clauses and find the action verbs of each."""
    sequence = tuple(m.group(0) for m in _SEQUENCE.finditer(text.lower()))
    parts = re.split(r";|" + _SEQUENCE.pattern, text, flags=re.IGNORECASE)
    clauses = tuple(tuple(_verbs(part)) for part in parts if part and part.strip(" ,."))
    return ActionReading(clauses, sequence)


def _verbs(clause: str) -> list[str]:
    found: list[str] = []
    previous: str | None = None
    for token in TOKEN.findall(clause.lower()):
        base = _verb_base(token)
        if base is not None:
            third_person = token != base
            after_noun_marker = previous is not None and previous in _NOT_VERB_AFTER
            clause_start = previous is None or previous in {",", "and", "or", "then", ":"}
            if (third_person and not after_noun_marker) or (not third_person and clause_start):
                found.append(token)
        previous = token
    return found


def _verb_base(token: str) -> str | None:
    if token in _ACTION_VERBS:
        return token
    candidates = [token[:-1]]
    if token.endswith("es"):
        candidates.append(token[:-2])
    if token.endswith("ies"):
        candidates.append(token[:-3] + "y")
    for base in candidates:
        if token.endswith("s") and base in _ACTION_VERBS:
            return base
    return None
