"""What the attack explorer and the heatmap gallery show, computed headless.

`explore` attacks one image on each model of a task and returns, per model, everything a
page draws: clean and adversarial probabilities, whether the prediction flipped, Grad-CAM
and attention maps before and after, how far the maps moved, and the perturbation with
its norms. `heatmap_gallery` does the same for a batch of images across an epsilon grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.attacks import PAPER_REL_STEPSIZE, pgd, predict
from core.explain import attention_map, compare, grad_cam
from core.models.build import has_attention
from core.models.spec import ModelSpec


@dataclass
class ModelOutcome:
    """One model's view of one attacked image."""

    spec: ModelSpec
    clean_probabilities: np.ndarray  # (classes,)
    adversarial_probabilities: np.ndarray
    adversarial: np.ndarray  # S x S x 3 in [0, 1]
    perturbation: np.ndarray  # adversarial - clean
    clean_cam: np.ndarray  # S x S in [0, 1]
    adversarial_cam: np.ndarray
    cam_shift: dict  # core.explain.compare of the two Grad-CAMs
    clean_attention: np.ndarray | None = None  # attentive models only
    adversarial_attention: np.ndarray | None = None
    transferred_from: str | None = None  # model id whose perturbation was applied

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

    def report(self) -> dict:
        """JSON-ready summary (no images)."""
        classes = self.spec.task_info.classes
        return {
            "model": self.spec.model_id, "title": self.spec.title,
            "clean": {c: float(p) for c, p in zip(classes, self.clean_probabilities)},
            "adversarial": {c: float(p) for c, p in zip(classes, self.adversarial_probabilities)},
            "clean_prediction": classes[self.clean_class],
            "adversarial_prediction": classes[self.adversarial_class],
            "flipped": self.flipped, "linf": self.linf, "l2": self.l2,
            "grad_cam_shift": self.cam_shift, "transferred_from": self.transferred_from,
        }


@dataclass
class Exploration:
    """The result of `explore`: settings, image, and one outcome per model."""

    image: np.ndarray
    label: int | None  # true class if known; else each model's own prediction was attacked
    epsilon: float
    steps: int
    rel_stepsize: float
    loss: str
    restarts: int
    seed: int
    transfer: bool
    outcomes: dict[str, ModelOutcome] = field(default_factory=dict)  # by model id

    def report(self) -> dict:
        return {"epsilon": self.epsilon, "epsilon_255": self.epsilon * 255, "steps": self.steps,
                "rel_stepsize": self.rel_stepsize, "loss": self.loss,
                "restarts": self.restarts, "seed": self.seed, "transfer": self.transfer,
                "true_label": self.label, "models": [o.report() for o in self.outcomes.values()]}


def _maps(model, images, classes):
    cams = grad_cam(model, images, class_index=classes)
    attention = attention_map(model, images) if has_attention(model) else None
    return cams, attention


def explore(models: dict[ModelSpec, object], image: np.ndarray, *, epsilon: float, label: int | None = None,
            steps: int = 10, rel_stepsize: float = PAPER_REL_STEPSIZE, loss: str = "ce", restarts: int = 1,
            seed: int = 0, transfer: bool = False) -> Exploration:
    """Attack `image` (S x S x 3 in [0, 1]) on every model with L-inf PGD.

    label: the true class; None attacks each model's own clean prediction. transfer: the
    attentive models receive the perturbation crafted on their vanilla twin (when the twin
    is among `models`) instead of their own. Grad-CAM explains the clean prediction on the
    clean image and the adversarial prediction on the adversarial one.
    """
    result = Exploration(image, label, float(epsilon), int(steps), float(rel_stepsize), loss, int(restarts),
                         int(seed), bool(transfer))
    batch = image[None].astype(np.float32)
    ordered = sorted(models.items(), key=lambda item: item[0].attention)  # vanilla first: transfer sources
    for spec, model in ordered:
        clean = predict(model, batch)[0]
        target = int(clean.argmax()) if label is None else int(label)
        source = result.outcomes.get(spec.twin().model_id) if transfer and spec.attention else None
        if source is not None:
            adversarial = source.adversarial[None]
        else:
            adversarial = pgd(model, batch, np.array([target]), epsilon=epsilon, steps=steps,
                              rel_stepsize=rel_stepsize, loss=loss, restarts=restarts, seed=seed)
        adversarial_probabilities = predict(model, adversarial)[0]
        both = np.concatenate([batch, adversarial])
        classes = [int(clean.argmax()), int(adversarial_probabilities.argmax())]
        cams, attention = _maps(model, both, classes)
        result.outcomes[spec.model_id] = ModelOutcome(
            spec, clean, adversarial_probabilities, adversarial[0], adversarial[0] - image,
            cams[0], cams[1], compare(cams[0], cams[1]),
            None if attention is None else attention[0], None if attention is None else attention[1],
            transferred_from=source.spec.model_id if source is not None else None)
    return result


def heatmap_gallery(model, images: np.ndarray, labels: np.ndarray, *, epsilons, steps: int = 10,
                    rel_stepsize: float = PAPER_REL_STEPSIZE, seed: int = 0) -> dict:
    """Grad-CAM of `images` clean and under PGD at every epsilon (paper section 3.4: 16
    sample images x every epsilon), with the map-similarity metrics averaged per epsilon.

    Returns {"clean_cams", "epsilons": [{"epsilon", "adversarial", "cams", "accuracy",
    "pearson", "top20_iou", "centre_shift_px"}]}.
    """
    clean_cams = grad_cam(model, images)
    rows = []
    for epsilon in epsilons:
        adversarial = pgd(model, images, labels, epsilon=float(epsilon), steps=steps,
                          rel_stepsize=rel_stepsize, seed=seed)
        cams = grad_cam(model, adversarial)
        metrics = [compare(a, b) for a, b in zip(clean_cams, cams)]
        rows.append({
            "epsilon": float(epsilon), "adversarial": adversarial, "cams": cams,
            "accuracy": float((predict(model, adversarial).argmax(axis=1) == labels).mean()),
            **{name: float(np.nanmean([m[name] for m in metrics])) for name in metrics[0]},
        })
    return {"clean_cams": clean_cams, "epsilons": rows}
