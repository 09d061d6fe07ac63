"""The prompt linter: every planted fault of the corpus is found, good prompts raise nothing,
the example film is clean, and the rule list, its documentation and the corpus stay in step.

The corpus (tests/lint_corpus/) is prompts written for this project in several worlds. A case
is a base film from ``bases/`` plus a ``patch`` (or a whole ``production``), the lint options,
and the codes it must raise. Codes of severity error or warning must match ``expected``
exactly, so a rule that starts firing on good prompts fails here before it reaches an operator.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from shortfilm.domain.platforms import PLATFORMS
from shortfilm.domain.production import CampaignRole, CharacterRole, Production, Style
from shortfilm.domain.social_accounts import PublishTarget, SocialAccount, TargetKind
from shortfilm.examples import example_dir
from shortfilm.prompts.lint import RULES, Finding, Severity, has_errors, lint_production
from shortfilm.prompts.lint.action_reading import read_action
from shortfilm.prompts.lint.names import BoardNames
from shortfilm.prompts.lint.places import place_key
from shortfilm.spec import load_spec
from shortfilm.spec.models import ProductionSpec

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "lint_corpus"
DOC = TESTS.parent / "docs" / "lint-rules.md"
CASES = sorted(CORPUS.glob("*.yaml"))
DELETE = "<delete>"
"""A patch value that removes the key, to test a block left out rather than written blank."""


# -- the corpus -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    about: str
    production: Production
    expected: frozenset[str]
    only_clip: int | None
    durations_s: tuple[float, float] | None
    accounts: dict[str, SocialAccount] | None = None

    def lint(self) -> list[Finding]:
        return lint_production(
            self.production,
            durations_s=self.durations_s,
            only_clip=self.only_clip,
            accounts=self.accounts,
        )


def _accounts(listed: list[dict[str, str]] | None) -> dict[str, SocialAccount] | None:
    """A case's ``accounts`` (name, platform, optional preset): the home a variant goes to."""
    if listed is None:
        return None
    return {
        a["name"]: SocialAccount(
            a["name"],
            a["platform"],
            f"@{a['name']}",
            "en",
            a.get("preset") or PLATFORMS[a["platform"]].preset,
            PublishTarget(TargetKind.FOLDER),
            "corpus",
            datetime(2026, 12, 1, tzinfo=UTC),
        )  # fmt: skip
        for a in listed
    }


