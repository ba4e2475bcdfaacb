"""Save and load checkpoints, other networks' weights and arrays, atomically and hash-checked."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from ..core.model import DiffusionModel
from ..core.nets import MLPDenoiser
from ..training.train import TrainConfig, build_model
from .files import CheckpointError, atomic_write, check_file, sha256_of

__all__ = [
    "FORMAT",
    "WEIGHTS_FORMAT",
    "load_checkpoint",
    "save_checkpoint",
    "save_weights",
    "load_weights",
    "save_arrays",
    "load_arrays",
]

FORMAT = "manim-diffusion/1"
#: The format of files that hold other networks' weights (the MNIST VAE, the classifier).
WEIGHTS_FORMAT = "manim-diffusion-weights/1"

def save_checkpoint(
    model: DiffusionModel,
    config: TrainConfig,
    path: str | os.PathLike[str],
    extra: dict | None = None,
) -> str:
    """Write ``model`` atomically (a half-written file never replaces a good one).

    The file holds only tensors, numbers and strings, so it loads with
    ``torch.load(weights_only=True)``. Returns its sha256.

    Parameters
    ----------
    model
        The model to save (its net must be an
        :class:`~manim_diffusion.core.nets.MLPDenoiser`).
    config
        The :class:`~manim_diffusion.training.train.TrainConfig` it was trained with;
        :func:`load_checkpoint` rebuilds the net from it.
    path
        The file to write (its folder is made if missing).
    extra
        Plain data stored beside the weights (e.g. ``{"dataset": "smiley"}``, which
        :func:`load_checkpoint` puts back as ``model.dataset``).

    Returns
    -------
    str
        The file's sha256 (hex), for :func:`load_checkpoint` or a manifest.

    Examples
    --------
    A tiny model trained, saved and loaded back (its hash checked):

    .. manim:: SaveCheckpointExample
        :save_last_frame:

        import tempfile
        from pathlib import Path
        from manim_diffusion import (DistributionCloud, TrainConfig, load_checkpoint,
                                     make_dataset, sample, save_checkpoint, train)

        class SaveCheckpointExample(Scene):
            def construct(self):
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                result = train(make_dataset("three_dots", 2000, seed=0), config,
                               progress=False)
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "three_dots_tiny.pt"
                    digest = save_checkpoint(result.model, config, path,
                                             extra={"dataset": "three_dots"})
                    size = path.stat().st_size
                    model = load_checkpoint(path, sha256=digest)
                points = sample(model, "euler", steps=20, n=2000, seed=0).final
                self.add(DistributionCloud(points, radius=0.02),
                         Paragraph(f"{path.name}: {size // 1024} KB",
                                   f"sha256 {digest[:16]}...", font_size=24).to_corner(UL))
    """
    path = Path(path)
    payload = {
        "format": FORMAT,
        "config": config.to_dict(),
        # checkpoints hold an MLPDenoiser (load_checkpoint rebuilds one from the config)
        "dim": int(cast(MLPDenoiser, model.net).config["dim"]),
        "extra": dict(extra or {}),
        "state_dict": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
    }
    atomic_write(path, lambda f: torch.save(payload, f))
    return sha256_of(path)


def load_checkpoint(path: str | os.PathLike[str], sha256: str | None = None) -> DiffusionModel:
    """Load a checkpoint file, checking its hash when one is given.

    Only tensors and plain data are read (``weights_only=True``): a file that
    carries pickled code is refused.

    Parameters
    ----------
    path
        A file written by :func:`save_checkpoint`.
    sha256
        Its expected hash (hex); a file that does not match raises
        :class:`CheckpointError`. ``None`` skips the check.

    Returns
    -------
    DiffusionModel
        The model in eval mode, without gradients; ``model.dataset`` is the
        ``"dataset"`` of the checkpoint's ``extra`` (or ``None``).

    Examples
    --------
    A trained model and its copy loaded from disk sample the same points from the
    same noise:

    .. manim:: LoadCheckpointExample
        :save_last_frame:

        import tempfile
        from pathlib import Path
        from manim_diffusion import (DistributionCloud, TrainConfig, load_checkpoint,
                                     make_dataset, sample, save_checkpoint, train)

        class LoadCheckpointExample(Scene):
            def construct(self):
                config = TrainConfig(steps=300, batch_size=128, lr=0.02, ema_decay=0.9,
                                     hidden=64, layers=2, objective="flow", schedule="flow",
                                     threads=1)
                data = make_dataset("three_dots", 2000, seed=0)
                trained = train(data, config, progress=False).model
                with tempfile.TemporaryDirectory() as folder:
                    digest = save_checkpoint(trained, config, Path(folder) / "tiny.pt")
                    loaded = load_checkpoint(Path(folder) / "tiny.pt", sha256=digest)
                for model, side, title in [(trained, LEFT, "trained"), (loaded, RIGHT, "loaded")]:
                    axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5.5,
                                y_length=5.5, tips=False).shift(3.4 * side + 0.4 * DOWN)
                    points = sample(model, "euler", steps=20, n=1500, seed=0).final
                    self.add(axes, DistributionCloud(points, axes=axes, radius=0.02),
                             Text(title, font_size=26).next_to(axes, UP))
    """
    path = check_file(path, sha256)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError("not a manim-diffusion checkpoint")
        config = TrainConfig(**payload["config"])
        model = build_model(config, dim=int(payload["dim"]))
        model.load_state_dict(payload["state_dict"])
        model.dataset = payload.get("extra", {}).get("dataset")
    except CheckpointError:
        raise
    except Exception as err:  # torch raises many kinds for a bad file
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CheckpointError(
            f"{path} is not a valid manim-diffusion checkpoint ({reason}); "
            "train one with `manim-diffusion train`"
        ) from err
    return model.eval().requires_grad_(False)


def save_weights(
    state_dict: dict[str, torch.Tensor],
    path: str | os.PathLike[str],
    kind: str,
    meta: dict[str, Any] | None = None,
    dtype: torch.dtype | None = None,
) -> str:
    """Write a network's weights (any kind but a DiffusionModel) atomically.

    ``meta`` holds what rebuilds the network (its config) and what it scored, as
    plain numbers, strings, lists and dicts; ``dtype`` (e.g. ``torch.float16``)
    stores the floating-point tensors smaller. The file loads with
    ``torch.load(weights_only=True)``. Returns its sha256.
    """
    def cast(v: torch.Tensor) -> torch.Tensor:
        v = v.detach().cpu().clone()
        return v.to(dtype) if dtype is not None and v.is_floating_point() else v

    payload = {
        "format": WEIGHTS_FORMAT,
        "kind": str(kind),
        "meta": dict(meta or {}),
        "state_dict": {k: cast(v) for k, v in state_dict.items()},
    }
    path = Path(path)
    atomic_write(path, lambda f: torch.save(payload, f))
    return sha256_of(path)


def load_weights(
    path: str | os.PathLike[str], sha256: str | None = None, kind: str | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The state dict (float tensors as float32) and metadata of a :func:`save_weights` file.

    The hash is checked when given, and the file is read with ``weights_only=True``.
    """
    path = check_file(path, sha256, what="weights file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(payload, dict) or payload.get("format") != WEIGHTS_FORMAT:
            raise ValueError("not a manim-diffusion weights file")
        state = {
            k: v.float() if v.is_floating_point() else v for k, v in payload["state_dict"].items()
        }
        found, meta = payload.get("kind"), dict(payload.get("meta", {}))
    except Exception as err:  # torch raises many kinds for a bad file
        reason = str(err).splitlines()[0][:200] if str(err) else type(err).__name__
        raise CheckpointError(
            f"{path} is not a valid manim-diffusion weights file ({reason}); "
            "make it again with `manim-diffusion mnist`"
        ) from err
    if kind is not None and found != kind:
        raise CheckpointError(f"{path} holds a {found!r}, not a {kind!r}; check the file name")
    return state, meta


def save_arrays(path: str | os.PathLike[str], **arrays: np.ndarray) -> str:
    """Write numpy arrays to a compressed ``.npz`` atomically; returns its sha256.

    Object arrays are refused (the file must load with ``allow_pickle=False``), and
    the zip entries carry a fixed date, so the same arrays give the same bytes.
    """
    def write(f: Any) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key, value in arrays.items():
                value = np.asarray(value)
                if value.dtype.hasobject:
                    raise ValueError(f"array {key!r} holds Python objects; store numbers only")
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, value, allow_pickle=False)
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buffer.getvalue())

    path = Path(path)
    atomic_write(path, write)
    return sha256_of(path)


def load_arrays(path: str | os.PathLike[str], sha256: str | None = None) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, its hash checked when given (no pickles read)."""
    path = check_file(path, sha256, what="data file")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise CheckpointError(
            f"{path} is not a readable npz file ({err}); make it again with "
            "`manim-diffusion mnist train-vae`"
        ) from err
