"""The colours of the mobjects: class palettes, colour ramps and per-curve colours."""

from __future__ import annotations

from manim import (
    BLUE,
    BLUE_C,
    GOLD_C,
    GREEN,
    GREEN_C,
    ORANGE,
    PINK,
    PURPLE,
    PURPLE_C,
    RED,
    RED_C,
    TEAL,
    TEAL_C,
    YELLOW,
    ManimColor,
    ParsableManimColor,
)

__all__ = [
    "BRANCH_PALETTE",
    "DEFAULT_PALETTE",
    "ERROR_COLORS",
    "INFERNO",
    "MNIST_PALETTE",
    "SCHEDULE_COLORS",
]

#: Colours per class label of a cloud or a tracer (cycled when there are more classes).
DEFAULT_PALETTE: tuple[ManimColor, ...] = (BLUE, RED, GREEN, YELLOW, PURPLE, TEAL, ORANGE, PINK)

#: Default colour ramp of the heat maps, low to high (the "inferno" colour map's stops).
INFERNO: tuple[str, ...] = ("#1b0c41", "#4a0c6b", "#a52c60", "#ed6925", "#fbb61a", "#fcffa4")

#: Colour ramp of the field error map: dark (agree) to bright red (disagree).
ERROR_COLORS = ("#000000", "#3b0f0f", "#8c1d18", "#e34a33", "#fdbb84")

#: Default colours of the branch times, earliest first (cycled when there are more).
BRANCH_PALETTE: tuple[ManimColor, ...] = (
    BLUE_C, GOLD_C, RED_C, GREEN_C, PURPLE_C, TEAL_C, ORANGE, PINK,
)

#: Ten colours that stay apart on a dark background, one per digit 0-9.
MNIST_PALETTE: tuple[str, ...] = (
    "#4DABF7",  # 0 blue
    "#FFA94D",  # 1 orange
    "#51CF66",  # 2 green
    "#FF6B6B",  # 3 red
    "#B197FC",  # 4 violet
    "#FFE066",  # 5 yellow
    "#F783AC",  # 6 pink
    "#CED4DA",  # 7 light grey
    "#C0895E",  # 8 brown
    "#3BC9DB",  # 9 cyan
)

#: The colour of each curve of a schedule plot, by curve name.
SCHEDULE_COLORS: dict[str, ParsableManimColor] = {
    "alpha_bar": BLUE,
    "alpha": TEAL,
    "sigma": RED,
    "snr": YELLOW,
}
