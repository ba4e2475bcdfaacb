"""MNIST: the loader's checks, the VAE, the shipped latent-diffusion kit and its CLI."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from manim_diffusion.apps.mnist.classifier import _shifted, classify
from manim_diffusion.apps.mnist.idx import MNIST_ENV, MNISTError, load_mnist
from manim_diffusion.apps.mnist.latent import (
    DEFAULT_GUIDANCE,
    DIGITS_PER_CLASS,
    LATENT_MODEL_NAME,
    guided_fractions,
    load_latent_mnist,
)
from manim_diffusion.apps.mnist.vae import VAE
from manim_diffusion.apps.mnist.vae_eval import knn_accuracy, reconstruction_error
from manim_diffusion.apps.mnist.vae_training import VAEConfig, train_vae
from manim_diffusion.cli.main import main
from manim_diffusion.io import (
    CheckpointError,
    list_pretrained,
    load_arrays,
    load_pretrained,
    load_weights,
    pretrained_dir,
    save_arrays,
    save_weights,
)

SHARED_MNIST = Path(__file__).parents[2] / "shared" / "data" / "mnist"
REAL_MNIST = Path(os.environ.get(MNIST_ENV) or SHARED_MNIST)
needs_mnist = pytest.mark.skipif(
    not (REAL_MNIST / "t10k-images-idx3-ubyte.gz").exists(),
    reason=f"MNIST is not in {REAL_MNIST} (set {MNIST_ENV} to a folder with the IDX files)",
)


# ---------------------------------------------------------------- the loader


def write_idx(path: Path, magic: int, shape: tuple[int, ...], data: bytes) -> Path:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + data)
    return path


def write_split(folder: Path, n: int = 20, gz: bool = True, split: str = "train", seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    prefix = "train" if split == "train" else "t10k"
    ext = ".gz" if gz else ""
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", 0x803, (n, 28, 28), images.tobytes())
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", 0x801, (n,), labels.tobytes())
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_loader_reads_idx_files(tmp_path, gz):
    images, labels = write_split(tmp_path, gz=gz)
    got_images, got_labels = load_mnist(tmp_path, "train", verify=False)
    assert got_images.dtype == np.uint8 and got_images.shape == (20, 28, 28)
    assert got_labels.dtype == np.int64 and got_labels.shape == (20,)
    assert np.array_equal(got_images, images) and np.array_equal(got_labels, labels)


def test_loader_reads_npz_and_the_environment(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.arange(6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": np.arange(4, dtype=np.uint8),
    }
    np.savez(tmp_path / "mnist.npz", **arrays)
    monkeypatch.setenv(MNIST_ENV, str(tmp_path))
    images, labels = load_mnist(split="test", verify=False)
    assert np.array_equal(images, arrays["x_test"]) and labels.tolist() == [0, 1, 2, 3]


def test_loader_verify_wants_the_official_count(tmp_path):
    write_split(tmp_path, n=20)
    with pytest.raises(MNISTError, match="20 digits, the official train split has 60000"):
        load_mnist(tmp_path, "train")


@pytest.mark.parametrize(
    "damage, message",
    [
        ("truncated", "is truncated"),
        ("long", "too long"),
        ("magic", "magic number 0x00000801, expected 0x00000803"),
        ("count", "20 images but 19 labels"),
        ("size", "27x28 images, expected 28x28"),
        ("not_gzip", "cannot be read"),
        ("header", "shorter than its 16-byte header"),
    ],
)
def test_loader_refuses_damaged_files(tmp_path, damage, message):
    images, labels = write_split(tmp_path)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    data = images.tobytes()
    if damage == "truncated":
        write_idx(path, 0x803, (20, 28, 28), data[:-100])
    elif damage == "long":
        write_idx(path, 0x803, (20, 28, 28), data + b"\0")
    elif damage == "magic":
        write_idx(path, 0x801, (20, 28, 28), data)
    elif damage == "count":
        write_idx(tmp_path / "train-labels-idx1-ubyte.gz", 0x801, (19,), labels[:19].tobytes())
    elif damage == "size":
        write_idx(path, 0x803, (20, 27, 28), data[: 20 * 27 * 28])
    elif damage == "not_gzip":
        path.write_bytes(b"this is not gzip data at all")
    elif damage == "header":
        write_idx(path, 0x803, (), b"\0\0")
    with pytest.raises(MNISTError, match=message) as info:
        load_mnist(tmp_path, "train", verify=False)
    assert "\n" not in str(info.value)


def test_loader_says_where_to_get_mnist(tmp_path, monkeypatch):
    monkeypatch.delenv(MNIST_ENV, raising=False)
    for folder in (tmp_path / "nowhere", tmp_path):
        with pytest.raises(MNISTError) as info:
            load_mnist(folder)
        text = str(info.value)
        assert f"MNIST not found in {folder}" in text
        assert "--mnist-dir" in text and MNIST_ENV in text and "train-images-idx3-ubyte" in text
    with pytest.raises(MNISTError, match=f"set {MNIST_ENV}"):
        load_mnist()
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "validation")


@needs_mnist
def test_loader_verifies_the_real_files(tmp_path):
    images, labels = load_mnist(REAL_MNIST, "test")
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    assert np.bincount(labels).tolist()[:3] == [980, 1135, 1032]
    # one changed label in a plain (unzipped) copy: caught by the sha256 check
    changed = labels.astype(np.uint8)
    changed[0] = (changed[0] + 1) % 10
    write_idx(tmp_path / "t10k-images-idx3-ubyte", 0x803, (10000, 28, 28), images.tobytes())
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", 0x801, (10000,), changed.tobytes())
    with pytest.raises(MNISTError, match="labels differ from the official"):
        load_mnist(tmp_path, "test")
    assert load_mnist(tmp_path, "test", verify=False)[1][0] == changed[0]


# ---------------------------------------------------------------- VAE, classifier


def test_vae_shapes():
    vae = VAE()
    digits = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    mu, logvar = vae.encode(digits)
    assert mu.shape == logvar.shape == (5, 2)
    assert torch.allclose(vae.encode(digits.reshape(5, 784) / 255.0)[0], mu, atol=1e-6)
    images = vae.decode(np.zeros((3, 2))).detach()
    assert images.shape == (3, 28, 28) and images.dtype == torch.float32
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    with pytest.raises(ValueError, match="28, 28"):
        vae.encode(np.zeros((2, 27, 27)))


def test_train_vae_is_seeded_and_snapshots_the_latent():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 64)
    config = VAEConfig(epochs=2, batch_size=32, hidden=(32,), label_weight=1.0, threads=1)
    first = train_vae(images, labels, config, progress=False, snapshot_every=1,
                      snapshot_count=10)
    second = train_vae(images, labels, config, progress=False)
    for a, b in zip(first.vae.parameters(), second.vae.parameters(), strict=True):
        assert torch.equal(a, b)
    assert [s.step for s in first.snapshots] == [0, 1, 2, 3, 4]
    assert first.snapshots[-1].codes.shape == (10, 2) and first.snapshot_labels.shape == (10,)
    assert first.losses.shape == (4, 3) and np.isfinite(first.losses).all()
    with pytest.raises(ValueError, match="needs the labels"):
        train_vae(images, None, config, progress=False)


def test_knn_accuracy_and_shifts():
    codes = np.array([[0.0, 0], [0.1, 0], [5, 5], [5.1, 5]])
    assert knn_accuracy(codes, np.array([0, 0, 1, 1]), codes + 0.01, np.array([0, 0, 1, 1]),
                        k=1) == 1.0
    batch = torch.zeros(3, 28, 28)
    batch[:, 14, 14] = 1.0
    moved = _shifted(batch, 2, torch.Generator().manual_seed(0))
    assert moved.shape == (3, 28, 28) and torch.all(moved.sum(dim=(1, 2)) == 1.0)


def test_weights_and_arrays_files(tmp_path):
    state = {"w": torch.randn(3, 4), "n": torch.tensor([3])}
    digest = save_weights(state, tmp_path / "w.pt", "vae", {"config": {"a": [1, 2]}},
                          dtype=torch.float16)
    loaded, meta = load_weights(tmp_path / "w.pt", digest, kind="vae")
    assert loaded["w"].dtype == torch.float32 and meta["config"] == {"a": [1, 2]}
    assert torch.allclose(loaded["w"], state["w"], atol=1e-2)
    with pytest.raises(CheckpointError, match="not a 'classifier'"):
        load_weights(tmp_path / "w.pt", kind="classifier")
    with pytest.raises(CheckpointError, match="does not match its manifest hash"):
        load_weights(tmp_path / "w.pt", "0" * 64)
    arrays = {"codes": np.ones((4, 2), np.float32), "labels": np.arange(4, dtype=np.uint8)}
    first = save_arrays(tmp_path / "a.npz", **arrays)
    assert save_arrays(tmp_path / "b.npz", **arrays) == first  # same arrays, same bytes
    assert np.array_equal(load_arrays(tmp_path / "a.npz", first)["labels"], arrays["labels"])
    with pytest.raises(ValueError, match="Python objects"):
        save_arrays(tmp_path / "a.npz", bad=np.array([{}], dtype=object))
    assert load_arrays(tmp_path / "a.npz", first)["codes"].shape == (4, 2)  # left unchanged


# ---------------------------------------------------------------- shipped files


@pytest.fixture(scope="module")
def kit():
    return load_latent_mnist()


def test_shipped_kit_arrays(kit):
    assert kit.codes.shape == (10000, 2) and kit.codes.dtype == np.float32
    assert kit.labels.shape == (10000,) and np.bincount(kit.labels)[1] == 1135
    assert kit.digits.shape == (10 * DIGITS_PER_CLASS, 28, 28) and kit.digits.dtype == np.uint8
    assert np.bincount(kit.digit_labels).tolist() == [DIGITS_PER_CLASS] * 10
    assert np.array_equal(kit.labels[kit.digit_index], kit.digit_labels)
    assert not kit.codes.flags.writeable
    assert np.allclose(kit.encode(kit.digits), kit.digit_codes, atol=1e-3)
    assert kit.model.num_classes == 10 and kit.model.dataset == "mnist_latent"
    assert load_latent_mnist() is kit


def test_shipped_vae_reconstructs_real_digits(kit):
    images = kit.decode(kit.digit_codes)
    assert images.shape == (len(kit.digits), 28, 28) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert kit.decode(np.zeros(2)).shape == (1, 28, 28)
    error = reconstruction_error(kit.vae, kit.digits)
    assert error["bce"] < 0.2 and error["mse"] < 0.045  # shipped: ~0.17 and ~0.037
    # the classifier reads the real digits, and most of their reconstructions
    assert np.mean(kit.classify(kit.digits) == kit.digit_labels) >= 0.97
    assert np.mean(classify(kit.classifier, images) == kit.digit_labels) >= 0.85


def test_shipped_latent_model_draws_the_digit_asked_for(kit):
    classes = (4, 5, 9)  # the digits a 2D VAE mixes up most
    guided = guided_fractions(kit.model, kit.vae, kit.classifier, per_class=200,
                              guidance=DEFAULT_GUIDANCE, classes=classes)
    assert (guided >= 0.9).all(), guided
    unguided = guided_fractions(kit.model, kit.vae, kit.classifier, per_class=200,
                                guidance=0.0, classes=classes)
    assert (unguided < 0.3).all(), unguided  # about each class's share of the data
    traj = kit.sample(7, n=50, steps=20)
    assert traj.points.shape == (21, 50, 2) and (traj.labels == 7).all()


def test_shipped_files_are_hash_checked(tmp_path):
    shipped = pretrained_dir()
    manifest = json.loads((shipped / "manifest.json").read_text())
    for entry in manifest["files"]:
        shutil.copy(shipped / entry["file"], tmp_path / entry["file"])
    (tmp_path / "manifest.json").write_text(json.dumps({"models": [], **manifest}))
    assert load_latent_mnist(tmp_path).codes.shape == (10000, 2)
    vae = tmp_path / "mnist_vae.pt"
    data = bytearray(vae.read_bytes())
    data[-100] ^= 1
    vae.write_bytes(bytes(data))
    load_latent_mnist.cache_clear()
    with pytest.raises(CheckpointError, match="does not match its manifest hash"):
        load_latent_mnist(tmp_path)
    load_latent_mnist.cache_clear()


def test_latent_model_is_a_normal_checkpoint_but_not_a_2d_one():
    assert load_pretrained(LATENT_MODEL_NAME).num_classes == 10
    assert LATENT_MODEL_NAME not in [e["name"] for e in list_pretrained()]
    assert {e["kind"] for e in list_pretrained(section="files")} == {
        "vae", "classifier", "diffusion", "arrays", "pixel_diffusion"
    }


# ---------------------------------------------------------------- CLI


def test_cli_mnist_eval_without_mnist(monkeypatch):
    monkeypatch.delenv(MNIST_ENV, raising=False)
    result = CliRunner().invoke(main, ["mnist", "eval", "--per-class", "30"])
    assert result.exit_code == 0, result.output
    assert "shipped test digits" in result.output
    assert f"guidance {DEFAULT_GUIDANCE:g}" in result.output and "guidance 0" in result.output
    listing = CliRunner().invoke(main, ["list"]).output
    assert "mnist_vae" in listing and "5-NN accuracy" in listing


def test_cli_mnist_training_says_where_mnist_is(tmp_path, monkeypatch):
    monkeypatch.delenv(MNIST_ENV, raising=False)
    out = tmp_path / "out"
    for command in ("train-vae", "train-classifier", "train-latent"):
        if command == "train-latent":  # it reads the VAE in --out-dir first
            out.mkdir()
            shutil.copy(pretrained_dir() / "mnist_vae.pt", out)
            shutil.copy(pretrained_dir() / "manifest.json", out)
        before = sorted(p.name for p in out.iterdir()) if out.exists() else None
        result = CliRunner().invoke(main, ["mnist", command, "--out-dir", str(out),
                                           "--mnist-dir", str(tmp_path / "none")])
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert "MNIST not found" in result.output and "--mnist-dir" in result.output
        assert (sorted(p.name for p in out.iterdir()) if out.exists() else None) == before


def test_shipped_vae_snapshots_show_the_latent_sorting_itself() -> None:
    """The training snapshots separate the classes better at the end than at the start."""
    from manim_diffusion.apps.mnist.latent import load_latent_mnist
    from manim_diffusion.apps.mnist.vae_eval import knn_accuracy

    kit = load_latent_mnist()
    codes, steps, labels = kit.snapshot_codes, kit.snapshot_steps, kit.snapshot_labels
    assert codes.ndim == 3 and codes.shape[1:] == (len(labels), 2)
    assert steps[0] == 0 and np.all(np.diff(steps) > 0) and len(steps) == len(codes)
    half = len(labels) // 2

    def separation(k: int) -> float:
        return knn_accuracy(codes[k, :half], labels[:half], codes[k, half:], labels[half:])

    assert separation(0) < 0.5 < 0.8 < separation(-1)


@needs_mnist
def test_eval_pixels_writes_its_measures_and_keeps_the_weights(tmp_path):
    """`mnist eval-pixels --write` on a copy of the shipped files, at a tiny size."""
    import shutil

    import torch

    from manim_diffusion.apps.mnist.pixel_model import PIXEL_MODEL_NAME, load_pixel_model
    from manim_diffusion.io.files import pretrained_dir, sha256_of
    from manim_diffusion.io.manifest import read_manifest

    folder = tmp_path / "pretrained"
    shutil.copytree(pretrained_dir(), folder)
    before = load_pixel_model(folder / f"{PIXEL_MODEL_NAME}.pt")
    result = CliRunner().invoke(main, [
        "mnist", "eval-pixels", "--mnist-dir", str(REAL_MNIST), "--dir", str(folder),
        "--per-class", "2", "--n", "20", "--write"])
    assert result.exit_code == 0, result.output
    assert "read as their class at guidance 3" in result.output
    entry = read_manifest(folder, "files")[PIXEL_MODEL_NAME]
    assert entry["metric"]["unconditional_samples"] == 20
    assert len(entry["metric"]["class_fraction"]) == 10
    path = folder / entry["file"]
    assert sha256_of(path) == entry["sha256"]  # the manifest follows the rewritten file
    after = load_pixel_model(path, sha256=entry["sha256"])
    for p, q in zip(before.parameters(), after.parameters(), strict=True):
        assert torch.equal(p, q)  # the weights are kept bit for bit
