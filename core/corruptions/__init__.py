"""Natural corruptions beside the attacks: what clinicians meet every day (the paper: "a
well-placed orthopedic pin or speck of dust could make all the difference").

    CORRUPTIONS[name]      a registry.Corruption: title, tasks (None: every one), source, fn
    corrupt(images, name, severity, *, seed=0, task=None)   N x S x S x 3 in [0, 1], same shape
    corruptions_for(task)  the general ones and the task's modality's own

Nine general corruptions at the five severities of ImageNet-C / MedMNIST-C, through
albumentations (core.corruptions.general), and eight of the three modalities
(core.corruptions.modality). Deterministic for a seed; strength grows with severity (tested).
"""

from core.corruptions.registry import CORRUPTIONS, SEVERITIES, Corruption, corrupt, corruptions_for

__all__ = ["CORRUPTIONS", "SEVERITIES", "Corruption", "corrupt", "corruptions_for"]
