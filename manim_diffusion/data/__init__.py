"""data: the 2D and 3D data sets, point sets from shapes, and the shared geometry."""

from __future__ import annotations

from .datasets import DATASETS, DATASETS_3D, LABELLED, dataset_names, make_dataset
from .shapes import fit_to_box, sample_curves, sample_image, sample_inside, sample_polyline

__all__ = [
    "DATASETS",
    "DATASETS_3D",
    "LABELLED",
    "dataset_names",
    "fit_to_box",
    "make_dataset",
    "sample_curves",
    "sample_image",
    "sample_inside",
    "sample_polyline",
]
