"""The smiley, three_dots and tetrahedron geometry, shared by the data sets and the exact
densities."""

from __future__ import annotations

import numpy as np

__all__ = [
    "BOX",
    "EYE_CENTRES",
    "EYE_RADIUS",
    "FACE_RADIUS",
    "MOUTH_ANGLES",
    "MOUTH_CENTRE",
    "MOUTH_RADIUS",
    "SMILEY_NOISE",
    "SMILEY_SHARES",
    "TETRAHEDRON_CENTRES",
    "TETRAHEDRON_STD",
    "THREE_DOTS_CENTRES",
    "THREE_DOTS_STD",
]

#: Every data set's points lie inside the box [-BOX, BOX]^D.
BOX = 2.5

# ------------------------------------------------------------------ the smiley
#: Radius of the face's outline circle, centred on the origin.
FACE_RADIUS = 1.9
#: Centres of the two eyes (left, right): filled discs of radius EYE_RADIUS.
EYE_CENTRES = ((-0.65, 0.55), (0.65, 0.55))
EYE_RADIUS = 0.2
#: The mouth: an arc of radius MOUTH_RADIUS about MOUTH_CENTRE, between MOUTH_ANGLES.
MOUTH_CENTRE = (0.0, 0.15)
MOUTH_RADIUS = 1.1
MOUTH_ANGLES = (np.pi * 1.15, np.pi * 1.85)
#: Shares of the points: face, left eye, right eye, mouth.
SMILEY_SHARES = (0.45, 0.1, 0.1, 0.35)
#: Standard deviation of the Gaussian jitter added to every point of the data set.
SMILEY_NOISE = 0.04

# -------------------------------------------------------------- the three dots
_ANGLES = np.pi / 2 + 2 * np.pi * np.arange(3) / 3
#: The three blobs' centres, on a circle of radius 1.5 (top, lower left, lower right).
THREE_DOTS_CENTRES = 1.5 * np.c_[np.cos(_ANGLES), np.sin(_ANGLES)]
#: The blobs' common standard deviation.
THREE_DOTS_STD = 0.25

# ------------------------------------------------------- the 3D tetrahedron mixture
#: The four blobs' centres of ``gaussian_mixture_3d``: the vertices of a regular
#: tetrahedron inscribed in a sphere of radius 1.5 about the origin.
TETRAHEDRON_CENTRES = 1.5 / np.sqrt(3.0) * np.array(
    [[1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 1.0, -1.0], [-1.0, -1.0, 1.0]]
)
#: The blobs' common standard deviation.
TETRAHEDRON_STD = 0.25
