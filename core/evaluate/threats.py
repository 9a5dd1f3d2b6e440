"""Does attention's effect keep its sign across threats? One twin pair's attentive-minus-vanilla
difference under the invisible L-inf change (the paper's), the L2 change of the same energy
spread anywhere, and a visible patch, each from its own saved twin test, in one sentence.

A sign that holds across threats says more about the architecture than one that flips; a sign
that the seed study already shows changes with the training seed says little about it at all
(the sentence then says so)."""

from __future__ import annotations

from core.evaluate.twins import clear_of_zero
from core.formatting import points, radius_text
from core.stats import SIGNIFICANCE

PATCH_AREA = 0.02  # the patch the sentence quotes: the middle of the 1-8 % areas, a marker-sized sticker


def _row(test_rows, key: str, value: float) -> dict | None:
    return next((r for r in test_rows or [] if abs(r[key] - value) <= 1e-9 * max(1.0, abs(value))), None)


def threat_effects(*, linf: dict | None, l2: dict | None, patches: dict | None, epsilon: float,
                   radius: float) -> dict:
    """{threat words: twin-test row} of one attentive model's saved results: the strong L-inf
    curve at `epsilon`, the L2 curve at `radius` and the patch run at PATCH_AREA; a threat
    without a saved result (or without the point) is left out."""
    effects = {}
    for words, result, key, value in ((f"L∞ at {radius_text(epsilon)}", linf, "epsilon", epsilon),
                                      (f"L2 at radius {radius:.3g}", l2, "epsilon", radius),
                                      (f"a {PATCH_AREA * 100:g} % patch", patches, "area", PATCH_AREA)):
        row = _row((result or {}).get("twin_test"), key, value)
        if row is not None:
            effects[words] = row
    return effects


def seed_flips(family: dict | None) -> bool:
    """Whether the seed study of this family finds the L-inf effect's sign changing with the seed."""
    signs = {d["robust"]["difference"] > 0 for d in (family or {}).get("per_seed", []) if d["robust"]["difference"]}
    return len(signs) > 1


def threat_sentence(title: str, effects: dict, *, seed_family: dict | None = None) -> str | None:
    """e.g. "ResNet-50 (compact): attention changes accuracy by −14.1 points under L∞ at ε = ...,
    +3.0 under L2 at radius 0.42 and −4.3 under a 2 % patch: significant after Holm's adjustment
    under L∞ and the patch, with the same sign."; None with fewer than two threats saved. Signs
    are compared only where a difference is significant and its interval clear of 0: a difference
    the test cannot tell from 0 has no sign to keep, nor has a borderline one (a significant test
    whose interval at the real class mix still includes 0, core.evaluate.twins), which is named."""
    if len(effects) < 2:
        return None
    parts = [f"{points(row['difference'])} points under {words}" for words, row in effects.items()]
    listed = ", ".join(parts[:-1]) + " and " + parts[-1]
    tested = {words: row for words, row in effects.items() if row.get("p_holm", row["p_value"]) < SIGNIFICANCE}
    significant = {words: row for words, row in tested.items() if clear_of_zero(row)}
    borderline = [words for words in tested if words not in significant]
    if not significant:
        verdict = "significant under none of them, so there is no sign to compare"
    elif len(significant) == 1:
        verdict = f"significant only under {next(iter(significant))}, so there is no sign to compare"
    else:
        same = len({row["difference"] > 0 for row in significant.values()}) == 1
        verdict = (f"significant after Holm's adjustment under {', '.join(significant)}, "
                   + ("with the same sign" if same else "with opposite signs: the threat decides which twin is "
                                                       "harder to fool"))
    if borderline:
        verdict += (f" (borderline under {', '.join(borderline)}: p < 0.05 after Holm's adjustment, but "
                    f"{'its interval includes' if len(borderline) == 1 else 'their intervals include'} 0)")
    caveat = (" The seed study finds the L∞ effect's sign changing with the training seed: these signs are this "
              "trained pair's, not the architecture's." if seed_flips(seed_family) else "")
    return f"{title}: attention changes accuracy by {listed}: {verdict}.{caveat}"


def read_where_half_fooled(attentive: dict, vanilla: dict | None) -> str | None:
    """The twin test's sentence of a saved curve (L2 or L-inf) where the vanilla twin is halfway
    down, not at the grid's middle (where both twins may sit at 0); None without a twin test."""
    rows = attentive.get("twin_test")
    if not rows:
        return None
    at = compared_epsilon(vanilla, None, [r["epsilon"] for r in rows])
    return next((r["sentence"] for r in rows if r["epsilon"] == at), None)


L2_IMAGES = 100  # the test images of the L2 curves the pages, the report and the bundled zoo show


def load_l2(spec, *, data: str, n: int = L2_IMAGES, root=None, results_root=None) -> dict | None:
    """The saved strong-l2 curve of `spec` on `n` images of `data`, at the task's L2 grid for
    its input size (python -m core.evaluate --norm l2), or None."""
    from core.attack_settings import l2_grid
    from core.evaluate.presets import PRESETS
    from core.evaluate.results import load_results

    return load_results(spec, data=data, n=n, epsilons=list(l2_grid(spec.task_info.epsilons, spec.input_size)),
                        attack=PRESETS["strong-l2"], root=root, results_root=results_root)


def compared_epsilon(vanilla: dict | None, family: dict | None, grid) -> float:
    """Where a pair's L∞ effect is read: the seed study's ε for its family (where seed 0's twins
    are half fooled), else where the vanilla twin's strong curve is halfway down
    (core.evaluate.checks.reference_epsilon), else the grid's middle."""
    from core.evaluate.checks import reference_epsilon

    if family and family.get("epsilon") in grid:
        return float(family["epsilon"])
    return reference_epsilon(grid, (vanilla or {}).get("curve"))


def threat_sentences(*, linf: dict, l2: dict, patches: dict, epsilons, seed_study: dict | None = None) -> list[str]:
    """One sentence per attentive undefended model with at least two threats saved ({spec:
    saved result} each), read at compared_epsilon on the L∞ grid `epsilons` and the L2 radius
    it stands for (core.attack_settings.l2_radius), with the seed study's caveat for its family
    where the study shows the sign is the seed's."""
    from core.attack_settings import l2_radius

    families = {f["family"]: f for f in (seed_study or {}).get("families", [])}
    grid = sorted(float(e) for e in epsilons)
    sentences = []
    for spec in sorted({*linf, *l2, *patches}, key=lambda s: s.backbone):
        if not spec.attention or spec.defence != "none":
            continue
        family = families.get(spec.backbone)
        epsilon = compared_epsilon(linf.get(spec.twin()), family, grid)
        effects = threat_effects(linf=linf.get(spec), l2=l2.get(spec), patches=patches.get(spec), epsilon=epsilon,
                                 radius=l2_radius(epsilon, spec.input_size))
        sentence = threat_sentence(spec.twin().title, effects, seed_family=family)
        if sentence:
            sentences.append(sentence)
    return sentences
