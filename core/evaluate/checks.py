"""Can these robustness numbers be trusted? (Carlini et al. 2019; Croce & Hein 2020)

Each check returns a plain verdict a person reads beside the curves. They run on the
first images of the test set at the reference epsilon (where the curve is halfway down),
reusing the curve's per-image results where they exist:

1. accuracy falls to ~0 at epsilon = 0.5 (any image can then become any other);
2. an independent run with twice every attack's iterations changes accuracy by at most one
   image (converged; Carlini et al. compare two independent runs, so the doubled run is not
   restricted to the images the first run left robust, and both run at the reference epsilon
   alone);
3. the protocol is at least as strong as FGSM;
4. examples crafted on the vanilla twin do not fool the model more than its own gradients;
5. the paper's attack vs a strong one: a large gap means the paper's numbers overstate robustness;
6. a gradient-free attack (Square) does not fool images the gradient attacks missed (masking);
7. the raw accuracy of the attack at each epsilon alone does not climb with epsilon (saturation).

The verdict says how many checks ran and could fail: a skipped check, or one that can only
inform under this protocol (the paper-vs-strong gap when the strong protocol is the one used),
is never counted as passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from core.attack_settings import FGSM, PGD, Square
from core.formatting import percent, radius_text

LARGE_EPSILON = 0.5
NEAR_ZERO = 0.02  # "~0": at most 2 % of the images survive
GAP_POINTS = 0.05  # the paper's attack overstates robustness when it leaves 5+ points more (and 2+ images)
CHECKS_VERSION = 2  # saved with every result: version 1's doubling check could not fail and its
# Square check compared a whole-curve count with a one-in-64 tolerance


@dataclass(frozen=True)
class Check:
    """One check: status is pass, warn, fail, skip or info (a finding that does not bear on
    these numbers); detail is plain words."""

    name: str
    status: str
    detail: str
    can_fail: bool = True  # False: under this protocol the check can only pass or inform

    def to_dict(self) -> dict:
        return asdict(self)


def reference_epsilon(epsilons, curve: list[dict] | None = None) -> float:
    """The epsilon the checks compare at: with a curve, the grid epsilon whose accuracy is
    closest to half the clean accuracy, where a stronger or weaker attack shows most;
    without, the median non-zero one."""
    nonzero = sorted(e for e in epsilons if e > 0)
    if not nonzero:
        raise ValueError("the epsilon grid needs at least one epsilon above 0")
    if curve:
        clean = next((r["accuracy"] for r in curve if r["epsilon"] == 0), 1.0)
        attacked = [r for r in curve if r["epsilon"] > 0]
        return float(min(attacked, key=lambda r: (abs(r["accuracy"] - clean / 2), r["epsilon"]))["epsilon"])
    return float(nonzero[(len(nonzero) - 1) // 2])


class _Runner:
    """Runs attack lists on the check images of one model."""

    def __init__(self, model, images, labels, seed):
        self.model, self.images, self.labels, self.seed = model, images, labels, seed

    def robust(self, members, epsilon, among=None, model=None) -> np.ndarray:
        """Per image: survived every member at epsilon (images outside `among` count as fooled)."""
        model = model or self.model
        among = np.ones(len(self.labels), bool) if among is None else among
        flags = np.zeros(len(self.labels), bool)
        todo = np.flatnonzero(among)
        if todo.size:
            from core.attacks import worst_case

            result = worst_case(model, self.images[todo], self.labels[todo], epsilon=epsilon, attacks=members,
                                seed=self.seed)
            flags[todo] = result.robust
        return flags


def robustness_checks(model, images, labels, *, epsilons, attack=None, twin=None,
                      curve: list[dict] | None = None) -> list[Check]:
    """The seven checks on `model` (and its vanilla `twin`, for transfer) under the preset
    `attack` (default: strong); `curve`, when given, picks the epsilon and supplies the
    per-image results at it (its first len(images) images must be `images`)."""
    from core.encoding import text_to_flags
    from core.evaluate.presets import PRESETS

    attack = attack or PRESETS["strong"]
    norm = attack.norm
    labels = np.asarray(labels, np.int64)
    count = len(labels)
    tolerance = 1.0 / max(count, 1) + 1e-9  # one image
    epsilon = reference_epsilon(epsilons, curve)
    members = attack.members_for(int(model.output_shape[-1]))
    run = _Runner(model, images, labels, attack.seed)
    row = next((r for r in curve or [] if r["epsilon"] == epsilon and "robust" in r), None)
    base = text_to_flags(row["robust"])[:count] if row else run.robust(members, epsilon)
    alone = run.robust(members, epsilon)  # as run, at this epsilon alone: what doubling is compared with
    doubled = run.robust(attack.scaled(2).members_for(int(model.output_shape[-1])), epsilon)  # independent
    large_epsilon = large_radius(norm, np.asarray(images).shape)
    large = run.robust(members, large_epsilon).mean()
    with_margin = None
    if large > NEAR_ZERO and all(getattr(m, "loss", "ce") in ("ce", "softmax-ce") for m in members):
        with_margin = run.robust((PGD(loss="margin", norm=norm),), large_epsilon).mean()
    one_step = FGSM() if norm == "linf" else PGD(steps=1, rel_stepsize=1.0, random_start=False, norm=norm)
    checks = [
        _large_epsilon_check(large, with_margin, radius_text(large_epsilon, norm)),
        _doubling_check(alone.mean(), doubled.mean(), radius_text(epsilon, norm), tolerance),
        _fgsm_check(base.mean(), run.robust((one_step,), epsilon).mean(), radius_text(epsilon, norm), tolerance),
        _transfer_check(run, members, base, twin, epsilon, tolerance, norm),
        _gap_check(run, attack, members, base, epsilon, count),
        _square_check(run, members, base, curve, epsilon, tolerance, norm),
        _saturation_check(curve, attack),
    ]
    return checks


def large_radius(norm: str, shape) -> float:
    """The budget at which any image can become another: ε LARGE_EPSILON in L-inf; in L2, the
    length of that change on every value of an image of `shape` (N x S x S x C), so the L2 ball
    holds the L-inf one and an attack that empties one empties the other."""
    if norm == "linf":
        return LARGE_EPSILON
    return float(LARGE_EPSILON * np.sqrt(np.prod(shape[1:])))


def _large_epsilon_check(accuracy_large: float, with_margin: float | None = None,
                         where: str = radius_text(LARGE_EPSILON)) -> Check:
    name = "Accuracy falls to ~0 at a large epsilon"
    detail = f"accuracy {percent(accuracy_large)} at {where}"
    if accuracy_large <= NEAR_ZERO:
        return Check(name, "pass", detail + ": the attack can fool the model")
    if with_margin is not None and with_margin <= NEAR_ZERO:
        return Check(name, "fail", detail + f" with cross-entropy, {percent(with_margin)} with the logit-margin "
                     "loss: the model is so over-confident that its softmax saturates and the cross-entropy "
                     "gradient vanishes (gradient masking by saturation, not robustness); these numbers "
                     "overstate robustness at large ε: use the strong preset")
    return Check(name, "fail", detail + f": an unbounded attack should leave at most {percent(NEAR_ZERO)}; the "
                 "attack is too weak or the gradients are masked, so robust accuracies here are not trustworthy")


def _doubling_check(base: float, doubled: float, where: str, tolerance: float) -> Check:
    name = "Doubling the iterations does not change accuracy"
    detail = (f"{percent(base)} as run, {percent(doubled)} in an independent run with twice the iterations at "
              f"{where}")
    if doubled > base + tolerance:
        return Check(name, "fail", detail + ": more iterations should never help the model; the attack is unstable "
                     "(results depend on the run), so single-run numbers are not trustworthy")
    if doubled < base - tolerance:
        return Check(name, "warn", detail + ": not converged, so the robust accuracies shown are optimistic; "
                     "use more iterations")
    return Check(name, "pass", detail + ": converged (at most one image apart)")


def _fgsm_check(attack_accuracy: float, fgsm_accuracy: float, where: str, tolerance: float) -> Check:
    """One gradient step (FGSM; in L2, one step of the full radius along the gradient) against the protocol."""
    name = "The attack is at least as strong as FGSM"
    detail = f"protocol {percent(attack_accuracy)}, FGSM {percent(fgsm_accuracy)} at {where}"
    if attack_accuracy <= fgsm_accuracy + tolerance:
        return Check(name, "pass", detail)
    return Check(name, "fail", detail + ": a single step beats the iterative attack, a sign of gradient masking "
                 "or a broken attack")


def _transfer_check(run: _Runner, members, base, twin, epsilon, tolerance, norm="linf") -> Check:
    name = "Transfer from the vanilla twin is not stronger than white-box"
    if twin is None:
        return Check(name, "skip", "no twin model given (only attentive models are compared with their twin)")
    from core.attacks import predict, worst_case

    crafted = worst_case(twin, run.images, run.labels, epsilon=epsilon, attacks=members, seed=run.seed).adversarial
    transferred = float((predict(run.model, crafted).argmax(axis=1) == run.labels).mean())
    detail = (f"white-box {percent(base.mean())}, transfer from the twin {percent(transferred)} at "
              f"{radius_text(epsilon, norm)}")
    if transferred < base.mean() - tolerance:
        return Check(name, "fail", detail + ": examples crafted on another model fool this one more than its own "
                     "gradients do, so its robustness is gradient masking")
    return Check(name, "pass", detail)


def _gap_check(run: _Runner, attack, members, base, epsilon, count) -> Check:
    """The paper's attack against a strong protocol at the reference epsilon."""
    from core.evaluate.presets import PRESETS

    name = "The paper's attack against a strong one"
    norm = attack.norm
    strong_name = "strong" if norm == "linf" else "strong-l2"
    strong = PRESETS[strong_name].members_for(int(run.model.output_shape[-1]))
    # under L2 the paper has no attack: its PGD's counterpart is the L2 protocol's first member, PGD-L2 alone
    paper_attacks = PRESETS["paper"].attacks if norm == "linf" else strong[:1]
    if attack.name == strong_name:
        paper, sound = run.robust(paper_attacks, epsilon).mean(), base.mean()
    else:
        paper, sound = base.mean(), (base & run.robust(strong, epsilon, among=base)).mean()
    gap = paper - sound
    what = "the paper's PGD" if norm == "linf" else "PGD-L2 alone"
    detail = (f"{what} leaves {percent(paper)}, the strong protocol {percent(sound)} at "
              f"{radius_text(epsilon, norm)}")
    informative = attack.name == strong_name  # the numbers shown are the strong ones: a gap cannot fail them
    if gap >= GAP_POINTS and gap * count >= 2:
        if informative:
            return Check(name, "info", detail + f": the paper's protocol would overstate robustness here by "
                         f"{gap * 100:.1f} points (these numbers use the strong protocol)", can_fail=False)
        return Check(name, "fail", detail + f": these numbers overstate robustness by {gap * 100:.1f} points; "
                     "use the strong preset")
    return Check(name, "pass", detail + ": within a few points", can_fail=not informative)


