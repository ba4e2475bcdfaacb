"""Each objective, trained briefly on two Gaussians, learns the exact score."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from manim_diffusion.engine import OBJECTIVES, GaussianMixture, TrainConfig, train
from manim_diffusion.engine.nets import MLPDenoiser
from manim_diffusion.engine.objectives import DiffusionModel


def _score_error(model, gm: GaussianMixture, times=(0.3, 0.6, 0.85)) -> float:
    """Mean sigma-scaled score error |sigma (s_model - s_exact)| on the marginals."""
    errs = []
    for i, t in enumerate(times):
        x0 = torch.as_tensor(gm.sample(2000, seed=i), dtype=torch.float32)
        eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(100 + i))
        a, s = float(gm.schedule.alpha(t)), float(gm.schedule.sigma(t))
        xt = a * x0 + s * eps
        with torch.no_grad():
            got = model.predict(xt, t).eps
        errs.append(float(((got - gm.predict(xt, t).eps) ** 2).sum(1).mean()))
    return float(np.mean(errs))


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_objective_learns_the_exact_score(objective: str) -> None:
    gm = GaussianMixture(means=[[-1.2, 0.0], [1.2, 0.5]], stds=0.3)
    data = gm.sample(4000, seed=0).astype(np.float32)
    early = train(data, TrainConfig(steps=30, objective=objective), progress=False)
    late = train(data, TrainConfig(steps=1500, objective=objective), progress=False)
    e0, e1 = _score_error(early.model, gm), _score_error(late.model, gm)
    assert e1 < 0.5 * e0 and e1 < 0.1, f"{objective}: score error {e0:.3f} -> {e1:.3f}"


class _Fixed(torch.nn.Module):
    """A "network" that outputs a fixed tensor."""

    def __init__(self, out: torch.Tensor) -> None:
        super().__init__()
        self.out = out

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.out


@pytest.mark.parametrize("objective", list(OBJECTIVES))
def test_conversions_invert_the_objective_target(objective: str) -> None:
    """Feeding the exact target as the net output gives back the exact x0 and eps."""
    torch.manual_seed(0)
    x0, eps = torch.randn(64, 2), torch.randn(64, 2)
    t = torch.full((64,), 0.4)
    model = DiffusionModel(MLPDenoiser(), objective=objective)
    alpha, sigma = model.coefficients(t.reshape(-1, 1))
    xt = alpha * x0 + sigma * eps
    target = {"eps": eps, "x0": x0, "v": alpha * eps - sigma * x0, "score": -eps / sigma}
    model.net = _Fixed(target[objective])
    pred = model.predict(xt, t)
    torch.testing.assert_close(pred.x0, x0, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(pred.eps, eps, atol=1e-5, rtol=1e-5)
