"""Small files whose headers claim huge media: what a hostile upload looks like, made in
milliseconds and a few kilobytes (never decoded in full by the tests, on any code).

- :func:`png_claiming`: a PNG whose IHDR states any size, with a few rows of real pixel data.
- :func:`mp4_claiming`: a real H.264 MP4 (moov at the end) whose sequence parameter set, the
  header every decoder sizes its frames from, is rewritten to state any size (a multiple of 16).
- :func:`long_video`: a real video, tiny in pixels, that runs as long as asked.
- :func:`streamed_mkv`: a Matroska file written to a pipe, so its header states no length.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

from shortfilm.media.ffmpeg import ffmpeg_exe, run_ffmpeg


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(path: Path, width: int, height: int, *, rows: int = 4) -> Path:
    """A PNG stating ``width`` x ``height`` (RGB, 8 bit) that holds ``rows`` rows of pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\0" + b"\x40" * (3 * width) for _ in range(rows))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path


# H.264 ------------------------------------------------------------------------------------------


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.bits = "".join(f"{b:08b}" for b in data)
        self.pos = 0

    def u(self, n: int) -> int:
        value = int(self.bits[self.pos : self.pos + n], 2)
        self.pos += n
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bits[self.pos] == "0":
            zeros += 1
            self.pos += 1
        return self.u(zeros + 1) - 1


def _ue(value: int) -> str:
    code = f"{value + 1:b}"
    return "0" * (len(code) - 1) + code


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _escape(rbsp: bytes) -> bytes:
    out = bytearray()
    zeros = 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def _resized_sps(nal: bytes, width: int, height: int) -> bytes:
    """A baseline-profile SPS NAL unit stating ``width`` x ``height`` (multiples of 16), no
    cropping, everything else as it was."""
    rbsp = _unescape(nal[1:])
    bits = _Bits(rbsp)
    profile = bits.u(8)
    assert profile == 66, "make the source with -profile:v baseline"
    bits.u(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    bits.ue()  # log2_max_frame_num_minus4
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.u(1)
        bits.ue()
        bits.ue()
        for _ in range(bits.ue()):
            bits.ue()
    bits.ue()  # max_num_ref_frames
    bits.u(1)  # gaps_in_frame_num_value_allowed_flag
    head = bits.bits[: bits.pos]
    bits.ue()
    bits.ue()
    frame_mbs_only = bits.u(1)
    assert frame_mbs_only == 1
    direct_8x8 = bits.u(1)
    if bits.u(1):  # frame cropping: dropped
        for _ in range(4):
            bits.ue()
    rest = bits.bits[bits.pos :]
    stop = rest.rstrip("0")  # the rbsp stop bit is the last 1
    body = head + _ue(width // 16 - 1) + _ue(height // 16 - 1) + "1" + str(direct_8x8) + "0"
    body += stop
    body += "0" * (-len(body) % 8)
    out = int(body, 2).to_bytes(len(body) // 8, "big")
    return nal[:1] + _escape(out)


_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"avc1"}
_SKIP = {b"stsd": 8, b"avc1": 78}
"""Bytes of fields before the child boxes of these boxes."""


def _boxes(data: bytes) -> list[tuple[bytes, bytes]]:
    out, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        out.append((kind, data[at + 8 : at + size]))
        at += size
    return out


def _rewrite(data: bytes, width: int, height: int, sar: tuple[int, int] | None) -> bytes:
    out = b""
    for kind, body in _boxes(data):
        if kind == b"avcC":
            body = _rewrite_avcc(body, width, height)
        elif kind in _CONTAINERS:
            skip = _SKIP.get(kind, 0)
            fields = body[:skip]
            if kind == b"avc1":
                fields = fields[:24] + struct.pack(">HH", width, height) + fields[28:]
            body = fields + _rewrite(body[skip:], width, height, sar)
            if kind == b"avc1" and sar is not None:  # the container's pixel shape
                body += struct.pack(">I4sII", 16, b"pasp", *sar)
        out += struct.pack(">I4s", len(body) + 8, kind) + body
    return out


def _rewrite_avcc(body: bytes, width: int, height: int) -> bytes:
    count = body[5] & 0x1F
    at, out = 6, bytearray(body[:6])
    for _ in range(count):
        (length,) = struct.unpack(">H", body[at : at + 2])
        sps = _resized_sps(body[at + 2 : at + 2 + length], width, height)
        out += struct.pack(">H", len(sps)) + sps
        at += 2 + length
    return bytes(out) + body[at:]


def mp4_claiming(
    path: Path,
    width: int,
    height: int,
    *,
    frames: int = 2,
    sar: tuple[int, int] | None = None,
) -> Path:
    """An MP4 of ``frames`` real 32x32 H.264 frames whose SPS states ``width`` x ``height``
    and, with ``sar``, a ``pasp`` box saying each pixel is shown ``sar[0]:sar[1]`` wide.

    The moov box comes last (no faststart), so resizing it moves no sample offsets."""
    small = path.with_name(f"{path.stem}-source.mp4")
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=size=32x32:rate=2:duration={frames / 2}",
            "-c:v", "libx264", "-profile:v", "baseline", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", str(small),
        ],
        what="a crafted take",
    )  # fmt: skip
    path.write_bytes(_rewrite(small.read_bytes(), width, height, sar))
    small.unlink()
    return path


def long_video(path: Path, seconds: float, *, rate: str = "1") -> Path:
    """A real 16x16 H.264 video of ``seconds`` at ``rate`` frames a second: long, yet tiny."""
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"testsrc2=size=16x16:rate={rate}:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
        ],
        what="a long take",
    )  # fmt: skip
    return path


def streamed_mkv(path: Path, frames: int) -> Path:
    """A Matroska video of ``frames`` 16x16 frames written to a pipe: no duration, no index,
    nothing in its header says how long it is (as a live recording or a cut download)."""
    done = subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size=16x16:rate=25:duration={frames / 25}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-f", "matroska", "pipe:1",
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip
    path.write_bytes(done.stdout)
    return path
