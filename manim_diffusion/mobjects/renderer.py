"""Both renderers: the classes and Bezier layouts of the renderer in use (Cairo or OpenGL).

Manim swaps a class's ``Mobject`` / ``VMobject`` base for its OpenGL twin when the
renderer is OpenGL (its ``ConvertToOpenGL`` metaclass), but only for classes made with
that metaclass: ``VMobject(...)`` itself stays a Cairo mobject, which an OpenGL
``VGroup`` refuses. The library therefore builds its paths as :class:`VPath`, writes
their points through :func:`native_points` / :func:`segment_points` (Cairo's curves are
cubic, OpenGL's quadratic), and draws its RGBA images as :class:`ImageLayer`, an
``AbstractImageMobject`` under Cairo and a textured quad under OpenGL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import moderngl
import numpy as np
from manim import VMobject, config
from manim.constants import RendererType
from manim.mobject.opengl.opengl_compatibility import ConvertToOpenGL
from manim.mobject.opengl.opengl_mobject import OpenGLMobject
from manim.mobject.types.image_mobject import AbstractImageMobject
from manim.renderer.opengl_renderer import OpenGLRenderer
from manim.renderer.shader_wrapper import ShaderWrapper
from manim.utils.config_ops import _Data
from manim.utils.paths import straight_path
from PIL.Image import Resampling

from . import cairo_images  # noqa: F401  (pastes aligned image layers under Cairo)

__all__ = ["ImageLayer", "VPath", "is_opengl", "native_points", "segment_points"]

SHADER_FOLDER = Path(__file__).parent / "shaders" / "rgba_image"


def is_opengl() -> bool:
    """Whether Manim renders with OpenGL now (``--renderer=opengl``)."""
    return bool(config.renderer == RendererType.OPENGL)


class VPath(VMobject, metaclass=ConvertToOpenGL):
    """A plain vectorized path of the renderer in use (``VMobject`` or ``OpenGLVMobject``).

    Parameters
    ----------
    kwargs
        Style keywords of :class:`~manim.VMobject` (``stroke_color``, ``fill_opacity``...).

    Examples
    --------
    .. manim:: VPathExample
        :save_last_frame:

        from manim_diffusion.mobjects.renderer import VPath, segment_points

        class VPathExample(Scene):
            def construct(self):
                zigzag = np.array([[x, (-1) ** i, 0] for i, x in enumerate(range(-4, 5))])
                path = VPath(stroke_color=YELLOW, stroke_width=6)
                path.set_points(segment_points(zigzag[:-1], zigzag[1:]))
                self.add(path)
    """


def segment_points(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Bezier points of straight segments ``starts[k] -> ends[k]`` in the renderer's layout.

    Parameters
    ----------
    starts, ends
        Scene points ``(K, 3)``.

    Returns
    -------
    np.ndarray
        ``(K * 4, 3)`` under Cairo (cubic curves), ``(K * 3, 3)`` under OpenGL (quadratic).

    Examples
    --------
    .. manim:: SegmentPointsExample
        :save_last_frame:

        from manim_diffusion.mobjects.renderer import VPath, segment_points

        class SegmentPointsExample(Scene):
            def construct(self):
                a = np.array([[-3, -1, 0], [-3, 1, 0]])
                b = np.array([[3, -1, 0], [3, 1, 0]])
                self.add(VPath(stroke_color=TEAL).set_points(segment_points(a, b)))
    """
    p0 = np.asarray(starts, dtype=np.float64)
    p1 = np.asarray(ends, dtype=np.float64)
    if is_opengl():
        parts = [p0, (p0 + p1) / 2, p1]
    else:
        parts = [p0, (2 * p0 + p1) / 3, (p0 + 2 * p1) / 3, p1]
    return np.stack(parts, axis=1).reshape(-1, 3)


