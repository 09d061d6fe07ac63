"""The production spec: the example loads, export -> import is lossless, and every bad input is
answered with one message naming the file, the line and the field.

Bad specs are made the way people make them: by editing a copy of the example's text.
"""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from shortfilm.art import EXAMPLE_REFS, PALETTE, draw_example_refs
from shortfilm.domain.production import (
    PREVIOUS_KEYFRAME,
    Budget,
    Campaign,
    CampaignRole,
    Caption,
    ChannelLoudness,
    CharacterRole,
    ClipEdit,
    EditIntent,
    EndCard,
    Hook,
    Music,
    Production,
    ReviewPolicy,
    RhythmClip,
    SoundEffectCue,
    SoundKind,
    Style,
    TitleCard,
    TransitionKind,
    Variant,
)
from shortfilm.errors import InputError, SpecError
from shortfilm.examples import example_dir, example_names
from shortfilm.spec import dump_spec, load_spec, spec_to_dict
from shortfilm.spec.models import SPEC_MODELS

REPO = Path(__file__).resolve().parents[1]
SPEC_NAME = "production.yaml"


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    """A private copy of the example (spec and refs) that a test may edit."""
    folder = tmp_path / "film"
    shutil.copytree(example_dir(), folder)
    return folder / SPEC_NAME


def edit(spec: Path, old: str, new: str, *, occurrence: int = 1) -> None:
    """Replace the ``occurrence``-th (1-based) ``old`` in the spec text; it must be there."""
    text = spec.read_text(encoding="utf-8")
    start = -1
    for _ in range(occurrence):
        start = text.index(old, start + 1)
    spec.write_text(text[:start] + new + text[start + len(old) :], encoding="utf-8")


