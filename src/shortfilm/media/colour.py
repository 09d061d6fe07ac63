"""Colour science the analysis needs: sRGB to CIELAB and the CIEDE2000 colour difference.

CIELAB (D65 white) is used because distances in it follow what people see far better than RGB
distances do; CIEDE2000 (ΔE00) corrects the remaining non-uniformity (blues, greys, saturated
colours). Rules of thumb for ΔE00: below 1 nobody sees a difference, 2-3 is visible side by side,
above 10 two colours are plainly different.

Colours people write (a board's palette, ``#rrggbb``) are read by :func:`parse_hex`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

RGB = tuple[int, int, int]


def rgb_to_lab(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """8-bit sRGB pixels (any shape ending in 3) as CIELAB: L 0..100, a and b about -128..127."""
    import cv2

    flat = np.ascontiguousarray(rgb, dtype=np.uint8).reshape(-1, 1, 3)
    lab = cv2.cvtColor(flat.astype(np.float32) / np.float32(255.0), cv2.COLOR_RGB2Lab)
    return np.asarray(lab, dtype=np.float64).reshape(*rgb.shape[:-1], 3)


def ciede2000(lab1: NDArray[np.float64], lab2: NDArray[np.float64]) -> NDArray[np.float64]:
    """CIEDE2000 difference between CIELAB colours (arrays ending in 3, broadcast together).

    Follows Sharma, Wu and Dalal (2005), "The CIEDE2000 colour-difference formula: implementation
    notes", including its hue-angle conventions; kL = kC = kH = 1.
    """
    l1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    l2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0
    c_bar7 = c_bar**7
    g = 0.5 * (1.0 - np.sqrt(c_bar7 / (c_bar7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    chroma_zero = (c1p * c2p) == 0.0

    dl = l2 - l1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(chroma_zero, 0.0, dh)
    dh_big = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2.0)

    l_bar = (l1 + l2) / 2.0
    cp_bar = (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(
        np.abs(h1p - h2p) <= 180.0,
        h_sum / 2.0,
        np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
    )
    h_bar = np.where(chroma_zero, h_sum, h_bar)
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    cp_bar7 = cp_bar**7
    r_c = 2.0 * np.sqrt(cp_bar7 / (cp_bar7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * cp_bar
    s_h = 1.0 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c
    tl, tc, th = dl / s_l, dc / s_c, dh_big / s_h
    return np.asarray(np.sqrt(tl**2 + tc**2 + th**2 + r_t * tc * th), dtype=np.float64)


def parse_hex(colour: str) -> RGB:
    """``#rrggbb`` / ``rrggbb`` / ``#rgb`` as an (r, g, b) triple; ``ValueError`` otherwise."""
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"not a hex colour: {colour!r}")
    value = int(text, 16)
    return ((value >> 16) & 255, (value >> 8) & 255, value & 255)
