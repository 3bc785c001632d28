"""Generate the brand artwork for the Tesla Powerwall 3 custom integration.

The artwork is original: a slim wall-battery cabinet with a vertical light
strip, standing in front of a sun. It is drawn with Pillow at four times the
output size and downsampled with LANCZOS for anti-aliasing, so the output is
deterministic for a given Pillow version.

Run it from the repository root::

    .venv/bin/python scripts/make_brand.py

It writes ``icon.png`` (256x256), ``icon@2x.png`` (512x512), ``logo.png``
(height 128) and ``logo@2x.png`` (height 256) into
``custom_components/tesla_powerwall3/brand/``.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

BRAND_DIR = (
    Path(__file__).resolve().parent.parent
    / "custom_components"
    / "tesla_powerwall3"
    / "brand"
)

SUPERSAMPLE = 4
"""Drawing happens at this multiple of the output size."""

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)

type RGBA = tuple[int, int, int, int]
type Box = tuple[float, float, float, float]

# Palette: mid-tone outlines and a light body read on both light and dark UIs.
SUN: RGBA = (255, 179, 0, 255)
SUN_RAY: RGBA = (255, 160, 0, 255)
BODY: RGBA = (246, 248, 250, 255)
BODY_SIDE: RGBA = (214, 221, 226, 255)
OUTLINE: RGBA = (69, 90, 100, 255)
STRIP: RGBA = (0, 200, 83, 255)
TEXT: RGBA = (96, 125, 139, 255)
TEXT_ACCENT: RGBA = (255, 160, 0, 255)
CLEAR: RGBA = (0, 0, 0, 0)

# Layout in unit coordinates of a square canvas (0..1).
SUN_CENTRE = (0.64, 0.355)
SUN_RADIUS = 0.18
RAY_INNER = 0.245
RAY_OUTER = 0.31
RAY_WIDTH = 0.05
RAY_COUNT = 8
CABINET: Box = (0.1, 0.16, 0.47, 0.97)
CABINET_RADIUS = 0.085
CABINET_STROKE = 0.03
CABINET_GAP = 0.04
SIDE_FRACTION = 0.26
STRIP_WIDTH = 0.042
STRIP_SPAN = (0.2, 0.62)


def _scale(box: Box, size: int) -> tuple[int, int, int, int]:
    """Convert a unit box into pixel coordinates on a ``size`` square."""
    x0, y0, x1, y1 = box
    return (
        round(x0 * size),
        round(y0 * size),
        round(x1 * size),
        round(y1 * size),
    )


def _grow(box: Box, amount: float) -> Box:
    """Grow a unit box by ``amount`` on every side."""
    x0, y0, x1, y1 = box
    return (x0 - amount, y0 - amount, x1 + amount, y1 + amount)


def _inside(point: tuple[float, float], box: Box) -> bool:
    """Tell whether a unit point lies inside a unit box."""
    x, y = point
    x0, y0, x1, y1 = box
    return x0 <= x <= x1 and y0 <= y <= y1


def _draw_sun(size: int) -> Image.Image:
    """Draw the sun disc and its rounded rays on a transparent layer."""
    layer = Image.new("RGBA", (size, size), CLEAR)
    draw = ImageDraw.Draw(layer)
    cx, cy = SUN_CENTRE
    radius = SUN_RADIUS
    draw.ellipse(
        _scale((cx - radius, cy - radius, cx + radius, cy + radius), size),
        fill=SUN,
    )
    half = RAY_WIDTH / 2
    hidden = _grow(CABINET, CABINET_GAP)
    for index in range(RAY_COUNT):
        angle = 2 * math.pi * index / RAY_COUNT
        dx, dy = math.cos(angle), math.sin(angle)
        start = (cx + dx * RAY_INNER, cy + dy * RAY_INNER)
        end = (cx + dx * RAY_OUTER, cy + dy * RAY_OUTER)
        if _inside(start, hidden) or _inside(end, hidden):
            # A ray the cabinet would clip reads as a stray sliver: skip it.
            continue
        draw.line(
            [
                (round(start[0] * size), round(start[1] * size)),
                (round(end[0] * size), round(end[1] * size)),
            ],
            fill=SUN_RAY,
            width=round(RAY_WIDTH * size),
        )
        for px, py in (start, end):
            draw.ellipse(
                _scale((px - half, py - half, px + half, py + half), size),
                fill=SUN_RAY,
            )
    return layer


def _rounded_mask(size: int, box: Box, radius: float) -> Image.Image:
    """Return an ``L`` mask of a rounded rectangle."""
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        _scale(box, size), radius=round(radius * size), fill=255
    )
    return mask


def _draw_cabinet(size: int) -> Image.Image:
    """Draw the wall-battery cabinet on a transparent layer."""
    layer = Image.new("RGBA", (size, size), CLEAR)
    x0, y0, x1, y1 = CABINET
    inner = _grow(CABINET, -CABINET_STROKE)
    outer_mask = _rounded_mask(size, CABINET, CABINET_RADIUS)
    inner_mask = _rounded_mask(size, inner, CABINET_RADIUS - CABINET_STROKE)

    # Outline, then the two-tone body (front face and a shaded side panel).
    layer.paste(OUTLINE, (0, 0), outer_mask)
    body = Image.new("RGBA", (size, size), BODY)
    split = x0 + (x1 - x0) * SIDE_FRACTION
    ImageDraw.Draw(body).rectangle(_scale((0.0, 0.0, split, 1.0), size), BODY_SIDE)
    layer.paste(body, (0, 0), inner_mask)

    # The vertical light strip, centred on the sunlit front face.
    strip_x = (split + x1) / 2
    height = y1 - y0
    strip: Box = (
        strip_x - STRIP_WIDTH / 2,
        y0 + height * STRIP_SPAN[0],
        strip_x + STRIP_WIDTH / 2,
        y0 + height * STRIP_SPAN[1],
    )
    ImageDraw.Draw(layer).rounded_rectangle(
        _scale(strip, size), radius=round(STRIP_WIDTH * size / 2), fill=STRIP
    )
    return layer


def _draw_mark(size: int) -> Image.Image:
    """Compose sun and cabinet with a transparent gap separating them."""
    sun = _draw_sun(size)
    gap = _rounded_mask(size, _grow(CABINET, CABINET_GAP), CABINET_RADIUS + CABINET_GAP)
    sun.putalpha(ImageChops.subtract(sun.getchannel("A"), gap))
    return Image.alpha_composite(sun, _draw_cabinet(size))


def _trim(image: Image.Image) -> Image.Image:
    """Crop an RGBA image to the bounding box of its visible pixels."""
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        msg = "nothing was drawn"
        raise RuntimeError(msg)
    return image.crop(bbox)


def _square(image: Image.Image) -> Image.Image:
    """Centre an image on the smallest transparent square that holds it."""
    side = max(image.size)
    canvas = Image.new("RGBA", (side, side), CLEAR)
    canvas.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return canvas


def render_icon(size: int) -> Image.Image:
    """Render the square icon at ``size`` pixels, trimmed and centred."""
    big = _square(_trim(_draw_mark(size * SUPERSAMPLE)))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def _load_font(pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Load DejaVu Sans Bold if installed, else Pillow's default font."""
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), pixels)
    return ImageFont.load_default(size=pixels)


