"""The engine: datasets, schedules, models, training and samplers (PyTorch, no manim)."""

from __future__ import annotations

from ..analysis.branching import BranchSet, branch, branch_seed, spread_curve
from ..analysis.fields import FIELD_T_MARGIN, FIELDS, grid_points, grid_points_3d, vector_field
from ..analysis.flow_map import FlowMap, deterministic_samplers, flow_map, is_deterministic
from ..analysis.forward import forward_trajectory
from ..analysis.grid_lines import FLOW_MAP_MEMORY, GridLines, grid_lines
from ..analysis.likelihood import (
    LIKELIHOOD_SOLVERS,
    LikelihoodResult,
    gaussian_prior_log_prob,
    log_density_along,
    ode_log_likelihood,
)
from ..analysis.metrics import energy_distance, energy_distance_floor
from ..analysis.projection import PlaneProjection
from ..apps.mnist.classifier import (
    ClassifierConfig,
    DigitClassifier,
    classifier_accuracy,
    classify,
    train_classifier,
)
from ..apps.mnist.idx import MNISTError, load_mnist
from ..apps.mnist.latent import DEFAULT_GUIDANCE, LatentMNIST, guided_fractions, load_latent_mnist
from ..apps.mnist.pixel_kit import PIXEL_GUIDANCE, PixelMNIST, load_pixel_mnist
from ..apps.mnist.pixel_metrics import classifier_features, frechet_distance
from ..apps.mnist.pixel_model import PIXEL_CONFIG, PixelConfig, train_pixel_model
from ..apps.mnist.vae import VAE
from ..apps.mnist.vae_eval import decode_images, encode_means, knn_accuracy, reconstruction_error
from ..apps.mnist.vae_training import VAEConfig, VAEResult, VAESnapshot, train_vae
from ..core.devices import resolve_device
from ..core.model import DiffusionModel, GuidedModel
from ..core.nets import MLPDenoiser
from ..core.prediction import Prediction
from ..core.schedules import (
    SCHEDULES,
    CosineSchedule,
    FlowSchedule,
    LinearSchedule,
    Schedule,
    VPSchedule,
    get_schedule,
)
from ..core.threads import SINGLE_THREAD_POINTS, limited_threads
from ..core.trajectory import Trajectory
from ..core.unet import UNetDenoiser
from ..data.datasets import DATASETS, DATASETS_3D, dataset_names, make_dataset
from ..data.datasets_3d import spring_curve
from ..data.images import load_image, noise_image, to_display
from ..data.shapes import fit_to_box, sample_curves, sample_image, sample_inside, sample_polyline
from ..densities import (
    Density,
    DiagonalGaussian,
    FunctionDensity,
    GaussianMixture,
    LangevinRun,
    MixtureDensity,
    as_density,
    langevin_walk,
    smiley_density,
)
from ..io.checkpoints import load_checkpoint, save_checkpoint
from ..io.files import CheckpointError
from ..io.pretrained import list_pretrained, load_pretrained
from ..io.run_cache import cached_run
from ..samplers.sample import DEFAULT_STEPS, GRIDS, SAMPLERS, sample, time_grid
from ..training.objectives import OBJECTIVES
from ..training.train import Snapshot, TrainConfig, TrainingDiverged, TrainResult, train

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
    "PIXEL_CONFIG",
    "PIXEL_GUIDANCE",
    "PixelConfig",
    "PixelMNIST",
    "UNetDenoiser",
    "classifier_features",
    "frechet_distance",
    "load_pixel_mnist",
    "resolve_device",
    "train_pixel_model",
    "DiagonalGaussian",
    "PlaneProjection",
    "cached_run",
    "load_image",
    "noise_image",
    "to_display",
    "FLOW_MAP_MEMORY",
    "FlowMap",
    "GridLines",
    "deterministic_samplers",
    "flow_map",
    "grid_lines",
    "is_deterministic",
    "LIKELIHOOD_SOLVERS",
    "LikelihoodResult",
    "gaussian_prior_log_prob",
    "log_density_along",
    "ode_log_likelihood",
    "CheckpointError",
    "CosineSchedule",
    "DATASETS",
    "DATASETS_3D",
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
    "grid_points_3d",
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
    "spring_curve",
    "time_grid",
    "train",
    "vector_field",
]
