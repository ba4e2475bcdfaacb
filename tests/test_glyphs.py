"""GlyphCache and LiveText: counters drawn from cached glyphs match Pango's own layout."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Text, ValueTracker

from manim_diffusion.mobjects.glyphs import GlyphCache, LiveText


def pango_outline(s: str, font_size: float = 24, **config) -> np.ndarray:
    """What a whole-string ``Text`` gives, centred as the cache centres it."""
    points = np.concatenate([g.points for g in Text(s, font_size=font_size, **config)])
    return points - (points.min(axis=0) + points.max(axis=0)) / 2


@pytest.mark.parametrize("s", ["t = 0.27", "t = 0.90", "step 734 / 1000", "step 7 / 50",
                               "epoch 12", "3.14159"])
def test_a_composed_label_is_the_outline_pango_lays_out(s: str) -> None:
    cache = GlyphCache(font_size=24)
    np.testing.assert_allclose(cache.outline(s), pango_outline(s), atol=1e-6)


def test_labels_of_one_shape_cost_three_texts_however_many_values() -> None:
    cache = GlyphCache(font_size=30)
    for t in np.linspace(0, 1, 101):
        cache.outline(f"t = {t:.2f}")
    # the layout of "t = 0.00", the ten digits and ten zeros: once each, ever
    assert cache.texts_built == 3
    for step in range(0, 1000, 7):
        cache.outline(f"step {step} / 1000")
    assert cache.texts_built == 3 + 3  # one layout per length of the step number (1-3)


def test_text_without_digits_and_the_empty_string() -> None:
    cache = GlyphCache()
    np.testing.assert_allclose(cache.outline("noise"), pango_outline("noise"), atol=1e-6)
    assert cache.outline("").shape == (0, 3)
    assert cache.outline("   ").shape == (0, 3)


def test_style_options_reach_the_layout() -> None:
    bold = GlyphCache(font_size=24, text_config={"weight": "BOLD"})
    np.testing.assert_allclose(bold.outline("t = 0.5"),
                               pango_outline("t = 0.5", weight="BOLD"), atol=1e-6)
    regular = GlyphCache(font_size=24).outline("t = 0.5")
    assert bold.outline("t = 0.5").shape != regular.shape or not np.allclose(
        bold.outline("t = 0.5"), regular)


def test_live_text_follows_its_source_and_keeps_its_place_and_scale() -> None:
    k = ValueTracker(0)
    label = LiveText(lambda: f"step {int(k.get_value())}", font_size=24)
    label.scale(2).move_to([1.0, -2.0, 0.0])
    height = label.height
    k.set_value(735)
    label.update()
    assert label.shown == "step 735"
    np.testing.assert_allclose(label.get_center(), [1.0, -2.0, 0.0], atol=1e-6)
    assert label.height == pytest.approx(height, rel=0.02)
    shape = pango_outline("step 735") * 2
    np.testing.assert_allclose(label.points - label.get_center(), shape, atol=1e-5)
    assert LiveText("fixed").shown == "fixed"