@cache
def _base(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CORPUS / "bases" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _merge(base: Any, patch: Any) -> Any:
    """``patch`` over ``base``: mappings merge, a mapping of indexes patches list items."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value == DELETE:
                out.pop(key, None)
            else:
                out[key] = _merge(base.get(key), value)
        return out
    if isinstance(base, list) and isinstance(patch, dict):
        assert all(isinstance(k, int) for k in patch), "a list is patched by item index"
        out_list = list(base)
        for index, value in patch.items():
            out_list[index] = _merge(out_list[index], value)
        return out_list
    return copy.deepcopy(patch)


def load_case(path: Path) -> Case:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(data) - {
        "about",
        "base",
        "patch",
        "production",
        "expected",
        "only_clip",
        "durations_s",
        "accounts",
    }
    assert not unknown, f"{path.name}: unknown keys {unknown}"
    if "production" in data:
        spec = data["production"]
    else:
        spec = _merge(copy.deepcopy(_base(data["base"])), data.get("patch") or {})
    durations = data.get("durations_s")
    return Case(
        about=data["about"],
        production=ProductionSpec.model_validate(spec).to_domain(),
        expected=frozenset(data["expected"]),
        only_clip=data.get("only_clip"),
        durations_s=tuple(durations) if durations else None,  # type: ignore[arg-type]
        accounts=_accounts(data.get("accounts")),
    )


def test_corpus_is_large_and_plants_every_rule() -> None:
    cases = [load_case(path) for path in CASES]
    assert len(cases) >= 40
    good = [c for c in cases if not c.expected]
    assert len(good) >= 8, "good prompts are half the point: nothing fires on them"
    planted = set().union(*(c.expected for c in cases))
    assert planted == set(RULES), f"rules without a case: {sorted(set(RULES) - planted)}"
    worlds = Counter(yaml.safe_load(p.read_text()).get("base", "own") for p in CASES)
    assert len(worlds) >= 5, worlds


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_corpus_case(path: Path) -> None:
    case = load_case(path)
    unknown = case.expected - set(RULES)
    assert not unknown, f"expected codes that are no rule: {unknown}"

    findings = case.lint()

    found = {f.code for f in findings}
    shown = "\n".join(f"{f.code} {f.severity} {f.place}: {f.message}" for f in findings)
    assert case.expected <= found, f"{case.about}\nmissed {case.expected - found}:\n{shown}"
    loud = {f.code for f in findings if f.severity is not Severity.INFO}
    assert loud <= case.expected, f"{case.about}\nunexpected {loud - case.expected}:\n{shown}"
    if not case.expected:
        assert not has_errors(findings)


# -- the example film -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> Production:
    return load_spec(example_dir())


def test_example_lints_clean(example: Production) -> None:
    assert lint_production(example) == []
    assert lint_production(example, durations_s=(4.0, 15.0)) == []
    for index in range(len(example.clips)):
        assert lint_production(example, only_clip=index) == []


def _replace_clip(production: Production, index: int, **changes: Any) -> Production:
    clips = list(production.clips)
    clips[index] = dataclasses.replace(clips[index], **changes)
    return dataclasses.replace(production, clips=tuple(clips))


def _break_board(p: Production) -> Production:
    board = p.board
    characters = tuple(
        dataclasses.replace(c, role=CharacterRole.SIDE, outfit="") for c in board.characters
    )
    style = dataclasses.replace(board.style, lighting="")
    return dataclasses.replace(
        p, board=dataclasses.replace(board, characters=characters, style=style, negative=())
    )


def _break_clip(p: Production) -> Production:
    shot = dataclasses.replace(p.clips[1].shots[0], camera="", movement="a dreamy float")
    shots = (shot, *p.clips[1].shots[1:], *p.clips[1].shots[:2])
    return _replace_clip(p, 1, shots=shots, sound_rule="", duration_s=11.0)


def _break_continuity(p: Production) -> Production:
    p = _replace_clip(p, 0, continues_previous=True)
    p = _replace_clip(p, 2, continues_previous=False)
    shot = dataclasses.replace(p.clips[3].shots[0], subject="Kestral and Marcus")
    return _replace_clip(p, 3, shots=(shot, *p.clips[3].shots[1:]))


def _break_story(p: Production) -> Production:
    p = dataclasses.replace(p, target_duration_s=80, campaign_role=CampaignRole.HOOK)
    return _replace_clip(p, 3, job="Kestrel walks back along the road toward the villa.")


@pytest.mark.parametrize(
    ("family", "break_it", "codes"),
    [
        ("board", _break_board, {"B103", "B107", "B111", "B112"}),
        ("clip", _break_clip, {"C202", "C204", "C205", "C209", "C211"}),
        ("continuity", _break_continuity, {"K301", "K302", "K303", "K304"}),
        ("story", _break_story, {"S402", "S404", "S406"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_family_fires_on_a_broken_copy_of_the_example(
    example: Production,
    family: str,
    break_it: Callable[[Production], Production],
    codes: set[str],
) -> None:
    findings = lint_production(break_it(example))

    assert codes <= {f.code for f in findings}, findings
    assert {RULES[f.code].family for f in findings} == {family}, findings


def test_a_board_left_blank_loads_and_is_linted_not_refused(example: Production) -> None:
    board = dataclasses.replace(
        example.board, world="", environment=(), style=Style(), consistency=(), negative=()
    )
    findings = lint_production(dataclasses.replace(example, board=board))

    codes = [f.code for f in findings if f.place.startswith("board")]
    assert codes == ["B101", "B104", "B105", "B110", "B111"]
    assert "B106" not in codes, "a wholly missing style is one finding, not five"


# -- findings: order, shape, API ----------------------------------------------------------------


def test_findings_are_in_document_order_and_stable() -> None:
    case = load_case(CORPUS / "mixed-everything-wrong.yaml")

    first = case.lint()
    again = case.lint()

    assert first == again
    assert len(first) >= 8
    paths = [_path(f.place) for f in first]
    assert paths == sorted(paths, key=place_key)
    places = [f.place for f in first]
    assert places.index("board.style.lighting") < places.index("clips[0].job")
    assert places.index("clips[0].shots[0].camera") < places.index("clips[0].shots[0].action")
    assert places.index("clips[0].shots[2].action") < places.index("clips[0].sound_rule")


def _path(place: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", place))


def test_findings_are_json_with_exactly_five_keys() -> None:
    findings = load_case(CORPUS / "mixed-everything-wrong.yaml").lint()

    rows = json.loads(json.dumps([dataclasses.asdict(f) for f in findings]))

    assert all(set(row) == {"code", "severity", "place", "message", "hint"} for row in rows)
    assert {row["severity"] for row in rows} <= {"error", "warning", "info"}
    for row in rows:
        assert row["message"] and row["hint"]
        assert "\n" not in row["message"] + row["hint"]
        assert RULES[row["code"]].severity == row["severity"]


def test_only_clip_keeps_the_board_and_that_clip() -> None:
    case = load_case(CORPUS / "mixed-everything-wrong.yaml")
    everything = case.lint()

    only = lint_production(case.production, only_clip=1)

    assert only == [
        f for f in everything if f.place.startswith(("board", "clips[1]")) and f.place != "clips"
    ]
    with pytest.raises(ValueError, match="out of range"):
        lint_production(case.production, only_clip=len(case.production.clips))


def test_model_duration_range_is_checked_only_when_given(example: Production) -> None:
    findings = lint_production(example, durations_s=(4.0, 10.0))

    assert [f.code for f in findings] == ["C201"] * 4
    assert findings[0].place == "clips[0].duration_s"
    assert findings[0].message == "clip is 12.5 s; the target model accepts 4-10 s"
    with pytest.raises(ValueError, match="durations_s"):
        lint_production(example, durations_s=(10.0, 4.0))


def test_has_errors() -> None:
    def finding(severity: Severity) -> Finding:
        return Finding("C211", severity, "clips[0].sound_rule", "m", "h")

    assert not has_errors([])
    assert not has_errors([finding(Severity.WARNING), finding(Severity.INFO)])
    assert has_errors([finding(Severity.WARNING), finding(Severity.ERROR)])


def test_rule_codes_are_stable_in_shape() -> None:
    letters = {"board": "B1", "clip": "C2", "continuity": "K3", "story": "S4", "campaign": "V5"}
    for code, rule in RULES.items():
        assert rule.code == code
        assert re.fullmatch(r"[BCKSV][1-5]\d\d", code)
        assert code.startswith(letters[rule.family])
        assert rule.summary.endswith(".") and "\n" not in rule.summary
    assert len({r.name for r in RULES.values()}) == len(RULES)


# -- the documentation --------------------------------------------------------------------------

_SECTION = re.compile(r"^### (?P<code>[A-Z]\d{3}) `(?P<name>[a-z0-9-]+)`$", re.MULTILINE)


def _doc_sections() -> dict[str, tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    matches = list(_SECTION.finditer(text))
    sections: dict[str, tuple[str, str]] = {}
    for match, after in zip(matches, [*matches[1:], None], strict=True):
        end = after.start() if after else len(text)
        sections[match["code"]] = (match["name"], text[match.end() : end])
    return sections


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    sections = _doc_sections()

    assert set(sections) == set(RULES)
    for code, (name, body) in sections.items():
        rule = RULES[code]
        assert name == rule.name, code
        assert f"**Severity:** {rule.severity}" in body, code
        for part in ("**What:**", "**Why:**", "Bad:", "Good:"):
            assert part in body, f"{code} lacks {part}"
        blocks = re.findall(r"```yaml\n(.*?)```", body, flags=re.DOTALL)
        assert len(blocks) >= 2, f"{code} needs a bad and a good YAML example"
        for block in blocks:
            yaml.safe_load(block)


# -- the readings the rules are built on --------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "names"),
    [
        ("Marcus", ["Marcus"]),
        ("Mara's hands on the rail", ["Mara"]),
        ("Officer Reyes and Kestrel", ["Officer Reyes"]),
        ("the gate of Tower Nine", ["Tower Nine"]),
        ("Kestrel's eyes", []),
        ("the Keeper on the roof", []),
        ("Neon signs over the road", []),  # a capitalised noun, not a name
        ('a sign reading "Last Exit"', []),  # quoted sign text
        ("the HUD of a drone", []),  # an acronym
    ],
)
def test_names_a_subject_uses_that_the_board_lacks(
    example: Production, subject: str, names: list[str]
) -> None:
    found = BoardNames.of(example).unknown(subject, first_word_counts=True)

    assert [n.text for n in found] == names


@pytest.mark.parametrize(
    ("action", "overloaded"),
    [
        ("She pivots and drives the blade through its neck joint; the head drops.", False),
        ("She raises her right forearm and the blade spins up, throwing a ring of dust.", False),
        ("She ducks, rolls and fires.", True),
        ("She vaults the rail, then lands on the roof.", True),
        ("She vaults the rail and then lands.", True),
        ("The drone rises; the light narrows; she sprints; the door slams.", True),
        ("Pour the water, fold the dough and shape the loaf.", True),
        ("Steam rises from the vents.", False),
    ],
)
def test_overloaded_actions(action: str, overloaded: bool) -> None:
    assert read_action(action).overloaded() is overloaded