# Square beating the gradient attacks means adversarial examples exist that they miss: masked
# gradients, or attacks too weak to reach them (Carlini et al. 2019, section 4; Croce & Hein 2020).
SQUARE_FOUND_MORE = (": the gradient attacks miss adversarial examples that exist, because the gradients are "
                     "masked or the attacks too weak (see the doubling check), so gradient-only robustness "
                     "numbers are not trustworthy")


def _square_check(run: _Runner, members, base, curve, epsilon, tolerance, norm="linf") -> Check:
    """Gradient masking: the gradient-free Square fools images every gradient attack missed."""
    name = "A gradient-free attack finds nothing the gradient attacks missed"
    square_titles = {m.title for m in members if isinstance(m, Square)}
    gradient = tuple(m for m in members if not isinstance(m, Square))
    if square_titles and gradient and curve:
        found = sum(r.get("fooled_by", {}).get(t, 0) for r in curve for t in square_titles)
        total = curve[0]["n"]
        detail = (f"Square fooled {found} of {total} images after every gradient attack had failed, over the "
                  f"whole grid up to {radius_text(max(r['epsilon'] for r in curve), norm)}")
        share = found / max(total, 1)
        tolerance = 1.0 / max(total, 1) + 1e-9  # one image of the same denominator
    else:
        white_box = run.robust(gradient or members, epsilon)
        square = Square() if norm == "linf" else Square(engine="art", norm=norm)
        extra = white_box & ~run.robust((square,), epsilon, among=white_box)
        share = extra.mean()
        detail = (f"Square fooled {int(extra.sum())} of {len(base)} images the gradient attacks missed at "
                  f"{radius_text(epsilon, norm)}")
    if share > tolerance:
        return Check(name, "fail", detail + SQUARE_FOUND_MORE)
    return Check(name, "pass", detail)


