"""Every public name the package had before the layered layout is importable as before."""

from __future__ import annotations

import importlib

import pytest

#: ``manim_diffusion.__all__`` before the move to core/ samplers/ training/ ... (f9ed320).
TOP_LEVEL = [
    "BRANCH_PALETTE", "BranchSet", "BranchingGrid", "BranchingTree", "CheckpointError",
    "ClassifierConfig", "ContourField", "CosineSchedule", "DATASETS", "DEFAULT_GUIDANCE",
    "DEFAULT_STEPS", "Density", "DensityHeatmap", "DiffusionModel", "DigitClassifier",
    "DistributionCloud", "DriftField", "FIELDS", "FIELD_T_MARGIN", "FieldErrorMap",
    "FlowSchedule", "ForwardProcess", "ForwardTracer", "FunctionDensity", "GRIDS",
    "GaussianMixture", "GridImage", "GuidedModel", "LangevinRun", "LangevinWalker",
    "LatentMNIST", "LatentMNISTPanel", "LinearSchedule", "MLPDenoiser", "MNISTError",
    "MNIST_PALETTE", "MixtureDensity", "OBJECTIVES", "Prediction", "SAMPLERS", "SCHEDULES",
    "SINGLE_THREAD_POINTS", "Schedule", "SchedulePlot", "Snapshot", "SpreadPlot", "TimeBar",
    "TrainConfig", "TrainResult", "TrainingDiverged", "TrainingEvolution", "Trajectory",
    "TrajectoryTracer", "VAE", "VAEConfig", "VAEResult", "VAESnapshot", "VPSchedule",
    "as_density", "branch", "branch_seed", "classifier_accuracy", "classify", "dataset_names",
    "decode_images", "encode_means", "energy_distance", "energy_distance_floor", "fit_to_box",
    "forward_trajectory", "get_schedule", "grid_points", "guided_fractions", "knn_accuracy",
    "langevin_walk", "limited_threads", "list_pretrained", "load_checkpoint",
    "load_latent_mnist", "load_mnist", "load_pretrained", "make_dataset",
    "points_from_mobject", "reconstruction_error", "sample", "sample_curves", "sample_image",
    "sample_inside", "sample_polyline", "save_checkpoint", "smiley_density", "spread_curve",
    "time_grid", "toy_latent_digits", "train", "train_classifier", "train_vae", "vector_field",
]

#: ``manim_diffusion.engine.__all__`` then: the engine facade keeps them (and loads no manim).
ENGINE = [
    "BranchSet", "CheckpointError", "ClassifierConfig", "CosineSchedule", "DATASETS",
    "DEFAULT_GUIDANCE", "DEFAULT_STEPS", "Density", "DiffusionModel", "DigitClassifier",
    "FIELDS", "FIELD_T_MARGIN", "FlowSchedule", "FunctionDensity", "GRIDS", "GaussianMixture",
    "GuidedModel", "LangevinRun", "LatentMNIST", "LinearSchedule", "MLPDenoiser", "MNISTError",
    "MixtureDensity", "OBJECTIVES", "Prediction", "SAMPLERS", "SCHEDULES",
    "SINGLE_THREAD_POINTS", "Schedule", "Snapshot", "TrainConfig", "TrainResult",
    "TrainingDiverged", "Trajectory", "VAE", "VAEConfig", "VAEResult", "VAESnapshot",
    "VPSchedule", "as_density", "branch", "branch_seed", "classifier_accuracy", "classify",
    "dataset_names", "decode_images", "encode_means", "energy_distance",
    "energy_distance_floor", "fit_to_box", "forward_trajectory", "get_schedule", "grid_points",
    "guided_fractions", "knn_accuracy", "langevin_walk", "limited_threads", "list_pretrained",
    "load_checkpoint", "load_latent_mnist", "load_mnist", "load_pretrained", "make_dataset",
    "reconstruction_error", "sample", "sample_curves", "sample_image", "sample_inside",
    "sample_polyline", "save_checkpoint", "smiley_density", "spread_curve", "time_grid",
    "train", "train_classifier", "train_vae", "vector_field",
]


@pytest.mark.parametrize("module, names", [("manim_diffusion", TOP_LEVEL),
                                           ("manim_diffusion.engine", ENGINE)])
def test_every_earlier_public_name_is_still_there(module: str, names: list[str]) -> None:
    package = importlib.import_module(module)
    missing = [n for n in names if n not in package.__all__ or not hasattr(package, n)]
    assert not missing, f"{module} lost {missing}"


def test_the_top_level_and_the_engine_give_the_same_objects() -> None:
    import manim_diffusion
    import manim_diffusion.engine as engine

    for name in ENGINE:
        assert getattr(manim_diffusion, name) is getattr(engine, name), name
