"""What the bundled zoo's saved runs add to a lesson of the tour: the FMN medians, clean and
robust accuracy, the seed study's caveat, sensitivity and specificity at the operating point.
TensorFlow-free: the saved results are read, never recomputed."""

from __future__ import annotations

SAVED_IMAGES = 200  # the bundled zoo's saved runs are on 200 test images


def _saved_curve(spec, root=None) -> dict | None:
    """`spec`'s saved strong curve on the task's grid and the saved test images, or None."""
    from core.data.synthetic import split_description
    from core.evaluate import PRESETS, load_results

    return load_results(spec, data=split_description(spec.task), n=SAVED_IMAGES, epsilons=spec.task_info.epsilons,
                        attack=PRESETS["strong"], root=root)


def saved_medians(specs, *, root=None) -> dict[str, dict]:
    """{title: median smallest flipping ε over the saved test images, with its bootstrap
    interval: {median, low, high}} (the saved FMN runs)."""
    from core.data.synthetic import split_description
    from core.evaluate import load_minimum_norm, minimum_norm_key
    from core.evaluate.minimum_norm import FMN_STEPS

    medians = {}
    for spec in specs:
        saved = load_minimum_norm(spec, minimum_norm_key(split_description(spec.task), SAVED_IMAGES, FMN_STEPS),
                                  root=root)
        if saved:
            medians[spec.title] = {part: float(saved["median"][part]) for part in ("median", "low", "high")}
    return medians


def seed_caveat(task: str) -> str | None:
    """The saved seed study's sentence on attention's effect across seeds, where there is one."""
    from core.evaluate.seeds.evaluation import latest_seed_study

    families = (latest_seed_study(task) or {}).get("families") or []
    return families[0]["sentence"] if families else None


def saved_accuracy(specs, epsilon: float, *, root=None) -> tuple[dict, dict]:
    """({title: clean accuracy}, {title: accuracy at epsilon}) of the saved strong curves, each
    {accuracy, low, high}: the estimate with its 95 % interval."""
    clean, robust = {}, {}
    for spec in specs:
        for row in (_saved_curve(spec, root) or {}).get("curve", []):
            estimate = {"accuracy": row["accuracy"], "low": row["accuracy_low"], "high": row["accuracy_high"]}
            if row["epsilon"] == 0:
                clean[spec.title] = estimate
            if abs(row["epsilon"] - epsilon) < 1e-12:
                robust[spec.title] = estimate
    return clean, robust


def operating_point_lines(spec, epsilon: float, *, root=None) -> list[str]:
    """Sensitivity and specificity at the model's operating point over the saved test images,
    clean and at the grid's ε nearest `epsilon` (the saved strong curve keeps every score)."""
    from core.formatting import epsilon_text
    from core.models.zoo import checkpoint_path, read_card
    from core.operating_point import boundary_gap_at, card_threshold, gap_sentence, harm_sentence, under_attack

    saved = _saved_curve(spec, root)
    if not saved:
        return []
    try:
        threshold = card_threshold(read_card(checkpoint_path(spec, root=root)))[0]
        rows = under_attack(saved, threshold)
    except ValueError:
        return []
    nearest = min(rows[1:], key=lambda row: abs(row["epsilon"] - epsilon))
    where = f"at {epsilon_text(nearest['epsilon'])}"
    gap = gap_sentence(spec.title, boundary_gap_at(saved, threshold, nearest["epsilon"]), where)
    return [harm_sentence(f"Over the {saved['n']} saved test images, {spec.title}", rows[0], nearest, where),
            *([gap] if gap else [])]
