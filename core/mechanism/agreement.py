"""Which measure tells the twins apart where attention helps from those where it hurts?

For every pair of twins (a task x a backbone family) with saved minimum-norm runs and mechanism
profiles on the same images:

- the robustness direction: +1 where attention makes the model harder to fool over the whole
  curve (the attentive twin's median smallest adversarial ε is larger and the paired Wilcoxon
  test on ε* says p < 0.05), -1 where easier, 0 where the test does not separate them;
- each measure's direction: +1 where the attentive twin is significantly harder to fool by that
  measure (MEASURES' sign: a larger margin, a smaller gradient norm ...), -1 where easier, 0
  where its Wilcoxon test does not separate them.

A measure *separates* the pairs when it points the way robustness does on every pair where
robustness differs, and never the other way. With k such pairs the chance that an unrelated
measure agrees on all of them is at most 0.5^k (one-sided sign test): with the zoo's six pairs
and fewer decisive ones, agreement is evidence, never proof, and the sentence says so.
"""

from __future__ import annotations

from core.mechanism.profile import MEASURES, direction


def pair_directions(task: str, family: str, fmn_attentive: dict, fmn_vanilla: dict, mechanism: dict) -> dict:
    """One pair of twins: its robustness direction from the ε* runs (their saved twin test and
    medians) and each measure's direction from the attentive profile's twin tests."""
    test = fmn_attentive.get("twin_test")
    if test is None:
        raise ValueError(f"{fmn_attentive.get('model_id')}: its minimum-norm result has no twin test; run the "
                         "vanilla twin first, then the attentive one (python -m core.evaluate --fmn does)")
    larger = fmn_attentive["median"]["median"] > fmn_vanilla["median"]["median"]
    robustness = direction(larger, test["p_value"])
    measures = {}
    for name, result in mechanism.get("twin_test", {}).items():
        harder = MEASURES[name][1]
        if harder:
            p = result.get("p_holm", result["p_value"])  # Holm over the pair's measures, where saved
            measures[name] = {"direction": direction(result["attentive"] > result["vanilla"], p, harder),
                              "p_value": result["p_value"], "p_holm": p}
    return {"task": task, "family": family, "robustness": robustness, "robust_p": test["p_value"],
            "median_attentive": fmn_attentive["median"]["median"], "median_vanilla": fmn_vanilla["median"]["median"],
            "measures": measures}


def separating_measures(pairs: list[dict]) -> list[dict]:
    """Per measure: on the pairs where robustness differs, how many it agrees with, contradicts
    or is silent on, whether it separates them, the sign-test bound and one sentence."""
    decisive = [p for p in pairs if p["robustness"] != 0]
    rows = []
    for name, (title, harder) in MEASURES.items():
        if not harder:
            continue
        seen = [p for p in decisive if name in p["measures"]]
        agree = sum(p["measures"][name]["direction"] == p["robustness"] for p in seen)
        contradict = sum(p["measures"][name]["direction"] == -p["robustness"] for p in seen)
        separates = len(seen) >= 2 and agree == len(seen)
        rows.append({"measure": name, "title": title, "pairs": len(seen), "agree": agree, "contradict": contradict,
                     "silent": len(seen) - agree - contradict, "separates": separates,
                     "sign_test_p": 0.5 ** len(seen) if separates else None,
                     "sentence": _sentence(title, len(seen), agree, contradict, separates, len(decisive))})
    return rows


def _sentence(title: str, pairs: int, agree: int, contradict: int, separates: bool, decisive: int) -> str:
    if decisive == 0:
        return f"The {title} cannot be judged: no pair of twins differs significantly in robustness."
    if pairs == 0:
        return f"The {title} cannot be judged: it was not measured on the {decisive} pairs whose robustness differs."
    head = (f"The {title} points the way robustness does on {agree} of the {pairs} twin pairs whose robustness "
            f"differs, the other way on {contradict}")
    if agree == pairs == 1:
        return f"{head}: it agrees, but one pair is too few to say it separates helped from hurt twins."
    if separates:
        return (f"{head}: it separates them (an unrelated measure would agree on all {pairs} with chance "
                f"{0.5 ** pairs:.2g}).")
    return f"{head}: it does not separate them."


def twin_pairs(task: str, mechanism: dict, stars: dict) -> list[dict]:
    """pair_directions for every attentive model of `mechanism` ({spec: profile}) whose profile,
    and whose and whose twin's minimum-norm runs (`stars`: {spec: result}, the attentive one with
    its twin test), are all given."""
    return [pair_directions(task, spec.backbone, stars[spec], stars[spec.twin()], mechanism[spec])
            for spec in mechanism if spec.attention and spec in stars and spec.twin() in stars
            and "twin_test" in stars[spec]]


def gather_pairs(tasks, *, n: int = 200, profile: str = "demo", root=None, results_root=None) -> list[dict]:
    """twin_pairs of every task in `tasks` from the saved minimum-norm runs (FMN_STEPS) and
    mechanism profiles (at the task's middle ε) on the first `n` test images."""
    from core.data.synthetic import split_description
    from core.evaluate.minimum_norm import FMN_STEPS, minimum_norm_key
    from core.store import load as load_keyed
    from core.mechanism.profile import mechanism_key
    from core.models.spec import all_specs
    from core.tasks import get_task

    pairs = []
    for task in tasks:
        data = split_description(task)
        specs = all_specs(profile, task)
        saved = lambda key: {s: r for s in specs  # noqa: E731
                             if (r := load_keyed(s, key, root=root, results_root=results_root))}
        pairs += twin_pairs(task, saved(mechanism_key(data, n, get_task(task).middle_epsilon, 0)),
                            saved(minimum_norm_key(data, n, FMN_STEPS)))
    return pairs
