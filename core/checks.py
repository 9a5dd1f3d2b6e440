"""Honest-robustness checks (Carlini et al. 2019, "On Evaluating Adversarial Robustness").

A robustness number is only worth showing when the attack behind it is sound. Each check
returns a plain verdict a person can read beside the curves:

1. accuracy falls to ~0 when epsilon is large (0.5 on the [0, 1] scale: any image can
   then be turned into any other), else the attack is broken or gradients are masked;
2. doubling the PGD steps does not raise accuracy (and if it lowers it, the reported
   numbers were optimistic: the attack had not converged);
3. PGD is at least as strong as FGSM;
4. the black-box transfer attack from the vanilla twin is not stronger than the white-box
   attack on the attentive model itself (if it is, gradients are masked).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from core.attacks import PAPER_REL_STEPSIZE, accuracy, fgsm, pgd, predict

LARGE_EPSILON = 0.5
NEAR_ZERO = 0.05  # "~0": at most 5 % of the images survive


@dataclass(frozen=True)
class Check:
    """One check: status is "pass", "warn", "fail" or "skip"; detail is plain words."""

    name: str
    status: str
    detail: str

    def to_dict(self) -> dict:
        return asdict(self)


def reference_epsilon(epsilons, curve: list[dict] | None = None) -> float:
    """The epsilon at which steps, FGSM and transfer are compared.

    With a robustness curve: the grid epsilon whose accuracy is closest to half the clean
    accuracy, where a stronger or weaker attack shows most. Without: the median non-zero one.
    """
    nonzero = sorted(e for e in epsilons if e > 0)
    if not nonzero:
        raise ValueError("the epsilon grid needs at least one epsilon above 0")
    if curve:
        clean = next((r["accuracy"] for r in curve if r["epsilon"] == 0), 1.0)
        attacked = [r for r in curve if r["epsilon"] > 0]
        return float(min(attacked, key=lambda r: (abs(r["accuracy"] - clean / 2), r["epsilon"]))["epsilon"])
    return float(nonzero[(len(nonzero) - 1) // 2])


def robustness_checks(model, images, labels, *, epsilons, twin=None, steps: int = 40,
                      rel_stepsize: float = PAPER_REL_STEPSIZE, restarts: int = 1,
                      seed: int = 0, loss: str = "ce", curve: list[dict] | None = None) -> list[Check]:
    """Run the four checks on `model` (and its vanilla `twin`, for transfer); `curve`, when
    given, picks the epsilon they compare at (see reference_epsilon)."""
    labels = np.asarray(labels, np.int64)
    tolerance = 1.0 / max(len(labels), 1) + 1e-9  # one image
    epsilon = reference_epsilon(epsilons, curve)
    options = dict(rel_stepsize=rel_stepsize, restarts=restarts, seed=seed, loss=loss)

    def robust(eps, n_steps=steps, **changes):
        kwargs = {**options, **changes}
        return accuracy(model, pgd(model, images, labels, epsilon=eps, steps=n_steps, **kwargs), labels)

    at_reference = robust(epsilon)
    large = robust(LARGE_EPSILON)
    with_margin = robust(LARGE_EPSILON, loss="margin") if large > NEAR_ZERO and loss == "ce" else None
    checks = [
        _large_epsilon_check(large, with_margin),
        _steps_check(at_reference, robust(epsilon, 2 * steps), steps, epsilon, tolerance),
        _fgsm_check(at_reference, accuracy(model, fgsm(model, images, labels, epsilon=epsilon, loss=loss), labels),
                    epsilon, tolerance),
    ]
    if twin is None:
        checks.append(Check("Transfer from the vanilla twin", "skip", "no twin model given"))
    else:
        crafted = pgd(twin, images, labels, epsilon=epsilon, steps=steps, **options)
        transferred = float((predict(model, crafted).argmax(axis=1) == labels).mean())
        checks.append(_transfer_check(at_reference, transferred, epsilon, tolerance))
    return checks


def _eps(epsilon: float) -> str:
    return f"ε = {epsilon:g} ({epsilon * 255:.3g}/255)"


def _large_epsilon_check(accuracy_large: float, with_margin: float | None = None) -> Check:
    name = "Accuracy falls to ~0 at a large epsilon"
    detail = f"accuracy {accuracy_large:.1%} at {_eps(LARGE_EPSILON)}"
    if accuracy_large <= NEAR_ZERO:
        return Check(name, "pass", detail + ": the attack can fool the model")
    if with_margin is not None and with_margin <= NEAR_ZERO:
        return Check(name, "fail", detail + f" with cross-entropy, {with_margin:.1%} with the logit-margin "
                     "loss: the model is so over-confident that its softmax saturates and the "
                     "cross-entropy gradient vanishes (gradient masking by saturation, not robustness); "
                     "the cross-entropy numbers overstate robustness at large ε: evaluate with the "
                     "margin loss")
    return Check(name, "fail", detail + ": an unbounded attack should reach ~0 %; the attack is "
                 "too weak or the gradients are masked, so robust accuracies here are not trustworthy")


def _steps_check(base: float, doubled: float, steps: int, epsilon: float, tolerance: float) -> Check:
    name = "Doubling PGD steps does not raise accuracy"
    detail = f"{base:.1%} with {steps} steps, {doubled:.1%} with {2 * steps} at {_eps(epsilon)}"
    if doubled > base + tolerance:
        return Check(name, "fail", detail + ": more steps should never help the model; the attack is unstable")
    if doubled < base - tolerance:
        return Check(name, "warn", detail + f": not converged at {steps} steps, so the robust "
                     "accuracies shown are optimistic; use more steps")
    return Check(name, "pass", detail + ": more steps change nothing here")


def _fgsm_check(pgd_accuracy: float, fgsm_accuracy: float, epsilon: float, tolerance: float) -> Check:
    name = "PGD is at least as strong as FGSM"
    detail = f"PGD {pgd_accuracy:.1%}, FGSM {fgsm_accuracy:.1%} at {_eps(epsilon)}"
    if pgd_accuracy <= fgsm_accuracy + tolerance:
        return Check(name, "pass", detail)
    return Check(name, "fail", detail + ": a single step beats the iterative attack, a sign of "
                 "gradient masking or a broken attack")


def _transfer_check(white_box: float, transferred: float, epsilon: float, tolerance: float) -> Check:
    name = "Transfer from the vanilla twin is not stronger than white-box"
    detail = f"white-box {white_box:.1%}, transfer from the twin {transferred:.1%} at {_eps(epsilon)}"
    if transferred < white_box - tolerance:
        return Check(name, "fail", detail + ": examples crafted on another model fool this one more "
                     "than its own gradients do, so its robustness is gradient masking")
    return Check(name, "pass", detail)


def verdict(checks: list[Check]) -> str:
    """One sentence over all checks."""
    statuses = {c.status for c in checks}
    if "fail" in statuses:
        return "Not trustworthy: at least one check failed; read the details before using these numbers."
    if "warn" in statuses:
        return "Usable with care: the attack may not have converged, so robustness is overstated."
    return "Trustworthy: every check passed."
