"""Read MNIST from its IDX files (gzip or plain) or a ``mnist.npz``, checked as it is read."""

from __future__ import annotations

import gzip
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["MNISTError", "MNIST_ENV", "MNIST_FILES", "MNIST_SHA256", "load_mnist"]

#: The environment variable naming the folder that holds MNIST.
MNIST_ENV = "MANIM_DIFFUSION_MNIST"

#: The standard IDX file names of each split: (images, labels), without ``.gz``.
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: The number of digits in each split of the official files.
MNIST_COUNTS = {"train": 60000, "test": 10000}

#: sha256 of the official arrays' bytes (uint8, C order: the IDX files without their
#: headers, the same bytes as Keras's ``mnist.npz``), so one check covers gzip, plain
#: and npz copies. Computed from the files whose unzipped md5 sums are the canonical
#: ones (train images 6bbc9ace..., train labels a25bea73..., test images 2646ac64...,
#: test labels 27ae3e4e...).
MNIST_SHA256: dict[str, tuple[str, str]] = {
    "train": (
        "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    ),
    "test": (
        "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    ),
}

_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_WHERE = (
    "the IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) are at "
    "https://ossci-datasets.s3.amazonaws.com/mnist/ (mirror of yann.lecun.com/exdb/mnist)"
)


class MNISTError(ValueError):
    """MNIST is missing, damaged or not what it claims to be."""


def _directory(directory: str | os.PathLike[str] | None) -> Path:
    if directory is None:
        env = os.environ.get(MNIST_ENV)
        if not env:
            raise MNISTError(
                f"MNIST not found: no folder given and ${MNIST_ENV} is not set; pass "
                f"--mnist-dir DIR or set {MNIST_ENV}; {_WHERE}"
            )
        directory = env
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise MNISTError(
            f"MNIST not found in {path} (no such folder); pass --mnist-dir DIR or set "
            f"{MNIST_ENV}; {_WHERE}"
        )
    return path


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def _read_bytes(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError) as err:  # gzip raises BadGzipFile (an OSError) or EOFError
        raise MNISTError(f"{path} cannot be read ({err}); download it again ({_WHERE})") from err


def _parse_idx(path: Path, magic: int, dims: int) -> np.ndarray:
    raw = _read_bytes(path)
    header = 4 + 4 * dims
    if len(raw) < header:
        raise MNISTError(
            f"{path} is truncated: {len(raw)} bytes, shorter than its {header}-byte header; "
            f"download it again ({_WHERE})"
        )
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise MNISTError(
            f"{path} is not an MNIST IDX file: magic number 0x{found:08x}, expected "
            f"0x{magic:08x}; check the file name and download it again ({_WHERE})"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    if dims == 3 and shape[1:] != (28, 28):
        raise MNISTError(f"{path} holds {shape[1]}x{shape[2]} images, expected 28x28")
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "too long"
        raise MNISTError(
            f"{path} is {what}: {len(raw)} bytes where its header ({shape[0]} items) needs "
            f"{expected}; download it again ({_WHERE})"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    keys = ("x_train", "y_train") if split == "train" else ("x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in keys if k not in npz.files]
            if missing:
                raise MNISTError(
                    f"{path} has no {', '.join(missing)} (it holds {', '.join(npz.files)}); "
                    "an MNIST npz has x_train, y_train, x_test, y_test"
                )
            images, labels = npz[keys[0]], npz[keys[1]]
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        if isinstance(err, MNISTError):
            raise
        raise MNISTError(f"{path} is not a readable npz file ({err})") from err
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise MNISTError(
            f"{path}: {keys[0]} must be uint8 of shape (N, 28, 28), got "
            f"{images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise MNISTError(f"{path}: {keys[1]} must be integers of shape (N,), got {labels.shape}")
    return images, labels


def load_mnist(
    directory: str | os.PathLike[str] | None = None,
    split: str = "train",
    verify: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The MNIST digits of ``split`` ("train" or "test") and their labels.

    Parameters
    ----------
    directory
        A folder holding the four IDX files (gzip-compressed or not, under their usual
        names such as ``train-images-idx3-ubyte.gz``) or a Keras-style ``mnist.npz``
        (``x_train, y_train, x_test, y_test``). By default ``$MANIM_DIFFUSION_MNIST``.
    split
        "train" (60,000 digits) or "test" (10,000).
    verify
        Check that the split has its official size and content (sha256 of the arrays,
        :data:`MNIST_SHA256`). Turn it off to read a subset in the same format.

    Returns
    -------
    images, labels
        ``uint8`` of shape ``(N, 28, 28)`` (0 is background, 255 ink) and ``int64`` of
        shape ``(N,)`` with values 0-9.

    Raises
    ------
    MNISTError
        When the files are missing, truncated, of the wrong kind (magic number), of
        mismatched counts, or (with ``verify``) not the official data.

    Examples
    --------
    MNIST itself does not ship (``load_mnist("~/data/mnist")`` reads a downloaded
    copy); scenes use :func:`load_latent_mnist` instead. Here a small IDX set is
    written from the 300 real test digits that do ship, and read back.

    .. manim:: LoadMNISTExample

        import gzip
        import tempfile
        from pathlib import Path

        import numpy as np
        from manim_diffusion import load_latent_mnist, load_mnist

        def write_idx(path, array):
            # IDX: magic number (unsigned bytes, number of dimensions), sizes, bytes
            sizes = [(0x800 + array.ndim).to_bytes(4, "big")]
            sizes += [n.to_bytes(4, "big") for n in array.shape]
            with gzip.open(path, "wb") as f:
                f.write(b"".join(sizes) + array.astype(np.uint8).tobytes())

        class LoadMNISTExample(Scene):
            def construct(self):
                kit = load_latent_mnist()
                with tempfile.TemporaryDirectory() as folder:
                    write_idx(Path(folder, "t10k-images-idx3-ubyte.gz"), kit.digits[:40])
                    write_idx(Path(folder, "t10k-labels-idx1-ubyte.gz"), kit.digit_labels[:40])
                    # a subset of the test split: verify=False skips the official hash
                    images, labels = load_mnist(folder, split="test", verify=False)
                sheet = images.reshape(4, 10, 28, 28).transpose(0, 2, 1, 3).reshape(112, 280)
                digits = ImageMobject(sheet).set(width=10).shift(0.4 * UP)
                read = Text(" ".join(map(str, labels[:10])) + "  ...", font_size=30)
                self.add(digits, read.next_to(digits, DOWN, buff=0.4))
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    folder = _directory(directory)
    image_stem, label_stem = MNIST_FILES[split]
    image_path, label_path = _find(folder, image_stem), _find(folder, label_stem)
    if image_path is not None and label_path is not None:
        images = _parse_idx(image_path, _IMAGES_MAGIC, 3)
        labels = _parse_idx(label_path, _LABELS_MAGIC, 1)
        source = f"{image_path.name} and {label_path.name} in {folder}"
    elif (folder / "mnist.npz").is_file():
        images, labels = _load_npz(folder / "mnist.npz", split)
        source = str(folder / "mnist.npz")
    else:
        missing = image_stem if image_path is None else label_stem
        raise MNISTError(
            f"MNIST not found in {folder} (no {missing}[.gz] and no mnist.npz); pass "
            f"--mnist-dir DIR or set {MNIST_ENV}; {_WHERE}"
        )
    if len(images) != len(labels):
        raise MNISTError(
            f"{source}: {len(images)} images but {len(labels)} labels; the files belong "
            "to different sets: download them again"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise MNISTError(
            f"{source}: labels must be digits 0-9, found {labels.min()}..{labels.max()}"
        )
    if verify:
        _verify(images, labels, split, source)
    return np.ascontiguousarray(images, dtype=np.uint8), labels.astype(np.int64)


def _verify(images: np.ndarray, labels: np.ndarray, split: str, source: str) -> None:
    count = MNIST_COUNTS[split]
    if len(images) != count:
        raise MNISTError(
            f"{source}: {len(images)} digits, the official {split} split has {count}; "
            "pass verify=False to read a subset"
        )
    want_images, want_labels = MNIST_SHA256[split]
    got_images = hashlib.sha256(np.ascontiguousarray(images, dtype=np.uint8).tobytes()).hexdigest()
    got_labels = hashlib.sha256(labels.astype(np.uint8).tobytes()).hexdigest()
    if got_images != want_images or got_labels != want_labels:
        which = "images" if got_images != want_images else "labels"
        raise MNISTError(
            f"{source}: the {which} differ from the official MNIST {split} split (sha256 "
            f"mismatch); download them again ({_WHERE}) or pass verify=False"
        )
