"""LatentMNISTPanel with a synthetic decoder: frames, decoded images, decode caching, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames
from manim import RIGHT, UP, ManimColor, Scene, ValueTracker, linear, tempconfig

from manim_diffusion.apps.mnist.ink import ink_rgba
from manim_diffusion.apps.mnist.panel import MNIST_PALETTE, LatentMNISTPanel, toy_latent_digits
from manim_diffusion.core.trajectory import Trajectory


@pytest.fixture(autouse=True)
def small_frame():
    """A 480p frame for every test here."""
    with tempconfig({"pixel_width": 854, "pixel_height": 480, "frame_rate": 15}):
        yield


class CountingDecoder:
    """Wraps a decoder and records every latent it was asked for."""

    def __init__(self, decode) -> None:
        self.decode = decode
        self.seen: list[np.ndarray] = []

    def __call__(self, z: np.ndarray) -> np.ndarray:
        self.seen.append(np.array(z, dtype=np.float32))
        return self.decode(z)

    @property
    def rows(self) -> np.ndarray:
        return np.concatenate(self.seen) if self.seen else np.zeros((0, 2), np.float32)


@pytest.fixture(scope="module")
def toy():
    return toy_latent_digits(n=1500, classes=[2, 5, 8], steps=30, seed=1)


# --------------------------------------------------------------------- frames
@pytest.mark.parametrize("t", [0.35, 1.0])
def test_latent_panel_frames(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        toy = toy_latent_digits(n=1500, classes=[2, 5, 8], steps=30, seed=1)
        panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory,
                                 time=ValueTracker(t), strip=True, size=5.0)
        scene.add(panel.center())

    check_frames(request, tmp_path, construct)


def test_latent_panel_manifold_frame(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    def construct(scene: Scene) -> None:
        toy = toy_latent_digits(n=1500, classes=[0, 6], steps=30, seed=1)
        panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory, time=0.7,
                                 manifold=True, manifold_config={"tiles": 12}, size=5.0,
                                 digit_config={"labels": ["class 0", "class 6"]})
        scene.add(panel.center())

    check_frames(request, tmp_path, construct)


# ------------------------------------------------------------------ behaviour
def test_shown_digits_are_the_decoded_interpolated_points(toy) -> None:
    t = ValueTracker(0.0)
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory, time=t)
    th, tw = 28, 28
    for value in (0.0, 0.37, 0.5, 0.9133, 1.0):  # between rows and on rows
        t.set_value(value)
        panel.update()
        z = toy.trajectory.at(value).astype(np.float32)
        np.testing.assert_array_equal(panel.latent_points(), z)
        expected = toy.decode(z)
        np.testing.assert_allclose(panel.decoded_images(), expected, atol=1e-6)
        sheet = panel.digits.get_pixel_array()
        for i in range(3):  # the pixels drawn in each tile of the one sheet image
            y, x = panel.digits._origin(i)
            np.testing.assert_array_equal(sheet[y:y + th, x:x + tw],
                                          ink_rgba(expected[i], panel._digit_colors(i)))
        # the markers sit on the points, mapped through the panel's axes
        centres = np.array([d.get_center() for d in panel.markers])
        np.testing.assert_allclose(centres, [panel.axes.c2p(*p) for p in z], atol=1e-6)
    # t = 0 (noise) decodes to a blurrier image than t = 1: less ink near 0 or 1
    t.set_value(0.0)
    first = panel.decoded_images().copy()
    t.set_value(1.0)
    last = panel.decoded_images()
    crisp = lambda im: np.mean((im < 0.1) | (im > 0.9))  # noqa: E731
    assert crisp(last) > crisp(first)


def test_decode_once_per_distinct_position(toy) -> None:
    counter = CountingDecoder(toy.decode)
    t = ValueTracker(0.0)
    panel = LatentMNISTPanel(toy.codes, toy.labels, counter, toy.trajectory, time=t)
    assert panel.decoded_count == 3 and len(counter.seen) == 1
    for _ in range(5):  # still tracker: frames decode nothing
        panel.update()
    assert len(counter.seen) == 1
    values = [0.1, 0.2, 0.1, 0.0, 0.2, 0.55, 0.55]  # revisited times hit the cache
    for v in values:
        t.set_value(v)
        panel.update()
    distinct = {v for v in [0.0, *values]}
    assert panel.decoded_count == 3 * len(distinct)
    rows = counter.rows
    assert len(np.unique(rows, axis=0)) == len(rows)  # no latent decoded twice
    # moving the panel moves the markers but decodes nothing
    calls = len(counter.seen)
    panel.shift(RIGHT + UP)
    panel.update()
    assert len(counter.seen) == calls


def test_decode_calls_in_a_rendered_scene(toy, tmp_path: Path) -> None:
    counter = CountingDecoder(toy.decode)
    found: dict[str, int] = {}

    class Play(Scene):
        def construct(self) -> None:
            t = ValueTracker(0.0)
            panel = LatentMNISTPanel(toy.codes, toy.labels, counter, toy.trajectory, time=t,
                                     scatter_config={"radius": 0.03})
            self.add(panel)
            found["start"] = panel.decoded_count
            self.wait(0.5)
            found["after_wait"] = panel.decoded_count
            self.play(t.animate.set_value(1.0), run_time=1.0, rate_func=linear)
            found["after_play"] = panel.decoded_count
            self.wait(0.5)
            found["end"] = panel.decoded_count

    with tempconfig({"dry_run": True, "disable_caching": True, "media_dir": str(tmp_path),
                     "verbosity": "ERROR", "progress_bar": "none"}):
        Play().render()
    assert found["after_wait"] == found["start"] == 3
    frames = 15  # 1 s at 15 fps: at most one new position per point and frame
    assert 3 * (frames - 1) <= found["after_play"] - found["start"] <= 3 * (frames + 1)
    assert found["end"] == found["after_play"]
    assert len(np.unique(counter.rows, axis=0)) == len(counter.rows)


def test_legend_has_one_entry_per_class_in_its_colour(toy) -> None:
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode)
    assert len(panel.legend) == 10
    for k, entry in enumerate(panel.legend):
        assert entry.text == str(k)
        assert entry.get_color().to_hex().upper() == ManimColor(MNIST_PALETTE[k]).to_hex()
    # the entries are distinct colours, and the scatter uses the same palette
    assert len({e.get_color().to_hex() for e in panel.legend}) == 10
    rgb = panel.scatter._rgb
    expected = np.array([ManimColor(MNIST_PALETTE[k]).to_rgb() for k in toy.labels]) * 255
    np.testing.assert_allclose(rgb, expected.round(), atol=0.5)
    names = LatentMNISTPanel(toy.codes[:30], np.arange(30) % 3, toy.decode,
                             palette=["#FF0000", "#00FF00", "#0000FF"],
                             legend_config={"names": ["a", "b", "c"]}).legend
    assert [e.text for e in names] == ["a", "b", "c"]


def test_manifold_is_one_image_of_decoded_tiles(toy) -> None:
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, extent=(-3, 3, -3, 3),
                             manifold=True, manifold_config={"tiles": 6, "opacity": 1.0})
    rgba = panel.manifold.get_pixel_array()
    assert rgba.shape == (6 * 28, 6 * 28, 4)
    lat = panel.manifold_latents
    np.testing.assert_allclose(lat[0, 0], [-2.5, 2.5])  # upper left tile: low x, high y
    np.testing.assert_allclose(lat[-1, -1], [2.5, -2.5])
    for r, c in [(0, 0), (2, 3), (5, 5)]:
        ink = toy.decode(lat[r, c][None])[0]
        np.testing.assert_array_equal(rgba[r * 28:(r + 1) * 28, c * 28:(c + 1) * 28, 3],
                                      np.rint(np.clip(ink, 0, 1) * 255).astype(np.uint8))
    # pinned to the latent box on the panel's axes
    np.testing.assert_allclose(panel.manifold.points[0], panel.axes.c2p(-3, 3), atol=1e-9)
    np.testing.assert_allclose(panel.manifold.points[3], panel.axes.c2p(3, -3), atol=1e-9)
    assert panel.submobjects.index(panel.manifold) > panel.submobjects.index(panel.scatter)


def test_strip_reveals_its_times(toy) -> None:
    t = ValueTracker(0.5)
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory, time=t,
                             strip=True, strip_config={"times": [0.25, 0.5, 0.75], "index": 1})
    np.testing.assert_allclose(panel.strip_latents,
                               [toy.trajectory.at(s)[1] for s in (0.25, 0.5, 0.75)], atol=1e-6)
    sheet = panel._strip_sheet
    alpha = [sheet._rgba[y:y + 28, x:x + 28, 3].max()
             for y, x in (sheet._origin(i) for i in range(3))]
    assert alpha[0] == alpha[1] == 255 and alpha[2] < 60
    t.set_value(1.0)
    panel.update()
    assert sheet._rgba[..., 3].max() == 255
    assert min(sheet._rgba[y:y + 28, x:x + 28, 3].max()
               for y, x in (sheet._origin(i) for i in range(3))) == 255


def test_unlabelled_trajectory_and_indices(toy) -> None:
    pts = toy.trajectory.points
    traj = Trajectory(times=toy.trajectory.times, points=np.concatenate([pts] * 10, axis=1))
    with pytest.raises(ValueError, match="indices"):
        LatentMNISTPanel(toy.codes, toy.labels, toy.decode, traj)  # 30 points: too many
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, traj, indices=[4, 0],
                             time=0.5)
    np.testing.assert_array_equal(panel.latent_points(), traj.at(0.5)[[4, 0]])
    assert panel.point_colors[0] == ManimColor("#FFFFFF")
    panel.set_time(1.0)
    np.testing.assert_array_equal(panel.latent_points(), traj.at(1.0)[[4, 0]])


def test_wrong_inputs_raise(toy) -> None:
    codes, labels, dec, traj = toy.codes, toy.labels, toy.decode, toy.trajectory
    with pytest.raises(ValueError, match=r"codes must have shape \(N, 2\)"):
        LatentMNISTPanel(np.zeros((5, 3)), np.zeros(5, int), dec)
    with pytest.raises(ValueError, match=r"labels must have shape \(1500,\)"):
        LatentMNISTPanel(codes, labels[:10], dec)
    with pytest.raises(ValueError, match="palette"):
        LatentMNISTPanel(codes, labels, dec, palette=["#FF0000", "#00FF00"])
    with pytest.raises(TypeError, match="decode must be a callable"):
        LatentMNISTPanel(codes, labels, "vae")
    with pytest.raises(ValueError, match=r"\(M, H, W\)"):
        LatentMNISTPanel(codes, labels, lambda z: np.zeros((len(z), 784)), traj)
    with pytest.raises(ValueError, match=r"\(M, H, W\)"):
        LatentMNISTPanel(codes, labels, lambda z: np.zeros((1, 28, 28)), traj)
    with pytest.raises(ValueError, match="unknown digit_config keys: size"):
        LatentMNISTPanel(codes, labels, dec, traj, digit_config={"size": 2})
    with pytest.raises(ValueError, match="layer"):
        LatentMNISTPanel(codes, labels, dec, manifold=True, manifold_config={"layer": "top"})
    with pytest.raises(ValueError, match="strip=True needs a trajectory"):
        LatentMNISTPanel(codes, labels, dec, strip=True)
    with pytest.raises(ValueError, match="2D latents"):
        LatentMNISTPanel(codes, labels, dec,
                         Trajectory(times=[0.0, 1.0], points=np.zeros((2, 3, 4))))
    with pytest.raises(ValueError, match="extent"):
        LatentMNISTPanel(codes, labels, dec, extent=(1, -1, 0, 1))
    with pytest.raises(ValueError, match="one text per followed point"):
        LatentMNISTPanel(codes, labels, dec, traj, digit_config={"labels": ["a"]})


def test_sample_opacity_and_point_colours(toy) -> None:
    colors = ["#FF0000", "#00FF00", "#0000FF"]
    panel = LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory, time=0.6,
                             strip=True, point_config={"colors": colors})
    assert [c.to_hex() for c in panel.point_colors] == colors
    assert [m.get_fill_color().to_hex() for m in panel.markers] == colors
    assert [f.get_stroke_color().to_hex() for f in panel.digit_frames] == colors
    trail = [m.get_stroke_opacity() for m in panel.trail.submobjects]
    panel.set_sample_opacity(0.0)
    assert panel.digits.opacity == 0 and panel._strip_sheet.opacity == 0
    assert all(m.get_fill_opacity() == 0 and m.get_stroke_opacity() == 0 for m in panel.markers)
    assert all(m.get_stroke_opacity() == 0 for m in panel.trail.submobjects)
    assert panel.scatter.opacity == pytest.approx(0.55)  # the scatter is not a sample part
    panel.set_sample_opacity(1.0)
    assert [m.get_stroke_opacity() for m in panel.trail.submobjects] == pytest.approx(trail)
    assert all(f.get_fill_opacity() == 0 for f in panel.digit_frames)  # frames stay hollow
    assert panel.digits.opacity == 1
    with pytest.raises(ValueError, match="one colour per followed point"):
        LatentMNISTPanel(toy.codes, toy.labels, toy.decode, toy.trajectory,
                         point_config={"colors": colors[:2]})
