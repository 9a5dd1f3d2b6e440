"""The report's section on which way each model is fooled: on the binary tasks sensitivity and
specificity at each model's own operating point under attack (a finding hidden is not the same
harm as one invented), on derm what each class becomes. The curves page draws the same blocks
(app_pages.which_way)."""

from __future__ import annotations

from core.formatting import epsilon_text
from core.report.gather import Evidence
from core.report.parts import Figure, Sentence as _p
from core.tasks import middle_epsilon


def which_way_section(evidence: Evidence) -> list:
    from core.operating_point import card_threshold
    from core.tasks import get_task

    strong, epsilon = evidence.found("strong"), middle_epsilon(evidence.epsilons)
    if get_task(evidence.task).is_binary:
        return operating_point_blocks(strong, {m.spec: card_threshold(m.card) for m in evidence.models}, epsilon)
    last = list(strong)[-1:]
    return [block for spec, result in strong.items()  # how to read the matrices, once, after the last
            for block in confusion_blocks(spec, result, epsilon, notes=spec in last)]


def operating_point_blocks(strong: dict, thresholds: dict, epsilon: float | None) -> list:
    """On a binary task: sensitivity and specificity at each model's own clean operating point
    (`thresholds`: {spec: (threshold, why)}) against ε, and at `epsilon` what the attack hides
    and what it invents (the curves page draws the same blocks at the ε its slider picks)."""
    from core.figures import operating_point_figure
    from core.operating_point import boundary_gap_at, gap_sentence, harm_sentence, under_attack

    parts, rows = [], {}
    for spec, result in strong.items():
        try:
            rows[spec] = under_attack(result, thresholds[spec][0])
        except ValueError as error:
            parts.append(_p(f"{spec.title}: {error}", "note"))
    if not rows:
        return parts
    parts += [Figure(operating_point_figure(rows), "sensitivity and specificity against ε"),
              _p("Sensitivity (left) and specificity (right) at each model's own clean operating point, against ε, "
                 "with Wilson 95 % bands; attentive models dashed.", "note")]
    for spec, spec_rows in rows.items():
        at = next((r for r in spec_rows if epsilon is not None and abs(r["epsilon"] - epsilon) < 1e-12), None)
        if at is not None and spec_rows[0]["epsilon"] == 0:
            parts.append(_p(harm_sentence(spec.title, spec_rows[0], at, f"at {epsilon_text(epsilon)}")))
            gap = gap_sentence(spec.title, boundary_gap_at(strong[spec], thresholds[spec][0], at["epsilon"]),
                               f"at {epsilon_text(epsilon)}")
            if gap:
                parts.append(_p(gap, "note"))
    parts.append(_p("Each model's operating point: " + "; ".join(f"{s.title} {thresholds[s][0]:.3f} ({thresholds[s][1]})"
                                                               for s in rows)
                    + ". On two classes the attack aimed at the other class is the untargeted one, so the positives "
                      "show the attack that hides the finding and the negatives the one that invents it.", "note"))
    return parts


def confusion_blocks(spec, result: dict, epsilon: float, *, notes: bool = True) -> list:
    """On more than two classes: what each true class becomes under attack at `epsilon`, the
    class whose miss costs most first, and (`notes`) how to read it (the curves page draws the
    same blocks for the model it picks)."""
    from core.evaluate import confusion_under_attack
    from core.figures import confusion_figure
    from core.tasks import get_task

    try:
        confusion = confusion_under_attack(result, epsilon)
    except ValueError as error:
        return [_p(f"{spec.title}: {error}", "note")]
    task = get_task(spec.task)
    first = [task.class_index(task.critical_class)] if task.critical_class else []
    order = first + [i for i in range(task.num_classes) if i not in first]
    how = [_p(f"Rows: the true class; columns: the class the model gave under attack at {epsilon_text(epsilon)}; "
              "each cell the share of the row (darker: more), with its count. The rows are the true classes of a "
              "class-stratified sample and the attack is untargeted: it takes each image to the nearest wrong class. "
              "Intervals: 95 % Wilson.", "note")] if notes else []
    return ([Figure(confusion_figure(confusion, f"{spec.title} at {epsilon_text(epsilon)}"),
                    f"{spec.title}: what each class becomes at {epsilon_text(epsilon)}")]
            + [_p(confusion["became"][index]["sentence"]) for index in order] + how)
