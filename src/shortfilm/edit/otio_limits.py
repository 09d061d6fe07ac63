"""What an imported ``.otio`` file may hold, checked before and after OpenTimelineIO reads it.

OpenTimelineIO's reader recurses in C++, so a file is measured (size, nesting, objects) before
the reader sees it (:func:`read_otio`). After reading, every value shortfilm uses is checked
here, so that a hand-edited or hostile ``.otio`` gives one line naming the file and the field
instead of a traceback or an absurd edit.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from shortfilm.edit.otio_mapping import otio_api
from shortfilm.errors import InputError

MAX_OTIO_BYTES = 4 * 1024 * 1024
"""Largest ``.otio`` file :func:`read_otio` reads (bytes). A short film's timeline is tens of
kilobytes (an NLE's metadata adds a few per clip); 16 MiB of tiny objects took OpenTimelineIO's
reader about 470 MB and seconds."""

MAX_OTIO_CONTAINERS = 50_000
"""Most JSON objects and arrays an ``.otio`` file may hold, counted before it is parsed: what the
reader's memory grows with (about 700 bytes each). A clip is about fifteen."""

MAX_OTIO_DEPTH = 64
"""Deepest nesting of JSON objects and arrays accepted. A timeline shortfilm writes nests about
ten levels; OpenTimelineIO's reader recurses once per level in C++, so a file nested tens of
thousands of levels deep crashes the process instead of raising an error."""

MAX_OTIO_ITEMS = 2_000
"""Most items (clips, transitions, gaps, markers, audio clips) an imported timeline may hold
per track and on its markers: a short film has tens; thousands only slow every later render."""

MAX_TEXT_CHARS = 1_000
"""Longest text a marker may put on screen (characters)."""

RATE_RANGE = (Fraction(1), Fraction(240))
"""Frame rates accepted from an imported timeline (frames per second)."""

MAX_FILM_SECONDS = 3 * 3600
"""Longest position or length in an imported timeline (seconds): a bound far above any short
film, so that a duration of 1e300 is refused instead of becoming an edit nobody can render."""

GAIN_RANGE_DB = (-96.0, 24.0)
"""Gains accepted from an imported timeline's metadata (dB): quieter is silence, louder only
clips."""

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A JSON string. The closing quote is optional so that a match never fails once started: an
unterminated string runs to the end of the data (as it does for a parser, which stops there),
and no input makes the search backtrack (a required quote made ``"\\"\\"...`` quadratic)."""
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = (0, 1, -1)


class JsonShape(NamedTuple):
    depth: int
    """How deeply objects and arrays nest (0: a bare value)."""
    containers: int
    """How many objects and arrays there are."""


def json_shape(data: bytes) -> JsonShape:
    """How deeply JSON ``data`` nests objects and arrays, and how many it holds, counted without
    recursion or parsing.

    Brackets inside strings do not count (escaped quotes are handled); for text that is not
    valid JSON the depth is at least the depth a parser reaches before it stops. Linear time:
    two regular-expression and translation passes, then one sum over the brackets.
    """
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    steps = brackets.translate(_BRACKETS)  # 1: opens a level, 2: closes one
    depth = max(accumulate(map(_STEP.__getitem__, steps)), default=0)
    return JsonShape(depth, steps.count(1))


def read_otio(path: Path) -> Any:
    """The ``otio.schema.Timeline`` in the ``.otio`` file at ``path``.

    :class:`InputError` naming the file when it is missing, over :data:`MAX_OTIO_BYTES`, nested
    deeper than :data:`MAX_OTIO_DEPTH`, holding more than :data:`MAX_OTIO_CONTAINERS` objects and
    arrays, not OpenTimelineIO JSON, or holds something other than one timeline. Size, depth and
    count are checked before OpenTimelineIO's reader sees the file.
    """
    otio = otio_api()
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_OTIO_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(raw) > MAX_OTIO_BYTES:
        raise InputError(f"{path}: over {MAX_OTIO_BYTES:,} bytes, too large for a timeline")
    shape = json_shape(raw)
    if shape.depth > MAX_OTIO_DEPTH:
        raise InputError(
            f"{path}: nested {shape.depth} levels deep; a timeline nests at most {MAX_OTIO_DEPTH}"
        )
    if shape.containers > MAX_OTIO_CONTAINERS:
        raise InputError(
            f"{path}: {shape.containers} JSON objects and arrays; a timeline holds at most "
            f"{MAX_OTIO_CONTAINERS}"
        )
    try:
        text = raw.decode("utf-8")
        data = otio.adapters.read_from_string(text, adapter_name="otio_json")
    except (ValueError, KeyError, TypeError, otio.exceptions.OTIOError) as exc:
        # the reader raises KeyError for a missing field, TypeError for a value it cannot take
        raise InputError(f"{path}: not an OpenTimelineIO file ({exc})") from exc
    if isinstance(data, otio.schema.SerializableCollection):
        found = [x for x in data if isinstance(x, otio.schema.Timeline)]
        data = found[0] if len(found) == 1 else data
    if not isinstance(data, otio.schema.Timeline):
        raise InputError(f"{path}: holds {type(data).__name__}, not one OpenTimelineIO timeline")
    return data


# Every value read from a file is checked here, so that a hand-edited or hostile ``.otio``
# gives one line naming the file and the field instead of a traceback or an absurd edit.


def field_error(file: Path, where: str, what: str) -> InputError:
    return InputError(f"{file}: {where}: {what}")


def checked_number(value: Any, file: Path, where: str, low: float, high: float) -> float:
    """``value`` as a finite number within ``low``..``high`` (a bool or a string is refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field_error(file, where, f"must be a number, got {value!r:.40}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise field_error(file, where, f"must be {low:g} to {high:g}, got {value!r:.40}")
    return number


def checked_whole(value: Any, file: Path, where: str, low: int, high: int) -> int:
    """``value`` as a whole number within ``low``..``high``."""
    number = checked_number(value, file, where, low, high)
    if number != int(number):
        raise field_error(file, where, f"must be a whole number, got {value!r:.40}")
    return int(number)


def checked_string(value: Any, file: Path, where: str, limit: int = MAX_TEXT_CHARS) -> str:
    if not isinstance(value, str):
        raise field_error(file, where, f"must be text, got {value!r:.40}")
    if len(value) > limit:
        raise field_error(file, where, f"is over {limit} characters")
    return value


def checked_flag(value: Any, file: Path, where: str) -> bool:
    if not isinstance(value, bool):
        raise field_error(file, where, f"must be true or false, got {value!r:.40}")
    return value


def max_frames(rate: Fraction) -> int:
    return math.ceil(MAX_FILM_SECONDS * rate)


def checked_time(time: Any, rate: Fraction, file: Path, where: str, *, length: bool = False) -> int:
    """An OTIO time as whole frames at ``rate``, within :data:`MAX_FILM_SECONDS` (a length
    must also be >= 0)."""
    if time is None:
        raise field_error(file, where, "is missing")
    value, own_rate = float(time.value), float(time.rate)
    if not math.isfinite(own_rate) or own_rate <= 0:
        raise field_error(file, where, f"has a rate of {own_rate:g}; a rate is above 0")
    frames = value * float(rate) / own_rate if math.isfinite(value) else value
    bound = max_frames(rate)
    if not math.isfinite(frames) or not (0 if length else -bound) <= frames <= bound:
        low = "0" if length else f"-{MAX_FILM_SECONDS} s"
        raise field_error(
            file, where, f"must be {low} to {MAX_FILM_SECONDS} s, got {value:g} frames"
        )
    return round(frames)


def checked_rate(value: Any, file: Path, where: str) -> Fraction:
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError
        rate = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
        rate = rate.limit_denominator(1001) if isinstance(value, float) else rate
    except (ValueError, ZeroDivisionError, OverflowError):
        raise field_error(file, where, f"is not a frame rate: {value!r:.40}") from None
    low, high = RATE_RANGE
    if not low <= rate <= high or rate.denominator > 1001:
        raise field_error(
            file, where, f"must be {low} to {high} frames per second, got {value!r:.40}"
        )
    return rate


def checked_count(items: list[Any], file: Path, where: str) -> list[Any]:
    if len(items) > MAX_OTIO_ITEMS:
        raise field_error(
            file, where, f"{len(items)} items, more than the {MAX_OTIO_ITEMS} accepted"
        )
    return items