def native_points(cubic: np.ndarray, pieces: int = 4) -> np.ndarray:
    """Cubic Bezier points (four a curve, as Cairo's ``VMobject``) in the renderer's layout.

    Under Cairo they come back as they are; under OpenGL each cubic is cut into
    ``pieces`` parts, each drawn as one quadratic (its control point the mid-point
    approximation ``(3 (h0 + h1) - (a0 + a1)) / 4`` of the part): exact for straight
    segments, within about 0.5% of a curve's size for an S-shaped cubic at 4 pieces.

    Parameters
    ----------
    cubic
        ``(K * 4, 3)`` points: anchor, handle, handle, anchor of each curve.
    pieces
        Quadratics per cubic under OpenGL.

    Examples
    --------
    .. manim:: NativePointsExample
        :save_last_frame:

        from manim_diffusion.mobjects.renderer import VPath, native_points

        class NativePointsExample(Scene):
            def construct(self):
                cubic = np.array([[-3, 0, 0], [-1, 3, 0], [1, -3, 0], [3, 0, 0]], float)
                self.add(VPath(stroke_color=YELLOW).set_points(native_points(cubic)))
    """
    pts = np.asarray(cubic, dtype=np.float64).reshape(-1, 3)
    if not is_opengl() or len(pts) == 0:
        return pts
    if len(pts) % 4:
        raise ValueError(f"cubic Bezier points come four a curve, got {len(pts)} points")
    if pieces < 1:
        raise ValueError(f"pieces must be at least 1, got {pieces}")
    a0, h0, h1, a1 = (pts[i::4][:, None, :] for i in range(4))  # (K, 1, 3)
    t = np.linspace(0.0, 1.0, pieces + 1)[None, :, None]  # (1, pieces + 1, 1)
    s = 1 - t
    at = s**3 * a0 + 3 * s**2 * t * h0 + 3 * s * t**2 * h1 + t**3 * a1
    slope = 3 * (s**2 * (h0 - a0) + 2 * s * t * (h1 - h0) + t**2 * (a1 - h1)) / (3 * pieces)
    c0, c3 = at[:, :-1], at[:, 1:]
    c1, c2 = c0 + slope[:, :-1], c3 - slope[:, 1:]
    control = (3 * (c1 + c2) - (c0 + c3)) / 4
    return np.stack([c0, control, c3], axis=2).reshape(-1, 3)


# ---------------------------------------------------------------- OpenGL images
_original_get_texture_id = OpenGLRenderer.get_texture_id


def _get_texture_id(renderer: OpenGLRenderer, path: str) -> int:
    """Manim's texture look-up, which also knows the live textures of image layers."""
    layer = _LIVE_LAYERS.get(path)
    if layer is None:
        return _original_get_texture_id(renderer, path)
    image, linear = layer
    textures: dict[str, moderngl.Texture] = renderer.__dict__.setdefault(
        "_manim_diffusion_textures", {})
    h, w = image.shape[:2]
    texture = textures.get(path)
    tid = renderer.path_to_texture_id.get(path, len(renderer.path_to_texture_id))
    if texture is None or texture.size != (w, h):
        if texture is not None:
            texture.release()
        texture = renderer.context.texture((w, h), 4, np.ascontiguousarray(image).tobytes())
        texture.repeat_x = texture.repeat_y = False
        mode = moderngl.LINEAR if linear else moderngl.NEAREST
        texture.filter = (mode, mode)
        texture.use(location=tid)
        textures[path] = texture
        renderer.path_to_texture_id[path] = tid
    else:
        texture.write(np.ascontiguousarray(image).tobytes())
    return tid


OpenGLRenderer.get_texture_id = _get_texture_id  # type: ignore[method-assign,assignment]
_LIVE_LAYERS: dict[str, tuple[np.ndarray, bool]] = {}


class _Corners(_Data):  # not _Data[...]: manim < 0.20's _Data is not generic
    """OpenGL's ``points`` data that also marks the cached bounding boxes stale.

    OpenGL mobjects cache their bounding box; image layers move their corners by
    assigning ``points``, which would leave ``next_to`` / ``arrange`` a stale box.
    """

    def __set__(self, obj: Any, array: np.ndarray) -> None:
        super().__set__(obj, array)
        if "parents" in obj.__dict__:
            obj.refresh_bounding_box()


_STRAIGHT = straight_path()


