"""The manifest of a folder of checkpoints: its schema, reading it, and adding an entry.

Every entry is built by :func:`manifest_entry`, so its keys come in one order:
``name, file, kind, dataset, objective, schedule, content, network, training,
metric, vae_sha256, command, sha256`` (those left out are not written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .files import CheckpointError, atomic_write, pretrained_dir, sha256_of

__all__ = [
    "ENTRY_KEYS",
    "MANIFEST",
    "SECTIONS",
    "add_to_manifest",
    "manifest_entry",
    "mlp_network",
    "read_manifest",
    "read_sections",
]

MANIFEST = "manifest.json"
#: The manifest's sections: "models" holds the 2D and 3D point diffusion checkpoints (each
#: with an energy distance; a 3D one's ``network`` says ``"dim": 3``), "files" everything
#: else (kind "vae", "classifier", "diffusion" for the MNIST latent model, "arrays" for
#: npz data).
SECTIONS = ("models", "files")
#: The keys of an entry, in the order they are written.
ENTRY_KEYS = ("name", "file", "kind", "dataset", "objective", "schedule", "content", "network",
              "training", "metric", "vae_sha256", "command", "sha256")


def read_sections(directory: Path | None) -> dict[str, list[dict[str, Any]]]:
    """Every section of ``directory``'s manifest (empty if there is none), checked."""
    path = (directory or pretrained_dir()) / MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
        sections = {key: list(data.get(key, [])) for key in SECTIONS}
        unnamed = [e for entries in sections.values() for e in entries if "name" not in e]
        if unnamed:
            raise KeyError(f"an entry has no name: {unnamed[0]}")
        return sections
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{path} is not a valid manifest ({err})") from err


def read_manifest(
    directory: Path | None = None, section: str = "models"
) -> dict[str, dict[str, Any]]:
    """The entries of one manifest section by name (empty if there is no manifest).

    ``section`` is "models" (the 2D and 3D point checkpoints) or "files" (the MNIST VAE,
    classifier, latent model and latent codes).
    """
    if section not in SECTIONS:
        raise ValueError(f"unknown manifest section {section!r}; choose one of {SECTIONS}")
    return {e["name"]: e for e in read_sections(directory).get(section, [])}


def add_to_manifest(entry: dict[str, Any], directory: Path, section: str = "models") -> None:
    """Add or replace ``entry`` (by its name) in a section of ``directory``'s manifest,
    atomically; the other sections are kept as they are."""
    if section not in SECTIONS:
        raise ValueError(f"unknown manifest section {section!r}; choose one of {SECTIONS}")
    sections = read_sections(directory)
    entries = {e["name"]: e for e in sections.get(section, [])}
    entries[entry["name"]] = entry
    sections[section] = [entries[k] for k in sorted(entries)]
    data = {"models": sections.get("models", [])}
    if sections.get("files"):
        data["files"] = sections["files"]
    text = json.dumps(data, indent=2) + "\n"
    atomic_write(directory / MANIFEST, lambda f: f.write(text.encode()))



def mlp_network(config: Any, dim: int = 2) -> dict[str, Any]:
    """The ``network`` of an entry for a diffusion model's MLP, from its TrainConfig and
    the dimension of its points (written only when it is not 2, as in the 2D entries)."""
    network = {"type": "mlp", "hidden": config.hidden, "layers": config.layers,
               "time_dim": config.time_dim, "num_classes": config.num_classes}
    return network if dim == 2 else {**network, "dim": int(dim)}


def manifest_entry(
    name: str,
    file: str | Path,
    *,
    command: str,
    sha256: str | None = None,
    kind: str | None = None,
    dataset: str | None = None,
    objective: str | None = None,
    schedule: str | None = None,
    content: str | None = None,
    network: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    metric: dict[str, Any] | None = None,
    vae_sha256: str | None = None,
) -> dict[str, Any]:
    """One manifest entry, its keys in the order of :data:`ENTRY_KEYS`.

    Parameters
    ----------
    name
        The name the file is loaded by (``load_pretrained(name)``, ``shipped_file``).
    file
        The written file; the entry keeps its name only (it sits beside the manifest).
    command
        The command line that makes the file again.
    sha256
        The file's hash; by default it is computed from ``file``.
    kind
        For the "files" section: "vae", "classifier", "diffusion" or "arrays".
    dataset, objective, schedule
        What a diffusion model learnt, and how.
    content
        For "arrays": what the file holds, in words.
    network, training, metric
        What rebuilds the network, how it was trained, what it scored.
    vae_sha256
        For files made with a VAE: the hash of that VAE.

    Returns
    -------
    dict
        The entry, for :func:`add_to_manifest`; left-out (None) keys are not written.
    """
    values = {
        "name": name, "file": Path(file).name, "kind": kind, "dataset": dataset,
        "objective": objective, "schedule": schedule, "content": content,
        "network": network, "training": training, "metric": metric,
        "vae_sha256": vae_sha256, "command": command,
        "sha256": sha256 if sha256 is not None else sha256_of(file),
    }
    return {key: values[key] for key in ENTRY_KEYS if values[key] is not None}
