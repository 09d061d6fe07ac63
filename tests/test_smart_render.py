"""Review drafts: untouched stretches of same-format takes are copied, the rest encoded.

The takes are real H.264 files made with ffmpeg (moving test pattern, a tone, an IDR frame every
second) in exactly the preset's format, so most of each take can be copied. The draft is checked
against the normal render of the same plan frame by frame: same length, same pictures at every
join (no black, repeated or shifted frame), sound as long as picture, and the copied packets are
the take's own bytes.
"""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from render_plans import spec_plan

from shortfilm.domain.production import (
    Caption,
    EditIntent,
    SoundEffectCue,
    SoundKind,
    TitleCard,
    TransitionKind,
)
from shortfilm.domain.timeline import Timeline
from shortfilm.domain.timeline_parts import Segment, TextItem, TextKind, Transition
from shortfilm.media.draft_plan import DraftPlan, plan_draft, stream_matches, take_packets
from shortfilm.media.ffmpeg import run_ffmpeg
from shortfilm.media.film import RenderPlan
from shortfilm.media.presets import Preset
from shortfilm.media.probe import probe
from shortfilm.media.render import render
from shortfilm.media.smart_render import render_draft
from shortfilm.media.verify import verify

pytestmark = pytest.mark.media

W, H, FPS = 320, 576, 24
PRESET = Preset("draft-test", W, H)


def _take(dest: Path, pattern: str, tone: int) -> Path:
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"{pattern}=size={W}x{H}:rate={FPS}:duration=4",
            "-f", "lavfi", "-i", f"sine=frequency={tone}:sample_rate=48000:duration=4",
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0",
            "-c:a", "aac", "-ac", "2", "-ar", "48000", "-shortest", dest,
        ],
        what="test take",
    )  # fmt: skip
    return dest


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> tuple[RenderPlan, DraftPlan, Path, Path]:
    """The plan, its draft plan, the draft and the normal render."""
    work = tmp_path_factory.mktemp("smart")
    clips = [
        _take(work / "a.mp4", "testsrc2", 330),
        _take(work / "b.mp4", "testsrc2", 440),
        _take(work / "c.mp4", "testsrc2", 550),
    ]
    intent = EditIntent(
        crossfade_s=0.5,
        title_card=TitleCard("Draft", "", 1.0),
        captions=(Caption("A caption", 5.0, 6.0),),
        sfx=(SoundEffectCue(SoundKind.WHOOSH, 2.0),),
    )
    plan = spec_plan(clips, intent, rate=Fraction(FPS))
    draft = render_draft(plan, PRESET, work / "draft.mp4", work / "draft-work")
    full = render(plan, PRESET, work / "full.mp4", work / "full-work")
    return plan, plan_draft(plan, PRESET), draft.path, full.path


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="gray").astype(np.int16) for f in c.decode(video=0)]


def _slices(payload: bytes) -> bytes:
    """The packet without in-band parameter sets (SPS 7, PPS 8), which joining may add."""
    out, at = b"", 0
    while at + 4 <= len(payload):
        size = int.from_bytes(payload[at : at + 4], "big")
        if payload[at + 4] & 0x1F not in (7, 8):
            out += payload[at : at + 4 + size]
        at += 4 + size
    return out