def _saturation_check(curve, attack) -> Check:
    name = "The attack does not weaken as ε grows"
    rows = [r for r in curve or [] if "accuracy_this_epsilon" in r and r["epsilon"] > 0]
    if not rows:
        return Check(name, "skip", "this protocol does not re-attack an image it fooled at a smaller ε, so its "
                     "curve cannot climb; the large-budget check tests it at a large ε")
    tolerance = max(2 / rows[0]["n"], 0.02)
    lowest = rows[0]
    for row in rows[1:]:
        if row["accuracy_this_epsilon"] > lowest["accuracy_this_epsilon"] + tolerance:
            return Check(name, "fail", f"the attack run at each ε alone leaves {percent(lowest['accuracy_this_epsilon'])} "
                         f"at {radius_text(lowest['epsilon'], attack.norm)} but {percent(row['accuracy_this_epsilon'])} "
                         f"at {radius_text(row['epsilon'], attack.norm)}: a larger ball cannot make a model more robust, so the "
                         "attack saturates (e.g. a softmax at exactly 1.0 with a zero gradient); the curve keeps "
                         "what the attack proved at smaller ε")
        if row["accuracy_this_epsilon"] < lowest["accuracy_this_epsilon"]:
            lowest = row
    return Check(name, "pass", "the attack's raw accuracy never climbs with ε")


def verdict(checks: list[Check]) -> str:
    """One sentence over all checks, saying how many ran and could fail (a skipped or merely
    informative check is never counted as passed)."""
    statuses = {c.status for c in checks}
    decisive = [c for c in checks if c.status in ("pass", "warn", "fail") and c.can_fail]
    count = (f"{len(decisive)} of {len(checks)} checks ran and could fail"
             + ("" if len(decisive) == len(checks) else
                f"; {len(checks) - len(decisive)} skipped or informational under this protocol"))
    if "fail" in statuses:
        failed = sum(c.status == "fail" for c in checks)
        return (f"Not trustworthy: {failed} of {len(decisive)} decisive checks failed ({count}); read the details "
                "before using these numbers.")
    if "warn" in statuses:
        return f"Usable with care: the attack may not have converged, so robustness is overstated ({count})."
    if not decisive:
        return f"Unchecked: no check could fail here ({count})."
    return f"Trustworthy: {count}, and all {len(decisive)} passed."