def render_logo(height: int) -> Image.Image:
    """Render the landscape logo (mark plus wordmark) at ``height`` pixels."""
    big_height = height * SUPERSAMPLE
    mark = _trim(_draw_mark(big_height * 2))
    mark = mark.resize(
        (round(mark.width * big_height / mark.height), big_height),
        Image.Resampling.LANCZOS,
    )

    font = _load_font(round(big_height * 0.46))
    words = ("Powerwall", " 3")
    colours = (TEXT, TEXT_ACCENT)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1), CLEAR))
    full = "".join(words)
    left, top, right, bottom = probe.textbbox((0, 0), full, font=font)
    text_size = (math.ceil(right - left), math.ceil(bottom - top))
    text_layer = Image.new("RGBA", text_size, CLEAR)
    draw = ImageDraw.Draw(text_layer)
    cursor = float(-left)
    for word, colour in zip(words, colours, strict=True):
        draw.text((cursor, -top), word, font=font, fill=colour)
        cursor += draw.textlength(word, font=font)

    gap = round(big_height * 0.16)
    width = mark.width + gap + text_layer.width
    canvas = Image.new("RGBA", (width, big_height), CLEAR)
    canvas.paste(mark, (0, 0))
    canvas.alpha_composite(
        text_layer, (mark.width + gap, (big_height - text_layer.height) // 2)
    )
    canvas = _trim(canvas)
    return canvas.resize(
        (round(canvas.width * height / canvas.height), height),
        Image.Resampling.LANCZOS,
    )


def _save(image: Image.Image, name: str) -> None:
    """Write an optimized RGBA PNG into the brand directory."""
    path = BRAND_DIR / name
    image.convert("RGBA").save(path, format="PNG", optimize=True)
    print(f"wrote {path} {image.width}x{image.height}")


def main() -> None:
    """Render every brand image."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    _save(render_icon(256), "icon.png")
    _save(render_icon(512), "icon@2x.png")
    _save(render_logo(128), "logo.png")
    _save(render_logo(256), "logo@2x.png")


if __name__ == "__main__":
    main()