def _packet_hashes(path: Path, first: int, end: int) -> list[str]:
    """sha256 of each video packet showing frames ``[first, end)``, in presentation order."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        packets = [(p.pts, bytes(p)) for p in c.demux(stream) if p.pts is not None and p.size]
    packets.sort()
    return [hashlib.sha256(_slices(data)).hexdigest() for _, data in packets[first:end]]


def test_same_format_takes_are_copyable(films: tuple[RenderPlan, DraftPlan, Path, Path]) -> None:
    plan, draft, _, _ = films
    for clip in plan.clips:
        assert stream_matches(probe(clip), PRESET, Fraction(FPS))
        assert take_packets(clip).keyframes[:3] == (0, 24, 48)
    starts = [p.start for p in draft.pieces]
    ends = [p.end for p in draft.pieces]
    assert starts[0] == 0 and ends[-1] == draft.timeline.total_frames
    assert starts[1:] == ends[:-1]
    # most of the film is copied, and every copy starts on an IDR frame of its take
    assert draft.copied_frames > draft.timeline.total_frames // 2
    for piece in draft.pieces:
        if piece.copy is not None:
            assert piece.copy.source_start % FPS == 0


def test_draft_has_every_frame_and_matches_the_full_render(
    films: tuple[RenderPlan, DraftPlan, Path, Path],
) -> None:
    _, draft, draft_path, full_path = films
    total = draft.timeline.total_frames
    got, want = _frames(draft_path), _frames(full_path)
    assert len(got) == len(want) == total
    info = probe(draft_path)
    assert abs(info.duration_s - total / FPS) <= 1 / FPS
    # every frame is the full render's frame (x264 noise only): no shift, black or repeat
    diffs = [float(np.abs(a - b).mean()) for a, b in zip(got, want, strict=True)]
    assert max(diffs) < 4.0, max(diffs)
    for piece in draft.pieces[1:]:
        j = piece.start
        assert float(got[j].mean()) > 20  # not black
        # the film's frame j, not its neighbour: no repeated or skipped frame at the join
        assert float(np.abs(got[j] - want[j]).mean()) < float(np.abs(got[j] - want[j - 1]).mean())


def test_copied_spans_are_the_takes_own_packets(
    films: tuple[RenderPlan, DraftPlan, Path, Path],
) -> None:
    plan, draft, draft_path, _ = films
    copies = [p.copy for p in draft.pieces if p.copy is not None]
    assert copies
    for span in copies:
        source = _packet_hashes(plan.clips[span.clip], span.source_start, span.source_end)
        output = _packet_hashes(draft_path, span.start, span.end)
        assert output == source


def test_sound_is_as_long_as_picture(films: tuple[RenderPlan, DraftPlan, Path, Path]) -> None:
    _, draft, draft_path, _ = films
    with av.open(str(draft_path)) as c:
        audio = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(audio))
    film_s = draft.timeline.total_frames / FPS
    # AAC priming/padding aside, the sound runs the film's length
    assert abs(samples / 48_000 - film_s) <= 1 / FPS + 2048 / 48_000


# --- a timeline that exercises every kind of join, retimed and foreign takes, irregular GOPs ---


def _foreign_take(dest: Path) -> Path:
    """16:9 at 30 fps, mono: another format, never copied (it is fitted and re-timed)."""
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", "testsrc=size=320x180:rate=30:duration=3",
            "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100:duration=3",
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-ac", "1", "-shortest", dest,
        ],
        what="foreign take",
    )  # fmt: skip
    return dest


def _one_gop_take(dest: Path) -> Path:
    """The preset's format with x264's default GOP: one IDR frame for the whole take."""
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=size={W}x{H}:rate={FPS}:duration=4",
            "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
            "-sc_threshold", "0", "-an", dest,
        ],
        what="one-GOP take",
    )  # fmt: skip
    return dest


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RenderPlan, DraftPlan, Path, Path]:
    """Title card, a dip, a slide, a whip and a cut; a retimed take, a foreign one, one with a
    single GOP; a hook, a caption across a copy's edge and a lower third."""
    work = tmp_path_factory.mktemp("smart-mixed")
    a = _take(work / "a.mp4", "testsrc2", 330)
    b = _take(work / "b.mp4", "smptebars", 440)
    foreign = _foreign_take(work / "f.mp4")
    single = _one_gop_take(work / "s.mp4")
    r = Fraction(FPS)
    segments = (
        Segment(1, 1, 1, "", 10, 90),
        Segment(2, 1, 2, "", 0, 96),
        Segment(3, 1, 3, "", 0, 72, speed=2.0),
        Segment(4, 1, 4, "", 0, 96, speed=0.5),
        Segment(5, 1, 5, "", 5, 96),
        Segment(6, 1, 6, "", 0, 96),
    )
    joins = (
        Transition(TransitionKind.CROSSFADE, 6),
        Transition(TransitionKind.DIP, 8),
        Transition(TransitionKind.SLIDE, 6, "up"),
        Transition(TransitionKind.WHIP, 6, "right"),
        Transition(TransitionKind.CUT, 0),
        Transition(TransitionKind.CUT, 0),
    )
    texts = (
        TextItem(TextKind.TITLE_CARD, "Mixed", 0, 24),
        TextItem(TextKind.HOOK, "Watch", 20, 40),
        TextItem(TextKind.CAPTION, "Across a copy", 130, 150),
        TextItem(TextKind.LOWER_THIRD, "Single GOP", 420, 440),
    )
    timeline = Timeline(r, segments, joins, texts)
    plan = RenderPlan(timeline, [a, b, foreign, a, single, b])
    draft = render_draft(plan, PRESET, work / "draft.mp4", work / "draft-work")
    full = render(plan, PRESET, work / "full.mp4", work / "full-work")
    return plan, plan_draft(plan, PRESET), draft.path, full.path


def test_mixed_draft_copies_only_what_it_may(
    mixed: tuple[RenderPlan, DraftPlan, Path, Path],
) -> None:
    plan, draft, _, _ = mixed
    copied = {p.copy.clip for p in draft.pieces if p.copy is not None}
    # the foreign take and the retimed one are encoded; the single-GOP take is trimmed past its
    # only IDR frame, so nothing of it can be copied either
    assert copied == {0, 1, 5}
    assert take_packets(plan.clips[4]).keyframes == (0,)


def test_mixed_draft_matches_the_full_render_and_passes_its_checks(
    mixed: tuple[RenderPlan, DraftPlan, Path, Path],
) -> None:
    plan, draft, draft_path, full_path = mixed
    tl = draft.timeline
    got, want = _frames(draft_path), _frames(full_path)
    assert len(got) == len(want) == tl.total_frames
    diffs = [float(np.abs(a - b).mean()) for a, b in zip(got, want, strict=True)]
    assert max(diffs) < 4.0, (int(np.argmax(diffs)), max(diffs))
    checked = verify(draft_path, PRESET, duration=tl.duration, fps=tl.fps, lufs=plan.loudness_lufs)
    assert checked.passed, checked.reasons
    assert checked.measured["video_frames"] == tl.total_frames