def line_of(spec: Path, needle: str, *, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, line in enumerate(spec.read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def load_error(spec: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(spec)
    return info.value


def assert_points_at(error: SpecError, spec: Path, line: int | None, field: str | None) -> None:
    message = str(error)
    assert spec.name in message
    assert error.file == str(spec)
    assert error.line == line, message
    assert error.field == field, message
    where = f"{SPEC_NAME}:{line}: " if line is not None else f"{SPEC_NAME}: "
    assert where in message, message
    if field is not None:
        assert f": {field}: " in message, message
    assert "\n" not in message


# -- the example ------------------------------------------------------------------------------


def test_example_loads_as_the_film_it_describes() -> None:
    production = load_spec(example_dir() / SPEC_NAME)

    assert production.slug == "wasteland-villa"
    assert production.campaign_role is CampaignRole.TOP_OF_FUNNEL
    assert production.target_duration_s == 50
    assert production.channels == ("tiktok", "youtube")
    assert 4 <= len(production.script.beats) <= 6
    roles = [c.role for c in production.board.characters]
    assert roles.count(CharacterRole.MAIN) == 1 and CharacterRole.SIDE in roles
    assert len([v for v in production.board.environment if v.reference]) >= 2
    assert len(production.clips) == 4
    assert all(12 <= c.duration_s <= 13 for c in production.clips)
    assert production.clip_seconds() == pytest.approx(50, abs=1)
    assert all(3 <= len(c.shots) <= 4 for c in production.clips)
    assert [c.continues_previous for c in production.clips] == [False, False, True, False]
    assert production.board.style.palette == tuple(hex_colour for hex_colour, _ in PALETTE)
    edit_intent = production.edit
    assert edit_intent.title_card is not None and edit_intent.title_card.duration_s == 2.5
    assert 3 <= len(edit_intent.captions) <= 5
    assert 4 <= len(edit_intent.sfx) <= 8
    film_s = edit_intent.title_card.duration_s + production.clip_seconds()
    assert all(0 <= cue.at_s < film_s for cue in edit_intent.sfx)
    assert all(c.end_s <= film_s for c in edit_intent.captions)
    assert edit_intent.music == Music(path=None, gain_db=-20)


def test_example_is_reachable_by_name_and_by_the_repo_link() -> None:
    assert "wasteland-villa" in example_names()
    assert example_dir("wasteland-villa") == example_dir()
    link = REPO / "examples" / "wasteland-villa"
    assert link.is_symlink()
    assert link.resolve() == example_dir().resolve()
    with pytest.raises(InputError, match="wasteland-villa"):
        example_dir("no-such-film")


def test_a_folder_loads_its_production_yaml() -> None:
    assert load_spec(example_dir()) == load_spec(example_dir() / SPEC_NAME)


# -- export -> import ---------------------------------------------------------------------------


def test_dump_then_load_gives_an_equal_production(spec: Path) -> None:
    production = load_spec(spec)
    out = spec.with_name("exported.yaml")

    dump_spec(production, out)

    assert load_spec(out) == production
    first = out.read_text()
    dump_spec(load_spec(out), out)
    assert out.read_text() == first, "export must be stable"
    assert first.startswith("schema: shortfilm/1\ntitle: ")


def _maximal(production: Production) -> Production:
    """The example with every optional field, everywhere, set to something not its default."""
    board = production.board
    characters = tuple(
        dataclasses.replace(
            c,
            props=c.props or "blade: 60 cm # steel, 'notched' \"rim\"",
            reference=c.reference or "refs/palette.png",
            aliases=c.aliases or (f"the {c.name.lower()}", "she: 'quoted' # not a comment"),
        )
        for c in board.characters
    )
    views = tuple(
        dataclasses.replace(
            v, reference=v.reference or "refs/palette.png", aliases=v.aliases or ("the place",)
        )
        for v in board.environment
    )
    clips = tuple(
        dataclasses.replace(
            clip,
            shots=tuple(dataclasses.replace(s, timing_s=s.timing_s or 1.25) for s in clip.shots),
            continues_previous=True,
            # an image on the first clip, the previous clip's keyframe after it: both forms
            first_frame="refs/palette.png" if index == 0 else PREVIOUS_KEYFRAME,
            last_frame="refs/villa_exterior.png",
        )
        for index, clip in enumerate(production.clips)
    )
    clips = (
        dataclasses.replace(
            clips[0],
            sound_rule="Wind only.\nNo music:\n  - no voice",
            tone_world="- starts like a list item: and has a colon, ünïcödé, emoji 🎬",
        ),
        *clips[1:],
    )
    return dataclasses.replace(
        production,
        board=dataclasses.replace(board, characters=characters, environment=views),
        clips=clips,
        edit=EditIntent(
            title_card=TitleCard(text="yes", subtitle="12", duration_s=3.0),
            captions=(Caption(text="null", start_s=0.5, end_s=1.0),),
            sfx=(SoundEffectCue(kind=SoundKind.IMPACT, at_s=1.0, gain_db=-3.5, duration_s=0.4),),
            music=Music(path="bed.wav", gain_db=-12.0, fade_in_s=0.5, fade_out_s=1.5, duck_db=6.0),
            crossfade_s=0.0,
            clips=(
                ClipEdit(
                    clip=2,
                    in_s=0.5,
                    out_s=11.0,
                    speed=1.5,
                    transition=TransitionKind.DIP,
                    transition_s=0.5,
                    audio=False,
                    gain_db=-3.0,
                ),
            ),
            hook=Hook(text="Watch the door", start_s=0.5, end_s=2.5),
            end_card=EndCard(text="@wasteland", duration_s=4.0),
            lower_thirds=(Caption(text="Kestrel, courier", start_s=4.0, end_s=6.0),),
            loudness=(ChannelLoudness(channel="youtube", lufs=-16.0),),
        ),
        budget=Budget(limit=2_500_000.0, unit="tokens"),
        review=ReviewPolicy(second_pair_of_eyes=True),
        campaign=Campaign(
            variants=(
                Variant(
                    name="tt-hook-a",
                    account="tt-main",
                    hook=Hook(text="Who holds the coast?", start_s=0.5, end_s=2.0),
                    end_card=EndCard(text="Part 2: Friday", duration_s=2.5),
                    caption="One blade. # not a comment: 'quoted'",
                    hashtags=("shortfilm", "wasteland"),
                    order=(2, 1, 3, 4),
                    clips=(RhythmClip(clip=3, in_s=0.5, out_s=9.0, speed=1.25),),
                    preset="square",
                    title="Wasteland Villa, cut for TikTok",
                ),
            )
        ),
    )


def test_round_trip_keeps_every_optional_field_and_awkward_text(spec: Path) -> None:
    spec.with_name("bed.wav").write_bytes(b"RIFF....WAVEfmt ")
    production = _maximal(load_spec(spec))
    out = spec.with_name("maximal.yaml")

    dump_spec(production, out)

    assert load_spec(out) == production


def _walk(value: Any, data: Any, path: str, seen: set[type]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
        assert isinstance(data, dict), path
        assert sorted(data) == sorted(names), f"{path}: {sorted(set(names) ^ set(data))}"
        seen.add(type(value))
        for name in names:
            _walk(getattr(value, name), data[name], f"{path}.{name}", seen)
    elif isinstance(value, tuple):
        assert isinstance(data, list) and len(data) == len(value), path
        for index, (item, plain) in enumerate(zip(value, data, strict=True)):
            _walk(item, plain, f"{path}[{index}]", seen)


def test_spec_to_dict_writes_every_dataclass_field(spec: Path) -> None:
    production = _maximal(load_spec(spec))
    seen: set[type] = set()

    _walk(production, spec_to_dict(production), "production", seen)

    # Every domain class a production is made of was reached, so none can drift unnoticed.
    assert seen == set(SPEC_MODELS.values())


@pytest.mark.parametrize("model", list(SPEC_MODELS), ids=lambda m: m.__name__)
def test_validation_models_mirror_the_domain_fields(model: Any) -> None:
    keys = {info.alias or name for name, info in model.model_fields.items()}
    assert keys == {f.name for f in dataclasses.fields(SPEC_MODELS[model])}


# -- one clear message per bad input ----------------------------------------------------------


def test_yaml_syntax_error_names_the_line(spec: Path) -> None:
    edit(spec, "- camera: extreme wide, eye level", "- camera: extreme wide: eye level")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "camera: extreme wide: eye level"), None)
    assert "YAML syntax error" in str(error)
    assert "mapping values are not allowed" in str(error)


def test_unclosed_quote_points_where_it_was_opened(spec: Path) -> None:
    edit(spec, "title: Wasteland Villa", 'title: "Wasteland Villa')

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, 'title: "Wasteland Villa'), None)
    assert "while scanning a quoted scalar that starts here" in str(error)


