"""Draw the AutoSimNet app icon with Pillow and write the PNG sizes, .ico and .icns: python resources/icons/make_icons.py"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
MASTER = 1024
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
NAVY, BLUE, AMBER, WHITE = (28, 58, 140), (34, 120, 214), (255, 196, 61), (255, 255, 255)


def _gradient(size: int) -> Image.Image:
    """A top-left to bottom-right blue gradient."""
    row = Image.linear_gradient("L").resize((size, size))  # 0 at the top, 255 at the bottom
    ramp = Image.blend(row, row.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT), 0.5)
    return Image.composite(Image.new("RGB", (size, size), NAVY), Image.new("RGB", (size, size), BLUE), ramp)


def _tile(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], kind: str) -> None:
    """A white photo card with a small product silhouette on it."""
    x0, y0, x1, y1 = box
    w = x1 - x0
    draw.rounded_rectangle(box, radius=w * 0.14, fill=WHITE)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    u = w / 10
    if kind == "shirt":  # a T-shirt
        draw.polygon([(cx - 1.4 * u, cy - 2.6 * u), (cx - 3.4 * u, cy - 1.6 * u), (cx - 2.6 * u, cy - 0.2 * u),
                      (cx - 1.8 * u, cy - 0.6 * u), (cx - 1.8 * u, cy + 2.8 * u), (cx + 1.8 * u, cy + 2.8 * u),
                      (cx + 1.8 * u, cy - 0.6 * u), (cx + 2.6 * u, cy - 0.2 * u), (cx + 3.4 * u, cy - 1.6 * u),
                      (cx + 1.4 * u, cy - 2.6 * u), (cx, cy - 1.8 * u)], fill=NAVY)
    elif kind == "dress":  # a dress
        draw.polygon([(cx - 1.0 * u, cy - 3.0 * u), (cx + 1.0 * u, cy - 3.0 * u), (cx + 1.3 * u, cy - 0.6 * u),
                      (cx + 2.8 * u, cy + 3.0 * u), (cx - 2.8 * u, cy + 3.0 * u), (cx - 1.3 * u, cy - 0.6 * u)],
                     fill=BLUE)
    else:  # a bag
        draw.rounded_rectangle((cx - 2.8 * u, cy - 1.0 * u, cx + 2.8 * u, cy + 3.0 * u), radius=0.8 * u, fill=NAVY)
        draw.arc((cx - 1.6 * u, cy - 3.2 * u, cx + 1.6 * u, cy + 0.4 * u), 180, 360, fill=NAVY, width=round(0.6 * u))


def draw_icon(size: int = MASTER) -> Image.Image:
    """The master icon: photo cards on a blue rounded square, a magnifier finding a match."""
    s = size
    icon = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0.04 * s, 0.04 * s, 0.96 * s, 0.96 * s), radius=0.2 * s, fill=255)
    icon.paste(_gradient(s), (0, 0), mask)
    draw = ImageDraw.Draw(icon)
    gap, t = 0.05 * s, 0.25 * s
    left, top = 0.17 * s, 0.17 * s
    _tile(draw, (left, top, left + t, top + t), "shirt")
    _tile(draw, (left + t + gap, top, left + 2 * t + gap, top + t), "dress")
    _tile(draw, (left, top + t + gap, left + t, top + 2 * t + gap), "bag")
    # The magnifier sits where the fourth card would be: "the one that matches".
    cx, cy, r = 0.63 * s, 0.63 * s, 0.165 * s
    handle = 0.075 * s
    draw.line((cx + 0.6 * r, cy + 0.6 * r, 0.84 * s, 0.84 * s), fill=WHITE, width=round(handle))
    draw.ellipse((0.84 * s - handle / 2, 0.84 * s - handle / 2, 0.84 * s + handle / 2, 0.84 * s + handle / 2),
                 fill=WHITE)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=AMBER, outline=WHITE, width=round(0.05 * s))
    _check = [(cx - 0.45 * r, cy + 0.02 * r), (cx - 0.1 * r, cy + 0.38 * r), (cx + 0.5 * r, cy - 0.32 * r)]
    draw.line(_check, fill=NAVY, width=round(0.16 * r), joint="curve")
    return icon


def main() -> None:
    """Write autosimnet-<size>.png for each size, autosimnet.png (256), autosimnet.ico and autosimnet.icns."""
    master = draw_icon(MASTER * 2).resize((MASTER, MASTER), Image.Resampling.LANCZOS)  # 2x supersampling
    for size in PNG_SIZES:
        master.resize((size, size), Image.Resampling.LANCZOS).save(HERE / f"autosimnet-{size}.png", optimize=True)
    master.resize((256, 256), Image.Resampling.LANCZOS).save(HERE / "autosimnet.png", optimize=True)
    master.save(HERE / "autosimnet.ico", sizes=ICO_SIZES)
    master.save(HERE / "autosimnet.icns")


if __name__ == "__main__":
    main()
