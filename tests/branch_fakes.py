"""A hand-built stand-in for the engine's ``BranchSet``, shared by the branching tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from manim_diffusion.core.trajectory import Trajectory


@dataclass
class FakeBranches:
    """The fields of an engine ``BranchSet`` that the tree, the plot and the grid read."""

    trunk: Trajectory
    branch_times: np.ndarray
    branch_steps: np.ndarray
    branches: np.ndarray

    @property
    def ends(self) -> np.ndarray:
        return self.branches[:, :, -1]

    @property
    def trunk_end(self) -> np.ndarray:
        return self.trunk.points[-1, 0]

    @property
    def spread(self) -> np.ndarray:
        centre = self.ends.mean(axis=1, keepdims=True)
        return np.linalg.norm(self.ends - centre, axis=-1).mean(axis=1)
