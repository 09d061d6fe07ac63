"""`shortfilm plan` over a corpus of hand-written scripts: the plan keeps to the script's words.

Each script in ``tests/plan_corpus/`` (prose, screenplay, bullets, a one-paragraph ad, dialogue,
a non-English name, a very short one) has an ``.expected.yaml`` written by hand from reading the
script: the verbs each clip's job may name, the cast a shot may hold, junk subjects the old
planner produced or could produce, and the title. The plan is made by the real CLI command
(``shortfilm plan --deterministic --out``), read back through the spec's own clip model.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from shortfilm.cli import app
from shortfilm.domain import ClipPlan, Production
from shortfilm.examples import example_dir
from shortfilm.prompts.lint import lint_production
from shortfilm.prompts.lint.job_words import job_families
from shortfilm.spec import load_spec
from shortfilm.spec.models import ClipPlanSpec

CORPUS = Path(__file__).parent / "plan_corpus"
EXPECTED = sorted(CORPUS.glob("*.expected.yaml"))
runner = CliRunner()

_NEUTRAL_OPENERS = {
    "Establish the scene",
    "Hook the viewer",
    "Build the moment",
    "Continue the action",
    "Turn the story",
    "Close the moment",
}
"""Job openers that name no action of their own, so any script may have them."""
_PRONOUNS = {"she", "he", "they", "her", "his", "their", "it", "its", "him", "them"}
_LOOSE_ENDS = {"the", "a", "an", "of", "in", "at", "on", "to", "and", "above", "below", "with"}
_SCENE_WORDS = {"in", "at", "the"}
"""The words a scene heading is read as: ``INT. WARD - NIGHT`` -> "In the ward at night"."""
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _words(text: str) -> set[str]:
    return {re.sub(r"['’]s$", "", w.lower()) for w in _WORD.findall(text)}


def _stem(word: str) -> str:
    return word.lower()[:4]


def _plan(expected_file: Path, tmp_path: Path) -> tuple[dict[str, Any], str, list[ClipPlan]]:
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    out = tmp_path / "clips.yaml"
    script = CORPUS / expected["script"]
    result = runner.invoke(
        app,
        ["plan", str(script), "--target", str(expected["target_s"]), "--out", str(out),
         "--deterministic"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    clips = [ClipPlanSpec.model_validate(c).to_domain() for c in yaml.safe_load(text)["clips"]]
    return expected, text, clips


@pytest.fixture(params=EXPECTED, ids=lambda p: p.name.removesuffix(".expected.yaml"))
def planned(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[dict[str, Any], str, list[ClipPlan]]:
    return _plan(request.param, tmp_path)


def test_the_corpus_covers_the_shapes_a_writer_brings() -> None:
    suffixes = {p.suffix for p in CORPUS.iterdir() if not p.name.endswith(".expected.yaml")}
    assert len(EXPECTED) >= 7
    assert {".md", ".txt", ".yaml"} <= suffixes
    scripts = [yaml.safe_load(p.read_text(encoding="utf-8"))["script"] for p in EXPECTED]
    assert all((CORPUS / s).is_file() for s in scripts)


def test_clips_are_12_to_15_s_with_3_to_4_moments(planned: Any) -> None:
    expected, _, clips = planned

    assert len(clips) == len(expected["clip_verbs"])
    assert sum(c.duration_s for c in clips) == pytest.approx(expected["target_s"], abs=0.5)
    for clip in clips:
        assert 12 <= clip.duration_s <= 15, clip.name
        assert 3 <= len(clip.shots) <= 4, clip.name
        assert sum(s.timing_s or 0 for s in clip.shots) == pytest.approx(clip.duration_s)


def test_the_plan_has_the_scripts_title(planned: Any) -> None:
    expected, text, _ = planned
    header = " ".join(line.removeprefix("# ") for line in text.split("\nclips:")[0].splitlines())

    title = re.match(r'Clip plan for "(?P<title>[^"]*)" \(', header)

    assert title is not None, header
    assert title["title"].strip() == expected["title"]


def test_jobs_name_only_what_the_script_does(planned: Any) -> None:
    expected, _, clips = planned
    source = (CORPUS / expected["script"]).read_text(encoding="utf-8")
    script_words = _words(source) | _SCENE_WORDS
    cast_words = _words(" ".join(expected["cast"]))
    script_stems = {_stem(w) for w in script_words}

    for clip, verbs in zip(clips, expected["clip_verbs"], strict=True):
        opener, colon, told = clip.job.partition(": ")
        assert colon, f"{clip.name}: job {clip.job!r} has no action after its opener"
        if opener.startswith("Start the "):
            assert _stem(opener.removeprefix("Start the ")) in script_stems, clip.job
        else:
            assert opener in _NEUTRAL_OPENERS, clip.job
        invented = _words(told) - script_words - cast_words
        assert not invented, f"{clip.name}: {clip.job!r} uses {sorted(invented)}"
        assert _words(told) & set(verbs), f"{clip.name}: {clip.job!r} names none of {verbs}"
        for family in ("conflict", "chase", "reveal"):
            for word in job_families(clip.job).get(family, []):
                assert _stem(word) in script_stems, f"{clip.job!r}: {word!r} is not in the script"
    starts = [c.job.partition(":")[0] for c in clips if c.job.startswith("Start the ")]
    assert starts == ([f"Start the {expected['starts']}"] if "starts" in expected else [])


def test_subjects_are_the_scripts_cast_and_never_junk(planned: Any) -> None:
    expected, _, clips = planned
    cast = set(expected["cast"])
    junk = {j.lower() for j in expected["junk"]}

    for clip in clips:
        for shot in clip.shots:
            for who in shot.subject.split(" and "):
                words = who.lower().split()
                assert who in cast, f"{clip.name}: subject {who!r} is not in the cast {cast}"
                assert who.lower() not in junk, f"{clip.name}: junk subject {who!r}"
                assert not _PRONOUNS & set(words), f"{clip.name}: pronoun in {who!r}"
                assert words[0] not in ("a", "an") and words[-1] not in _LOOSE_ENDS, who
                assert not who.isupper() or who == who.title(), f"{clip.name}: heading {who!r}"


def test_the_lead_is_the_subject_of_most_moments(planned: Any) -> None:
    expected, _, clips = planned
    subjects = [s.subject.split(" and ")[0] for c in clips for s in c.shots]
    named = [n for n in expected["cast"] if n[:1].isupper()]

    if named:
        lead = named[0]
        assert subjects.count(lead) == max(subjects.count(s) for s in set(subjects)), subjects


@pytest.fixture(scope="module")
def example() -> Production:
    return load_spec(example_dir("wasteland-villa"))


def test_every_clip_passes_the_clip_rules(planned: Any, example: Production) -> None:
    """One job per clip, one action per shot, camera and sound named: the C rules, all of them.

    The plan is dropped into the example production for its board and edit; the film-level
    rules (target, captions, names on that board) judge the example, not the plan, and are
    left out.
    """
    _, _, clips = planned

    findings = lint_production(dataclasses.replace(example, clips=tuple(clips)))

    clip_findings = [f for f in findings if f.code.startswith("C")]
    assert clip_findings == [], clip_findings
