"""Board rules (B1xx): the asset board is a production brief, not a caption.

The workflow's first failure point is "weak asset planning": a board that does not show the
character, side roles, environment and style clearly leaves too much to text prompts. Each rule
here is one block of the asset prompt structure (World, Characters, Environment, Style,
Consistency, Negative rules) or one detail of it that later clips depend on.
"""

from __future__ import annotations

from collections.abc import Iterator

from shortfilm.domain.production import AssetBoard, CharacterRole, Style
from shortfilm.prompts.lint.findings import Severity
from shortfilm.prompts.lint.registry import Hit, LintContext, production_rule

ERROR, WARNING = Severity.ERROR, Severity.WARNING


def _blank(text: str) -> bool:
    return not text.strip()


_STYLE_PARTS = ("camera", "lighting", "texture", "realism")
"""The style's written parts; a palette alone does not make a style block."""


def _has_block(board: AssetBoard, block: str) -> bool:
    """Whether the board writes anything in ``block`` (an :class:`AssetBoard` field name).

    Text counts when it is not blank, a list when it is not empty, and the style when any of its
    written parts is not blank: the one test of presence every "the board has no ..." rule uses.
    """
    value = getattr(board, block)
    if isinstance(value, Style):
        return not all(_blank(getattr(value, part)) for part in _STYLE_PARTS)
    if isinstance(value, str):
        return not _blank(value)
    return bool(value)


_REQUIRED_BLOCKS = (  # code, rule name, board block, summary
    ("B101", "board-no-world", "world", "The board has no world block."),
    ("B102", "board-no-characters", "characters", "The board lists no characters."),
    ("B104", "board-no-environment", "environment", "The board has no environment views."),
    ("B105", "board-no-style", "style", "The board has no style block at all."),
    ("B110", "board-no-consistency", "consistency", "The board has no consistency rules."),
    ("B111", "board-no-negative", "negative", "The board has no negative rules."),
)
"""The blocks of the asset prompt that must be there at all; each is one error rule."""

_MISSING_BLOCK = {  # board block -> (message, fix)
    "world": (
        "the board has no world: genre, location, era, atmosphere and colour tone are unset",
        "write the world in 2-4 sentences: where, when, what genre, what light and colour",
    ),
    "characters": (
        "the board lists no characters, so every clip invents its people from text",
        "add the main character (role: main) and each side role with outfit and silhouette",
    ),
    "environment": (
        "the board has no environment views, so each clip rebuilds the location from text",
        "add the key locations (exterior views, the places action happens) with a reference",
    ),
    "style": (
        "the board has no style: camera, lighting, texture and realism are all unset",
        "write each: camera feel (e.g. 35 mm handheld), lighting, texture, realism level",
    ),
    "consistency": (
        "the board has no consistency rules: nothing says what must stay identical per clip",
        "add lines such as 'match the reference images for faces, outfits and palette'",
    ),
    "negative": (
        "the board has no negative rules: unwanted styles, extra people and wrong settings "
        "are allowed",
        "add exclusions such as 'no game-CG look', 'no extra people', 'no city skyline'",
    ),
}


def _register_missing_block(code: str, name: str, block: str, summary: str) -> None:
    """Register the rule that reports ``board.<block>`` once when the block is not there."""
    message, fix = _MISSING_BLOCK[block]

    @production_rule(code, name, ERROR, summary)
    def check(ctx: LintContext) -> Iterator[Hit]:
        if not _has_block(ctx.production.board, block):
            yield Hit(("board", block), message, fix)


for _row in _REQUIRED_BLOCKS:
    _register_missing_block(*_row)


@production_rule("B103", "board-no-main-character", ERROR, "No character has role: main.")
def no_main_character(ctx: LintContext) -> Iterator[Hit]:
    characters = ctx.production.board.characters
    if characters and not any(c.role is CharacterRole.MAIN for c in characters):
        names = ", ".join(c.name for c in characters)
        yield Hit(
            ("board", "characters"),
            f"no main character: every character is a side role ({names})",
            "set role: main on the character the film follows; the others stay side",
        )


def _style_part(ctx: LintContext, part: str, what: str, example: str) -> Iterator[Hit]:
    board = ctx.production.board
    if not _has_block(board, "style"):
        return  # B105 reports the whole block once
    if _blank(getattr(board.style, part)):
        yield Hit(
            ("board", "style", part),
            f"the style has no {part}: {what} will change from clip to clip",
            f"write the {part}, e.g. {example!r}",
        )


@production_rule("B106", "style-no-camera", ERROR, "The style block has no camera feel.")
def style_no_camera(ctx: LintContext) -> Iterator[Hit]:
    yield from _style_part(
        ctx, "camera", "lens, rig and camera feel", "35 mm handheld, eye level, no drone shots"
    )


@production_rule("B107", "style-no-lighting", ERROR, "The style block has no lighting.")
def style_no_lighting(ctx: LintContext) -> Iterator[Hit]:
    yield from _style_part(
        ctx, "lighting", "light direction and contrast", "hard late sun from camera left"
    )


@production_rule("B108", "style-no-texture", ERROR, "The style block has no texture.")
def style_no_texture(ctx: LintContext) -> Iterator[Hit]:
    yield from _style_part(
        ctx, "texture", "grain and surface detail", "fine film grain, dust, real skin pores"
    )


@production_rule("B109", "style-no-realism", WARNING, "The style block has no realism level.")
def style_no_realism(ctx: LintContext) -> Iterator[Hit]:
    yield from _style_part(
        ctx, "realism", "the look (live action or render)", "cinematic realism, no game-CG look"
    )


def _character_field(ctx: LintContext, field: str, what: str, hint: str) -> Iterator[Hit]:
    for index, character in enumerate(ctx.production.board.characters):
        if _blank(getattr(character, field)):
            yield Hit(
                ("board", "characters", index, field),
                f"{character.name} has no {field}: {what}",
                hint.format(name=character.name),
            )


@production_rule("B112", "character-no-outfit", ERROR, "A character has no outfit.")
def character_no_outfit(ctx: LintContext) -> Iterator[Hit]:
    yield from _character_field(
        ctx,
        "outfit",
        "clothes and colours will drift between clips",
        "write {name}'s outfit: garments, colours, materials, what is worn where",
    )


@production_rule("B113", "character-no-silhouette", ERROR, "A character has no silhouette.")
def character_no_silhouette(ctx: LintContext) -> Iterator[Hit]:
    yield from _character_field(
        ctx,
        "silhouette",
        "the shape that must read in wide shots is unset",
        "write the outline {name} makes at 10% of frame height: build, hem, what sticks out",
    )


@production_rule("B114", "character-no-description", WARNING, "A character has no description.")
def character_no_description(ctx: LintContext) -> Iterator[Hit]:
    yield from _character_field(
        ctx,
        "description",
        "age, build, face and manner are unset",
        "describe {name}: age, build, face, hair, how they move",
    )


@production_rule(
    "B115", "main-character-no-reference", WARNING, "The main character has no reference image."
)
def main_character_no_reference(ctx: LintContext) -> Iterator[Hit]:
    for index, character in enumerate(ctx.production.board.characters):
        if character.role is CharacterRole.MAIN and not character.reference:
            yield Hit(
                ("board", "characters", index, "reference"),
                f"main character {character.name} has no reference image; reference mode "
                "has nothing to hold the face to",
                "generate or draw the character sheet and set reference: refs/<name>.png",
            )
