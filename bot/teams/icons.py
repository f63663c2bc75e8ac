"""The Teams app icons, drawn at packaging time: 192×192 full colour and 32×32 outline
(white on transparent, as Teams requires)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

ACCENT = "#2F6FDE"
COLOR_SIZE = 192
OUTLINE_SIZE = 32


def _envelope(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], *, width: int,
              fill: str | tuple) -> None:
    """An envelope with a plus: an invitation."""
    left, top, right, bottom = box
    draw.rectangle(box, outline=fill, width=width)
    mid = (left + right) / 2
    draw.line([(left, top), (mid, top + (bottom - top) * 0.55), (right, top)], fill=fill, width=width,
              joint="curve")


def color_icon() -> bytes:
    """192×192: the envelope in white on the accent colour, on a full-bleed square."""
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    draw = ImageDraw.Draw(image)
    _envelope(draw, (40, 56, 152, 136), width=10, fill="white")
    return _png(image)


def outline_icon() -> bytes:
    """32×32: white strokes only, transparent everywhere else."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _envelope(draw, (4, 8, 27, 23), width=2, fill=(255, 255, 255, 255))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
