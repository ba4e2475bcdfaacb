"""paint_quads: quads in pixels, far to near, painted into one RGBA image with pycairo."""

from __future__ import annotations

import cairo
import numpy as np

__all__ = ["paint_quads", "pixel_box"]

#: Pixels each quad grows by, so antialiased neighbours leave no seam between them.
GROW = 0.6


def pixel_box(pixels: np.ndarray, pw: int, ph: int) -> tuple[int, int, int, int] | None:
    """The frame pixels ``(x0, y0, w, h)`` that points cover, plus a margin, or ``None``.

    Parameters
    ----------
    pixels
        Points in frame pixels, ``(M, 2)``.
    pw, ph
        The frame's width and height in pixels (the box is clipped to it).

    Examples
    --------
    .. manim:: PixelBoxExample
        :save_last_frame:

        import numpy as np
        from manim_diffusion.mobjects.quad_paint import pixel_box

        class PixelBoxExample(Scene):
            def construct(self):
                box = pixel_box(np.array([[100.0, 50.0], [300.5, 220.0]]), 854, 480)
                self.add(Text(f"x0, y0, w, h = {box}", font_size=32))
    """
    lo = np.maximum(np.floor(pixels.min(axis=0)) - 2, 0).astype(int)
    hi = np.minimum(np.ceil(pixels.max(axis=0)) + 2, [pw, ph]).astype(int)
    if (hi <= lo).any():
        return None
    return int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1])



def paint_quads(
    quads: np.ndarray,
    rgb: np.ndarray,
    size: tuple[int, int],
    stroke_px: float = 0.0,
    stroke_rgba: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0),
    opacity: float = 1.0,
) -> np.ndarray:
    """Fill quads in drawing order (far first) into one straight-alpha RGBA image.

    The painter's algorithm for a surface of many small faces, at a few microseconds
    a face: each quad is filled antialiased and grown by :data:`GROW` pixels, so
    neighbours overlap a little and no background shows along their shared edges.

    Parameters
    ----------
    quads
        Corners in image pixels, in order around each quad, ``(F, 4, 2)``.
    rgb
        Fill colours in ``[0, 1]``, ``(F, 3)``.
    size
        ``(width, height)`` of the image in pixels.
    stroke_px
        Width of each quad's outline in pixels (0: none), drawn over the quad and under
        the quads drawn after it.
    stroke_rgba
        The outline's colour and opacity.
    opacity
        Multiplies the alpha of the whole image.

    Returns
    -------
    np.ndarray
        ``uint8`` RGBA of shape ``(height, width, 4)``.

    Examples
    --------
    .. manim:: PaintQuadsExample
        :save_last_frame:

        import numpy as np
        from manim_diffusion.mobjects.quad_paint import paint_quads

        class PaintQuadsExample(Scene):
            def construct(self):
                quads = np.array([[[20, 20], [180, 40], [160, 170], [30, 150]],
                                  [[90, 80], [260, 90], [250, 230], [100, 220]]], float)
                image = paint_quads(quads, np.array([[0.2, 0.5, 1.0], [1.0, 0.7, 0.2]]),
                                    (280, 250), stroke_px=2, stroke_rgba=(1, 1, 1, 1))
                self.add(ImageMobject(image).set(height=5))
    """
    w, h = size
    surface = cairo.ImageSurface(cairo.FORMAT_ARGB32, w, h)
    ctx = cairo.Context(surface)
    spoke = quads - quads.mean(axis=1, keepdims=True)  # centre to corner
    quads = quads + GROW * spoke / np.maximum(np.linalg.norm(spoke, axis=2, keepdims=True),
                                               1e-9)
    mesh = stroke_px > 0 and stroke_rgba[3] > 0
    ctx.set_line_width(stroke_px)
    move_to, line_to, close, source, fill = (ctx.move_to, ctx.line_to, ctx.close_path,
                                             ctx.set_source_rgb, ctx.fill)
    faces = np.concatenate([quads.reshape(-1, 8), rgb], axis=1).tolist()
    for x0, y0, x1, y1, x2, y2, x3, y3, r, g, b in faces:
        move_to(x0, y0)
        line_to(x1, y1)
        line_to(x2, y2)
        line_to(x3, y3)
        close()
        source(r, g, b)
        if mesh:  # the face's mesh lines, over it and under nearer faces
            ctx.fill_preserve()
            ctx.set_source_rgba(*stroke_rgba)
            ctx.stroke()
        else:
            fill()
    surface.flush()
    bgra = np.ndarray((h, surface.get_stride() // 4, 4), np.uint8, surface.get_data())[:, :w]
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., :3] = bgra[..., 2::-1]  # opaque fills: premultiplied equals straight
    alpha = bgra[..., 3]
    part = (alpha > 0) & (alpha < 255)
    if part.any():  # antialiased mesh edges: undo the premultiplication
        out[part, :3] = np.minimum(bgra[part, 2::-1] * (255.0 / alpha[part, None]), 255)
    out[..., 3] = alpha if opacity >= 1 else np.rint(alpha * opacity).astype(np.uint8)
    return out