class _OpenGLImage(OpenGLMobject):
    """The OpenGL side of :class:`ImageLayer`: a quad on ``points[:3]`` showing the image."""

    points = _Corners()
    shader_folder = str(SHADER_FOLDER)
    shader_dtype = [("point", np.float32, (3,)), ("im_coords", np.float32, (2,)),
                    ("opacity", np.float32, (1,))]

    def __init__(self, scale_to_resolution: int, pixel_array_dtype: str = "uint8",
                 resampling_algorithm: Resampling = Resampling.BICUBIC, **kwargs: Any) -> None:
        self.pixel_array_dtype = pixel_array_dtype
        self.scale_to_resolution = scale_to_resolution
        self.resampling_algorithm = resampling_algorithm
        kept = self.__dict__.get("opacity")  # OpenGLMobject sets its own default
        super().__init__(**kwargs)
        if kept is not None:
            self.opacity = kept

    def get_pixel_array(self) -> np.ndarray:
        raise NotImplementedError

    def init_points(self) -> Any:
        return self.reset_points()

    def reset_points(self) -> Any:
        """The four corners of the image, centred, sized as Cairo's image mobjects are."""
        self.points = np.array([[-1, 1, 0], [1, 1, 0], [-1, -1, 0], [1, -1, 0]], dtype=float)
        h, w = self.get_pixel_array().shape[:2]
        height = h / self.scale_to_resolution * config.frame_height
        self.stretch_to_fit_height(height)
        self.stretch_to_fit_width(height * w / h)
        return self

    def interpolate(self, mobject1: Any, mobject2: Any, alpha: float,
                    path_func: Any = _STRAIGHT) -> Any:
        """OpenGL's interpolation of the corners, then the layer's own ``interpolate_color``.

        Cairo's ``Mobject.interpolate`` calls ``interpolate_color`` (where image layers
        interpolate their opacity, so ``FadeIn`` / ``FadeOut`` fade them); OpenGL's does not.
        """
        super().interpolate(mobject1, mobject2, alpha, path_func)
        own = getattr(self, "interpolate_color", None)
        if own is not None:
            own(mobject1, mobject2, alpha)
        return self

    def set_resampling_algorithm(self, resampling_algorithm: int) -> Any:
        self.resampling_algorithm = Resampling(resampling_algorithm)
        return self

    def get_shader_wrapper_list(self) -> list[ShaderWrapper]:
        image = np.asarray(self.get_pixel_array())  # may move the corners: read them after
        corners = np.asarray(self.points, dtype=np.float64)
        if len(corners) < 3 or image.size == 0 or not np.isfinite(corners).all():
            return []
        ul, ur, dl = corners[:3]
        data = np.zeros(4, dtype=self.shader_dtype)
        data["point"] = [ul, ur, dl, ur + dl - ul]
        data["im_coords"] = [(0, 0), (1, 0), (0, 1), (1, 1)]
        data["opacity"] = 1.0
        key = f"manim-diffusion-layer-{id(self)}"
        rgba = image if image.ndim == 3 and image.shape[2] == 4 else _to_rgba(image)
        linear = self.resampling_algorithm != Resampling.NEAREST
        _LIVE_LAYERS[key] = (rgba.astype(np.uint8, copy=False), linear)
        return [ShaderWrapper(vert_data=data, vert_indices=[0, 1, 2, 1, 3, 2],
                              shader_folder=self.shader_folder, texture_paths={"Texture": key},
                              uniforms=dict(self.uniforms), depth_test=False,
                              render_primitive=moderngl.TRIANGLES)]


def _to_rgba(image: np.ndarray) -> np.ndarray:
    """A grey (H, W) or RGB (H, W, 3) image as opaque RGBA."""
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    alpha = np.full((*image.shape[:2], 1), 255, dtype=image.dtype)
    return np.concatenate([image[..., :3], alpha], axis=2)


class ImageLayer(AbstractImageMobject):
    """An RGBA image mobject for both renderers: Cairo's ``AbstractImageMobject`` or a quad.

    Subclasses give :meth:`get_pixel_array` and place the image through their
    ``points`` (upper-left, upper-right and lower-left corners first, as Cairo's camera
    reads them). Under OpenGL the class's base becomes a textured quad whose texture
    is the pixel array, uploaded again each frame it is drawn.

    Parameters
    ----------
    scale_to_resolution
        As for :class:`~manim.AbstractImageMobject`.
    kwargs
        Passed to the base class.

    Examples
    --------
    .. manim:: ImageLayerExample
        :save_last_frame:

        from manim_diffusion.mobjects.renderer import ImageLayer

        class Checks(ImageLayer):
            def __init__(self):
                super().__init__(scale_to_resolution=config.pixel_height)

            def get_pixel_array(self):
                ij = np.indices((8, 8)).sum(axis=0) % 2
                return np.where(ij[..., None] == 1, [240, 200, 60, 255], [30, 60, 160, 255]
                                ).astype(np.uint8)

        class ImageLayerExample(Scene):
            def construct(self):
                self.add(Checks().set(height=5))
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> ImageLayer:
        base = _OpenGLImage if is_opengl() else AbstractImageMobject
        if ImageLayer.__bases__ != (base,):
            ImageLayer.__bases__ = (base,)
        return super().__new__(cls)