def test_wrong_type_names_the_field_and_what_was_given(spec: Path) -> None:
    edit(spec, "target_duration_s: 50", "target_duration_s: fifty")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "target_duration_s: fifty"), "target_duration_s")
    assert "expected a number, got text 'fifty'" in str(error)


def test_wrong_type_deep_in_a_clip(spec: Path) -> None:
    edit(spec, "timing_s: 3.5", "timing_s: [3.5]", occurrence=2)

    error = load_error(spec)

    field = "clips[1].shots[0].timing_s"
    assert_points_at(error, spec, line_of(spec, "timing_s: [3.5]"), field)
    assert "expected a number, got a list" in str(error)


def test_unknown_field_is_named(spec: Path) -> None:
    edit(spec, "  - name: first-strike\n", "  - name: first-strike\n    mood: grim\n")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "mood: grim"), "clips[1].mood")
    assert "unknown field 'mood'" in str(error)
    assert "duration_s" in str(error), "the allowed fields are listed"


def test_misspelt_field_suggests_the_right_one(spec: Path) -> None:
    edit(spec, "    duration_s: 12.5\n", "    duration: 12.5\n", occurrence=2)

    error = load_error(spec)

    line = line_of(spec, "    duration: 12.5")
    assert_points_at(error, spec, line, "clips[1].duration")
    assert "unknown field 'duration' (did you mean 'duration_s'?)" in str(error)
    assert "more" not in str(error), "the typo and the missing field are one mistake"


