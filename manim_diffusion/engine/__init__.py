"""The engine: datasets, schedules, models, training and samplers (PyTorch, no manim)."""

from __future__ import annotations

from .analytic import GaussianMixture
from .branching import BranchSet, branch, branch_seed, spread_curve
from .classifier import (
    ClassifierConfig,
    DigitClassifier,
    classifier_accuracy,
    classify,
    train_classifier,
)
from .datasets import DATASETS, dataset_names, make_dataset
from .fields import FIELD_T_MARGIN, FIELDS, grid_points, vector_field
from .forward import forward_trajectory
from .langevin import (
    Density,
    FunctionDensity,
    LangevinRun,
    MixtureDensity,
    as_density,
    langevin_walk,
    smiley_density,
)
from .latent_mnist import DEFAULT_GUIDANCE, LatentMNIST, guided_fractions, load_latent_mnist
from .metrics import energy_distance, energy_distance_floor
from .mnist import MNISTError, load_mnist
from .nets import MLPDenoiser
from .objectives import OBJECTIVES, DiffusionModel, GuidedModel, Prediction
from .pretrained import (
    CheckpointError,
    list_pretrained,
    load_checkpoint,
    load_pretrained,
    save_checkpoint,
)
from .samplers import DEFAULT_STEPS, GRIDS, SAMPLERS, sample, time_grid
from .schedules import (
    SCHEDULES,
    CosineSchedule,
    FlowSchedule,
    LinearSchedule,
    Schedule,
    VPSchedule,
    get_schedule,
)
from .shapes import fit_to_box, sample_curves, sample_image, sample_inside, sample_polyline
from .threads import SINGLE_THREAD_POINTS, limited_threads
from .train import Snapshot, TrainConfig, TrainingDiverged, TrainResult, train
from .trajectory import Trajectory
from .vae import (
    VAE,
    VAEConfig,
    VAEResult,
    VAESnapshot,
    decode_images,
    encode_means,
    knn_accuracy,
    reconstruction_error,
    train_vae,
)

__all__ = [
    "BranchSet",
    "branch",
    "branch_seed",
    "spread_curve",
    "VAE",
    "VAEConfig",
    "VAEResult",
    "VAESnapshot",
    "decode_images",
    "encode_means",
    "knn_accuracy",
    "reconstruction_error",
    "train_vae",
    "ClassifierConfig",
    "DigitClassifier",
    "classifier_accuracy",
    "classify",
    "train_classifier",
    "DEFAULT_GUIDANCE",
    "LatentMNIST",
    "guided_fractions",
    "load_latent_mnist",
    "MNISTError",
    "load_mnist",
    "CheckpointError",
    "CosineSchedule",
    "DATASETS",
    "DEFAULT_STEPS",
    "Density",
    "DiffusionModel",
    "FIELDS",
    "FIELD_T_MARGIN",
    "FlowSchedule",
    "FunctionDensity",
    "GRIDS",
    "GaussianMixture",
    "GuidedModel",
    "LangevinRun",
    "LinearSchedule",
    "MLPDenoiser",
    "MixtureDensity",
    "OBJECTIVES",
    "Prediction",
    "SAMPLERS",
    "SCHEDULES",
    "SINGLE_THREAD_POINTS",
    "Schedule",
    "Snapshot",
    "TrainConfig",
    "TrainResult",
    "Trajectory",
    "TrainingDiverged",
    "VPSchedule",
    "as_density",
    "dataset_names",
    "energy_distance",
    "energy_distance_floor",
    "fit_to_box",
    "forward_trajectory",
    "get_schedule",
    "grid_points",
    "langevin_walk",
    "limited_threads",
    "list_pretrained",
    "load_checkpoint",
    "load_pretrained",
    "make_dataset",
    "sample",
    "sample_curves",
    "sample_image",
    "sample_inside",
    "sample_polyline",
    "save_checkpoint",
    "smiley_density",
    "time_grid",
    "train",
    "vector_field",
]
