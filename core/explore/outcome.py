"""What the explorer shows for one image: per model, before and after the attack."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.formatting import epsilon_255, in_255
from core.models.spec import ModelSpec


# What happened to one model's answer, relative to the true class where it is known: an answer
# that was wrong before the attack and stays wrong is not robustness ("held" would say it was),
# and one that turns right is not the attack's success.
VERDICTS = {
    "held": "right on the clean image and still right",
    "fooled": "right on the clean image, wrong after the change",
    "already wrong": "wrong on the clean image already; the change moved it or not",
    "corrected": "wrong on the clean image, right after the change",
}
# Where the true class is unknown, relative to the model's own clean prediction.
UNKNOWN_TRUTH_VERDICTS = {
    "unchanged": "the prediction stayed (the true class is unknown)",
    "flipped": "the prediction changed (the true class is unknown)",
}


def verdict(clean_class: int, changed_class: int, label: int | None) -> str:
    """One of VERDICTS when the true `label` is known, else one of UNKNOWN_TRUTH_VERDICTS."""
    if label is None:
        return "flipped" if clean_class != changed_class else "unchanged"
    if clean_class == label:
        return "held" if changed_class == label else "fooled"
    return "corrected" if changed_class == label else "already wrong"


@dataclass
class ModelOutcome:
    """One model's view of one attacked image."""

    spec: ModelSpec
    clean_probabilities: np.ndarray  # (classes,)
    adversarial_probabilities: np.ndarray
    adversarial: np.ndarray  # S x S x 3 in [0, 1]
    perturbation: np.ndarray  # adversarial - clean
    clean_cam: np.ndarray  # S x S in [0, 1], the chosen saliency method
    adversarial_cam: np.ndarray
    cam_shift: dict  # core.explain.compare of the two maps
    perceptibility: dict | None  # SSIM and PSNR of the adversarial image against the clean one
    clean_attention: np.ndarray | None = None  # attentive models only
    adversarial_attention: np.ndarray | None = None
    transferred_from: str | None = None  # model id whose perturbation was applied
    ood: dict | None = None  # core.ood.Assessment.to_dict() of the input
    localisation: dict | None = None  # maps vs the ground-truth masks of a synthetic image
    minimal_epsilon: float | None = None  # filled in on request (core.explore.minimal_epsilon)
    minimal_epsilon_searched: bool = False
    saliency_note: str | None = None  # why another saliency method than the chosen one is shown

    @property
    def clean_class(self) -> int:
        return int(self.clean_probabilities.argmax())

    @property
    def adversarial_class(self) -> int:
        return int(self.adversarial_probabilities.argmax())

    @property
    def flipped(self) -> bool:
        return self.clean_class != self.adversarial_class

    @property
    def linf(self) -> float:
        return float(np.abs(self.perturbation).max())

    @property
    def l2(self) -> float:
        return float(np.sqrt((self.perturbation.astype(np.float64) ** 2).sum()))

    def verdict(self, label: int | None) -> str:
        """What happened to this model's answer (core.explore.outcome.verdict)."""
        return verdict(self.clean_class, self.adversarial_class, label)

    def report(self, label: int | None = None) -> dict:
        """JSON-ready summary: everything the grid shows, in numbers (no images), with the
        verdict relative to the true `label` when it is known."""
        classes = self.spec.task_info.classes
        report = {
            "model": self.spec.model_id, "title": self.spec.title,
            "clean": {c: float(p) for c, p in zip(classes, self.clean_probabilities)},
            "adversarial": {c: float(p) for c, p in zip(classes, self.adversarial_probabilities)},
            "clean_prediction": classes[self.clean_class],
            "adversarial_prediction": classes[self.adversarial_class],
            "verdict": self.verdict(label), "flipped": self.flipped, "linf": self.linf, "linf_255": epsilon_255(self.linf), "l2": self.l2,
            "perceptibility": self.perceptibility, "saliency_shift": self.cam_shift,
            "transferred_from": self.transferred_from, "out_of_distribution": self.ood,
            "localisation": self.localisation,
        }
        if self.minimal_epsilon_searched:
            report["minimal_flipping_epsilon"] = self.minimal_epsilon
            report["minimal_flipping_epsilon_255"] = (None if self.minimal_epsilon is None
                                                      else epsilon_255(self.minimal_epsilon))
        return report


@dataclass
class Exploration:
    """The result of `explore`: settings, image, and one outcome per model."""

    image: np.ndarray
    label: int | None  # true class if known; else each model's own prediction was attacked
    epsilon: float
    attack: object  # core.attacks.PGD: steps, step rule, loss, restarts
    seed: int
    transfer: bool
    method: str = "grad_cam"
    outcomes: dict[str, ModelOutcome] = field(default_factory=dict)  # by model id

    def image_for(self, outcome: ModelOutcome) -> np.ndarray:
        """The clean image as `outcome`'s model saw it: the picked image at that model's input
        size (core.explore.sizes.fit_image, as the request was sent), so maps and pictures align."""
        from core.explore.sizes import fit_image

        return fit_image(self.image, outcome.adversarial.shape[0])

    def report(self) -> dict:
        attack = self.attack
        from core.attack_settings import is_natural

        if is_natural(attack):  # a corruption: no epsilon, no steps
            settings = {"perturbation": "natural corruption", "corruption": attack.corruption,
                        "severity": attack.severity}
        elif getattr(attack, "kind", "") == "patch":  # a patch: its size is its area
            settings = {"perturbation": "adversarial patch", "area": attack.area, "placement": attack.placement,
                        "steps": attack.steps, "loss": attack.loss}
        else:
            settings = {"norm": getattr(attack, "norm", "linf"), "epsilon": self.epsilon,
                        "epsilon_255": in_255(self.epsilon), "steps": attack.steps,
                        "rel_stepsize": attack.rel_stepsize, "loss": attack.loss, "restarts": attack.restarts,
                        "random_start": attack.random_start}
        return {**settings, "seed": self.seed,
                "transfer": self.transfer, "saliency_method": self.method, "true_label": self.label,
                "models": [o.report(self.label) for o in self.outcomes.values()]}