def test_missing_clip_duration_points_at_the_clip(spec: Path) -> None:
    edit(spec, "    duration_s: 12.5\n", "", occurrence=2)

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "- name: first-strike"), "clips[1].duration_s")
    assert str(error).endswith("clips[1].duration_s: field required")


def test_missing_reference_image(spec: Path) -> None:
    edit(spec, "reference: refs/robot_patrol.png", "reference: refs/robot.png")

    error = load_error(spec)

    line = line_of(spec, "refs/robot.png")
    assert_points_at(error, spec, line, "board.characters[1].reference")
    assert "reference image not found: refs/robot.png" in str(error)


def test_text_file_renamed_png_is_not_an_image(spec: Path) -> None:
    spec.with_name("refs").joinpath("villa_exterior.png").write_text("not really a picture\n")

    error = load_error(spec)

    line = line_of(spec, "refs/villa_exterior.png")
    assert_points_at(error, spec, line, "board.environment[0].reference")
    assert "not a readable image: refs/villa_exterior.png" in str(error)


def test_truncated_image_is_not_an_image(spec: Path) -> None:
    image = spec.with_name("refs") / "palette.png"
    image.write_bytes(image.read_bytes()[:4000])

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "- refs/palette.png"), "board.references[0]")
    assert "not a readable image" in str(error)


def test_missing_music_file(spec: Path) -> None:
    edit(spec, "  music:\n    gain_db: -20\n", "  music:\n    path: bed.wav\n    gain_db: -20\n")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "path: bed.wav"), "edit.music.path")
    assert "music file not found: bed.wav" in str(error)


def test_file_not_found(tmp_path: Path) -> None:
    missing = tmp_path / SPEC_NAME

    error = load_error(missing)

    assert_points_at(error, missing, None, None)
    assert str(error) == f"{missing}: file not found"


@pytest.mark.parametrize(
    ("text", "got"),
    [("- a\n- b\n", "a list"), ("just words\n", "text 'just words'"), ("", "an empty file")],
)
def test_file_that_is_not_a_mapping(tmp_path: Path, text: str, got: str) -> None:
    spec = tmp_path / SPEC_NAME
    spec.write_text(text)

    error = load_error(spec)

    assert_points_at(error, spec, 1 if text else None, None)
    assert f"a spec must be a mapping of fields (schema, title, slug, ...), got {got}" in str(error)


def test_not_utf8(tmp_path: Path) -> None:
    spec = tmp_path / SPEC_NAME
    spec.write_bytes(b"title: caf\xe9\n")

    assert "not UTF-8" in str(load_error(spec))


def test_duplicate_key_is_refused(spec: Path) -> None:
    edit(spec, "owner: Ines Varga (director)\n", "owner: Ines Varga (director)\nowner: Someone\n")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "owner: Someone"), "owner")
    assert f"written twice in this mapping (first on line {line_of(spec, 'owner: Ines')})" in str(
        error
    )


def test_several_problems_give_the_first_and_a_count(spec: Path) -> None:
    edit(spec, "slug: wasteland-villa", "slug: Wasteland Villa")
    edit(spec, "crossfade_s: 0.4", "crossfade_s: soft")

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "slug: Wasteland Villa"), "slug")
    assert str(error).endswith("(and 1 more)")


@pytest.mark.parametrize(
    ("old", "new", "field", "says"),
    [
        ("schema: shortfilm/1", "schema: shortfilm/9", "schema", "this version of shortfilm"),
        ("slug: wasteland-villa", "slug: wasteland_villa", "slug", "is not a slug"),
        ("campaign_role: top-of-funnel", "campaign_role: viral", "campaign_role", "'hook'"),
        ("role: main", "role: hero", "board.characters[0].role", "'main' or 'side'"),
        ("'#1f4e79'", "'#1f4e7'", "board.style.palette[1]", "write it as #rrggbb"),
        ("duration_s: 12.5", "duration_s: 0", "clips[0].duration_s", "greater than 0"),
        ("timing_s: 4.5", "timing_s: -1", "clips[0].shots[0].timing_s", "greater than 0"),
        ("end_s: 7", "end_s: 3", "edit.captions[0].end_s", "must be after start_s (3.5)"),
        ("kind: impact", "kind: boom", "edit.sfx[2].kind", "'impact', 'whoosh' or 'ambience'"),
        (
            "continues_previous: true",
            "continues_previous: maybe",
            "clips[2].continues_previous",
            "expected true or false",
        ),
        ("title: Wasteland Villa", "title: 2049", "title", "expected text, got number 2049"),
        ("title: Wasteland Villa", "title: '  '", "title", "must not be blank"),
    ],
)
def test_bad_values_name_their_field(spec: Path, old: str, new: str, field: str, says: str) -> None:
    edit(spec, old, new)

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, new.strip()), field)
    assert says in str(error)


