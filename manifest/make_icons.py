"""Draw the two Teams app icons: a speech bubble with a tick (a dispute answered and resolved).

Dev-time only (needs Pillow); the PNGs it writes are committed. Run from the repository root:
``.venv/bin/python manifest/make_icons.py``. Shapes are drawn at 8x and box-averaged down:
smooth edges without the ringing halo a sharper filter leaves on the transparent background.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
SCALE = 8
ACCENT = (0x1D, 0x4F, 0x91)  # the manifest's accentColor
TICK = (0x1B, 0x7F, 0x5B)  # green: resolved
WHITE = (255, 255, 255)

Point = tuple[float, float]
Bubble = tuple[Point, Point, float]  # top-left, bottom-right, corner radius

# Geometry in icon pixels: bubble box, corner radius, tail triangle, tick polyline, tick width.
COLOR_SIZE = 192
COLOR_BUBBLE: Bubble = ((46, 50), (146, 124), 24)
COLOR_TAIL = ((64, 118), (58, 148), (94, 118))
COLOR_TICK = ((72, 88), (90, 106), (122, 72))
COLOR_TICK_WIDTH = 13

OUTLINE_SIZE = 32
OUTLINE_BUBBLE: Bubble = ((3, 4), (29, 23), 5)
OUTLINE_TAIL = ((7, 21), (6, 29), (14, 21))
OUTLINE_TICK = ((10.5, 13.5), (14, 17), (21.5, 9.5))
OUTLINE_TICK_WIDTH = 2.4
OUTLINE_STROKE = 2.2


def _scaled(points: tuple[Point, ...]) -> list[Point]:
    return [(x * SCALE, y * SCALE) for x, y in points]


def _bubble_mask(size: int, bubble: Bubble, tail: tuple[Point, ...]) -> Image.Image:
    """The filled bubble (rounded box plus tail) as a mask at SCALE times ``size``."""
    (x0, y0), (x1, y1), radius = bubble
    mask = Image.new("L", (size * SCALE, size * SCALE), 0)
    draw = ImageDraw.Draw(mask)
    box = (x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE)
    draw.rounded_rectangle(box, radius=radius * SCALE, fill=255)
    draw.polygon(_scaled(tail), fill=255)
    return mask


def _tick_mask(size: int, points: tuple[Point, ...], width: float) -> Image.Image:
    """The tick as a round-capped polyline mask at SCALE times ``size``."""
    mask = Image.new("L", (size * SCALE, size * SCALE), 0)
    draw = ImageDraw.Draw(mask)
    scaled = _scaled(points)
    stroke = round(width * SCALE)
    draw.line(scaled, fill=255, width=stroke, joint="curve")
    for x, y in (scaled[0], scaled[-1]):
        half = stroke / 2
        draw.ellipse((x - half, y - half, x + half, y + half), fill=255)
    return mask


def _erode(mask: Image.Image, pixels: int) -> Image.Image:
    for _ in range(pixels):
        mask = mask.filter(ImageFilter.MinFilter(3))
    return mask


def _down(image: Image.Image, size: int) -> Image.Image:
    return image.resize((size, size), Image.Resampling.BOX)


def color_icon() -> Image.Image:
    """192x192 full colour: white bubble with a green tick on the accent blue."""
    big = COLOR_SIZE * SCALE
    icon = Image.new("RGB", (big, big), ACCENT)
    icon.paste(WHITE, mask=_bubble_mask(COLOR_SIZE, COLOR_BUBBLE, COLOR_TAIL))
    icon.paste(TICK, mask=_tick_mask(COLOR_SIZE, COLOR_TICK, COLOR_TICK_WIDTH))
    return _down(icon, COLOR_SIZE)


def outline_icon() -> Image.Image:
    """32x32 white on transparent: the bubble's outline and the tick."""
    filled = _bubble_mask(OUTLINE_SIZE, OUTLINE_BUBBLE, OUTLINE_TAIL)
    ring = ImageChops.subtract(filled, _erode(filled, round(OUTLINE_STROKE * SCALE)))
    tick = _tick_mask(OUTLINE_SIZE, OUTLINE_TICK, OUTLINE_TICK_WIDTH)
    alpha = _down(ImageChops.lighter(ring, tick), OUTLINE_SIZE)
    icon = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    icon.putalpha(alpha)
    return icon


def main() -> None:
    """Write color.png and outline.png beside this script."""
    color_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
