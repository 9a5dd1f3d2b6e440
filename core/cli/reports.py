"""What `python -m core.evaluate` prints for each kind of run: one model's result in a few lines,
and at the end of a grid run the twins' tests as the report's own section in text."""

from __future__ import annotations

import numpy as np

from core.formatting import epsilon_text, radius_text


def corruptions_report(spec, result) -> str:
    lines = [f"{spec.model_id} ({result['n']} images, {result['seconds']:.0f} s), accuracy {result['weighting']} "
             "at severity 0 (clean) to 5:"]
    for name, rows in result["corruptions"].items():
        lines.append(f"  {name:22s} " + "  ".join(f"{r['accuracy']:.3f}" for r in rows))
    for name, rows in result.get("twin_test", {}).items():
        worst = min(rows, key=lambda r: r["p_value"])
        lines.append(f"  attentive - vanilla, {name}: severity {worst['severity']} {worst['difference'] * 100:+.1f} "
                     f"points [{worst['low'] * 100:+.1f}, {worst['high'] * 100:+.1f}], p = {worst['p_value']:.3g}")
    lines.append(f"  -> {result['path']}")
    return "\n".join(lines)


def mechanism_report(spec, result) -> str:
    from core.mechanism import MEASURES

    lines = [f"{spec.model_id} ({result['n']} images, {result['where']}, {result['seconds']:.0f} s), medians:"]
    for name, values in result["measures"].items():
        lines.append(f"  {MEASURES[name][0]:34s} {float(np.median(values)):.4g}  ({len(values)} images)")
    lines += [f"  {test['sentence']}" for test in result.get("twin_test", {}).values()]
    lines.append(f"  -> {result['path']}")
    return "\n".join(lines)


def minimum_norm_report(spec, result) -> str:
    median = result["median"]
    lines = [f"{spec.model_id} (L-inf FMN, {result['steps']} steps, {result['n']} images, {result['seconds']:.0f} s): "
             f"median smallest adversarial {epsilon_text(median['median'])} [{median['low']:.4f}, "
             f"{median['high']:.4f}]; {result['not_broken']} image(s) not broken"]
    if "twin_test" in result:
        lines.append(f"  {result['twin_test']['sentence']}")
    lines.append(f"  -> {result['path']}")
    return "\n".join(lines)


def report(spec, result) -> str:
    from core.evaluate.twins import result_norm

    norm = result_norm(result)
    lines = [f"{spec.model_id} ({result['attack_title']}, {result['n']} images, {result['seconds']:.0f} s):"]
    if "weighting" in result:
        lines.append(f"  accuracy {result['weighting']}; balanced = mean recall; then each class's recall")
    for row in result["curve"]:
        auc = f"  AUC {row['auc']:.3f} [{row['auc_low']:.3f}, {row['auc_high']:.3f}]" if "auc" in row else ""
        balanced = f"  balanced {row['balanced_accuracy']:.3f}" if "balanced_accuracy" in row else ""
        recalls = ("  " + " ".join(f"{name} {c['recall']:.2f}" for name, c in row["per_class"].items())
                   if "per_class" in row else "")
        lines.append(f"  {radius_text(row['epsilon'], norm):28s} accuracy {row['accuracy']:.3f} "
                     f"[{row['accuracy_low']:.3f}, {row['accuracy_high']:.3f}]{balanced}{auc}{recalls}")
    if "verdict" in result:
        lines.append(f"  {result['verdict']}")
    lines.append(f"  -> {result['path']}")
    return "\n".join(lines)


def twins_report(curves: dict) -> str:
    """The twin tests of the pairs among `curves` ({spec: strong curve}) as the report's own
    section, in text (core.report.sections.twin_blocks): the same numbers as the page and the report."""
    from core.evaluate import twin_test
    from core.report.parts import to_text
    from core.report.twin_sections import twin_blocks

    tests = {spec: twin_test(result, curves[spec.twin()]) for spec, result in curves.items()
             if spec.attention and spec.twin() in curves}
    blocks = twin_blocks(tests)
    return "\n\n".join(["DOES SOFT ATTENTION MAKE THE MODEL HARDER TO FOOL?", *map(to_text, blocks)]) if blocks else ""


def seed_study_report(study: dict) -> str:
    where = ", ".join(f"{family} at {epsilon_text(e)}" for family, e in study["epsilons"].items())
    lines = [f"{study['task']}: seed study ({where}), {study['n']} images, seeds {study['seeds']}"]
    for replica in study["replicas"]:
        star = replica.get("median_epsilon_star", {}).get("median")
        lines.append(f"  {replica['model_id']:48s} clean {replica['clean']:.3f}  robust {replica['robust']:.3f}"
                     + (f"  median ε* {star:.4f}" if star is not None else ""))
    lines += [f"  left out, {m.get('reason', 'not trained')}: {m['model_id']}"
              + ("" if m.get("reason", "").startswith("not evaluated") else f" ({m['train']})")
              for m in study["missing"]]
    lines += [f"  {family['sentence']}" for family in study["families"]]
    if not study["families"]:
        lines.append("  no family has two seeds with both twins evaluated yet: train the replicas above")
    lines.append(f"  -> {study['path']}")
    return "\n".join(lines)