def test_more_than_six_shots_is_a_schema_error(spec: Path) -> None:
    shot = (
        "      - camera: wide\n        movement: static\n        subject: the road\n"
        "        action: Dust drifts.\n"
    )
    edit(
        spec, "    sound_rule: Wind, distant surf", shot * 4 + "    sound_rule: Wind, distant surf"
    )

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "shots:"), "clips[0].shots")
    assert "allows at most 6 items, got 7" in str(error)


def test_a_missing_section_points_at_its_parent(spec: Path) -> None:
    text = spec.read_text()
    start = text.index("  characters:\n")
    end = text.index("  environment:\n")
    spec.write_text(text[:start] + text[end:])

    error = load_error(spec)

    assert_points_at(error, spec, line_of(spec, "board:"), "board.characters")
    assert "field required" in str(error)


def test_prompt_blocks_being_drafted_load_blank_and_round_trip(spec: Path) -> None:
    # Prompt quality is judged by `shortfilm lint`, so a draft with gaps still loads: here the
    # world is written with no value, style, consistency and negative rules are left out.
    text = spec.read_text()
    cut = [("  world: >-\n", "  characters:\n"), ("  style:\n", "  references:\n")]
    for first, after in cut:
        text = text[: text.index(first)] + text[text.index(after) :]
    spec.write_text(text.replace("board:\n", "board:\n  world:\n", 1))
    edit(spec, "    sound_rule: Wind, distant surf and servo whine only. No music, no voice.\n", "")
    edit(spec, "        movement: static\n", "        movement: ''\n")
    edit(spec, "      outfit: Off-white linen shirt, wide straw hat.\n", "      outfit:\n")

    production = load_spec(spec)

    board = production.board
    assert board.world == ""
    assert board.style == Style() and board.consistency == () and board.negative == ()
    assert board.characters[2].outfit == ""
    assert production.clips[0].sound_rule == ""
    assert production.clips[0].shots[1].movement == ""
    out = spec.with_name("exported.yaml")
    dump_spec(production, out)
    assert load_spec(out) == production


# -- the example's drawn reference images -----------------------------------------------------


def test_example_refs_are_what_the_drawing_code_makes(tmp_path: Path) -> None:
    drawn = draw_example_refs(tmp_path)

    assert [p.name for p in drawn] == list(EXAMPLE_REFS)
    for path in drawn:
        shipped = example_dir() / "refs" / path.name
        with Image.open(path) as new, Image.open(shipped) as old:
            assert new.size == (1280, 720)
            differ = np.any(np.asarray(new) != np.asarray(old), axis=-1)
            # the drawing is exact; only the palette's hex labels go through the font
            # rasteriser, whose anti-aliasing moves a few edge pixels between Pillow releases
            assert differ.mean() < 1e-4, f"{path.name}: {differ.mean():.2e} of pixels differ"


def test_each_ref_looks_unlike_the_others() -> None:
    """(bench/example_refs.py times the drawing against loading the shipped file.)"""
    images: dict[str, np.ndarray[Any, Any]] = {}
    for name, draw in EXAMPLE_REFS.items():
        images[name] = np.asarray(draw().convert("HSV"), dtype=np.float32)
    # PySceneDetect's content detector cuts at a mean HSV difference of 27; stay well above.
    for a, b in itertools.combinations(images, 2):
        assert np.abs(images[a] - images[b]).mean() > 50, (a, b)
