"""Attentive vs vanilla on the same images: the paired test behind the paper's question; any
two models of a task (attention vs adversarial training); and the 2 x 2 interaction of
attention and a defence (does attention add to adversarial training?).

Per epsilon, the attentive model's robust accuracy minus its vanilla twin's, with
Newcombe's interval and the exact McNemar p-value on the images where the two disagree
(core.stats.paired_difference), and one plain sentence. Results that carry their images'
labels are compared at the real class mix, as their accuracies are: MOVER over the per-class
Newcombe intervals and the stratified exact McNemar test (core.stats.weighted_paired_difference).
"""

from __future__ import annotations

from core.encoding import text_to_flags, text_to_labels
from core.formatting import epsilon_text, points, radius_text
from core.metrics import weights_for
from core.stats import SIGNIFICANCE, holm, interaction, paired_difference, weighted_paired_difference
from core.tasks import get_task


def _paired(results: list[dict]) -> tuple:
    """(labels, shares) of saved results of the same images and settings ((None, None) when
    they carry no labels); ValueError if they are not comparable."""
    first = results[0]
    for other in results[1:]:
        for key in ("data", "n", "epsilons", "attack"):
            if first.get(key) != other.get(key):
                raise ValueError(f"the results differ in {key!r}, so their images are not paired; "
                                 "evaluate the models with the same settings")
    if all("labels" in r and r["labels"] == first["labels"] for r in results):
        return text_to_labels(first["labels"]), weights_for(get_task(first["spec"]["task"]), "real")
    return None, None


def _rows(first: dict, second: dict, sentence) -> list[dict]:
    """One row per epsilon. The tests under attack are one family (the curve): each row carries
    its Holm-adjusted p over them (p_holm, family_size), and its sentence calls a difference
    significant only on that; the clean row (epsilon 0) is a family of its own."""
    labels, shares = _paired([first, second])
    classes = get_task(first["spec"]["task"]).short_names if labels is not None else ()
    norm = result_norm(first)
    tests, per_class = [], []
    for a, b in zip(first["curve"], second["curve"]):
        flags = text_to_flags(a["robust"]), text_to_flags(b["robust"])
        test = (weighted_paired_difference(*flags, labels, shares) if labels is not None
                else paired_difference(*flags))
        per_class.append(test.pop("per_class", None))
        tests.append({"epsilon": a["epsilon"], **test, **({"norm": norm} if norm != "linf" else {})})
    attacked = [t for t in tests if t["epsilon"] > 0]
    for test, adjusted in zip(attacked, holm([t["p_value"] for t in attacked])):
        test.update(p_holm=adjusted, family_size=len(attacked))
    for test, classes_of_test in zip(tests, per_class):
        test.setdefault("p_holm", test["p_value"])
        test.setdefault("family_size", 1)
        test["sentence"] = sentence(test["epsilon"], test)
        why = classes_of_test and _where_the_evidence_is(test, classes_of_test, classes, shares)
        if why:
            test["sentence"] += " " + why
    return tests


def _where_the_evidence_is(test: dict, per_class: list, classes, shares) -> str | None:
    """Why the test and the interval disagree at the real class mix (_disagreement): the images
    only one twin got right lie mostly outside the class that sets the interval's width (the
    class of largest share x Newcombe half-width, whose images change little), so the stratified
    test is sure of a difference whose images weigh little at the real mix. None where the
    two agree, or where that class holds half the discordant images or more."""
    if _disagreement(test) is None or clear_of_zero(test):
        return None
    flips = [c["a_only"] + c["b_only"] for c in per_class]
    widths = [w * max(c["difference"] - c["low"], c["high"] - c["difference"]) if c["n"] else 0.0
              for w, c in zip(shares, per_class)]
    widest = max(range(len(widths)), key=widths.__getitem__)
    others = sorted(((c, f) for c, f in enumerate(flips) if f and c != widest), key=lambda item: -item[1])
    outside, total = sum(f for _, f in others), sum(flips)
    if outside * 2 <= total:
        return None
    count = "all" if outside == total else str(outside)
    where = (f"{classes[others[0][0]]} images ({shares[others[0][0]]:.1%} of the real mix)" if len(others) == 1 else
             "in " + ", ".join(f"{classes[c]} ({f})" for c, f in others)
             + f" (classes weighing {sum(shares[c] for c, _ in others):.1%} of the real mix together)")
    return (f"Of the {total} images only one twin got right, {count} are {where}: the test is sure the twins differ "
            f"there, but at the real mix those images weigh little. The interval's width is {classes[widest]}'s "
            f"({shares[widest]:.1%} of the mix), whose {per_class[widest]['n']} images still allow "
            f"±{widths[widest] / shares[widest] * 100:.1f} points in that class.")


def result_norm(result: dict) -> str:
    """The threat model of a saved curve: "l2" when its protocol's members attack in L2."""
    attack = result.get("attack")
    members = attack.get("attacks", []) if isinstance(attack, dict) else []
    return "l2" if any(m.get("norm") == "l2" for m in members) else "linf"


def _where(epsilon: float, test: dict) -> str:
    """ "Without attack", or "At" the budget in the test's threat model (ε, or an L2 radius)."""
    return "Without attack" if epsilon == 0 else f"At {radius_text(epsilon, test.get('norm', 'linf'))}"


def _p_text(test: dict, test_name: str) -> str:
    """e.g. "stratified McNemar p = 0.012, 0.048 after Holm's adjustment over the curve's 4 ε"."""
    text = f"{test_name} p = {test['p_value']:.2g}"
    if test.get("p_method", "exact") != "exact":
        text += f" ({test['p_method']})"
    if test.get("family_size", 1) > 1:
        text += f", {test['p_holm']:.2g} after Holm's adjustment over the curve's {test['family_size']} ε"
    return text


def _allowed(test: dict) -> str:
    """What a difference that was not detected still allows."""
    return f"no difference detected; the data allow from {points(test['low'])} to {points(test['high'])} points"


def twin_test(attentive: dict, vanilla: dict) -> list[dict]:
    """Rows (epsilon, difference, low, high, p_value, n, a_only, b_only, sentence) comparing two
    saved results of the same images and settings; ValueError if they are not comparable."""
    return _rows(attentive, vanilla, twin_sentence)


def paired_test(first: dict, second: dict, names: tuple[str, str]) -> list[dict]:
    """twin_test for any two models of a task (e.g. attention vs PGD-AT): `first` minus
    `second`, the sentence naming them by `names`."""
    return _rows(first, second, lambda epsilon, test: comparison_sentence(epsilon, test, names))


def interaction_test(vanilla: dict, attentive: dict, defended: dict, defended_attentive: dict,
                     defence: str = "adversarial training") -> list[dict]:
    """Per epsilon, the 2 x 2 interaction of attention and `defence` on the same images
    (core.stats.interaction): how much more (or less) attention adds under the defence than
    without it, with its bootstrap interval and one sentence."""
    results = [vanilla, attentive, defended, defended_attentive]
    labels, shares = _paired(results)
    rows = []
    for points_ in zip(*(r["curve"] for r in results)):
        flags = [text_to_flags(p["robust"]) for p in points_]
        test = interaction(*flags, labels, shares)
        rows.append({"epsilon": points_[0]["epsilon"], **test,
                     "sentence": interaction_sentence(points_[0]["epsilon"], test, defence)})
    return rows


def comparison_sentence(epsilon: float, test: dict, names: tuple[str, str]) -> str:
    """e.g. "At ε = 0.02 (5.1/255) ResNet-50 + soft attention is 12.0 points less robust than
    ResNet-50 · PGD-AT (95 % CI ..., McNemar p = 0.001): a significant difference." """
    what = "accurate" if epsilon == 0 else "robust"
    where = _where(epsilon, test)
    size = abs(test["difference"]) * 100
    direction = "more" if test["difference"] >= 0 else "less"
    test_name = "stratified McNemar" if "p_method" in test else "McNemar"
    head = (f"{where} {names[0]} is {size:.1f} points {direction} {what} than {names[1]} (95 % CI "
            f"{points(test['low'])} to {points(test['high'])}, {_p_text(test, test_name)})")
    why = _disagreement(test)
    if why:
        return f"{head}: borderline on these {test['n']} images: {why}."
    if test.get("p_holm", test["p_value"]) >= SIGNIFICANCE:
        return f"{head}: {_allowed(test)} on these {test['n']} images."
    return f"{head}: a significant difference on these {test['n']} images."


def clear_of_zero(test: dict) -> bool:
    """Whether a difference's 95 % interval excludes 0 (low > 0 or high < 0)."""
    return test["low"] > 0 or test["high"] < 0


def _disagreement(test: dict) -> str | None:
    """Why the exact test and the interval disagree at the margin, or None when they agree.
    Newcombe's interval (MOVER over the classes at the real mix) and the exact McNemar test answer
    different questions: at the real mix a large class with no discordant image widens the
    interval of the weighted difference, while the stratified test rejects "no difference in any
    class" from the others; with few discordant pairs the exact test is the conservative one."""
    significant = test.get("p_holm", test["p_value"]) < SIGNIFICANCE
    excludes_zero = clear_of_zero(test)
    if significant == excludes_zero:
        return None
    adjusted = " after Holm's adjustment" if test.get("family_size", 1) > 1 else ""
    return (f"the interval excludes 0, but the McNemar test does not reach p < 0.05{adjusted}" if excludes_zero
            else f"p < 0.05{adjusted}, but the interval includes 0")


def interaction_sentence(epsilon: float, test: dict, defence: str) -> str:
    """e.g. "At ε = 0.02 (5.1/255) attention adds +4.0 points under PGD-AT and +10.0 without it:
    interaction −6.0 points (95 % CI −12.0 to −0.5): attention adds less on top of PGD-AT." """
    where = _where(epsilon, test)
    head = (f"{where} attention adds {points(test['defended_effect'])} points under {defence} and "
            f"{points(test['attention_effect'])} without it: interaction {points(test['difference'])} points "
            f"(95 % CI {points(test['low'])} to {points(test['high'])}, n = {test['n']})")
    if not clear_of_zero(test):
        return (f"{head}: no interaction detected; the data allow from {points(test['low'])} to "
                f"{points(test['high'])} points.")
    more = "more" if test["difference"] > 0 else "less"
    return f"{head}: attention adds {more} on top of {defence} than alone."


def twin_sentence(epsilon: float, test: dict) -> str:
    """e.g. "At ε = 0.005 (1.28/255) soft attention changes robust accuracy by +6.5 points
    (95 % CI −2.0 to +15.0, McNemar p = 0.13, 0.39 after Holm's adjustment over the curve's 4 ε): no
    difference detected; the data allow from −2.0 to +15.0 points on these 200 images." """
    what = "clean accuracy" if epsilon == 0 else "robust accuracy"
    where = _where(epsilon, test)
    test_name = "stratified McNemar" if "p_method" in test else "McNemar"
    mix = " at the real class mix" if "p_method" in test else ""
    head = (f"{where} soft attention changes {what} by {points(test['difference'])} points{mix} "
            f"(95 % CI {points(test['low'])} to {points(test['high'])}, {_p_text(test, test_name)})")
    why = _disagreement(test)
    if why:
        return f"{head}: borderline on these {test['n']} images: {why}."
    if test.get("p_holm", test["p_value"]) >= SIGNIFICANCE:
        return f"{head}: {_allowed(test)} on these {test['n']} images."
    direction = "more" if test["difference"] > 0 else "less"
    noun = "accurate" if epsilon == 0 else "robust"
    return f"{head}: the attentive model is significantly {direction} {noun} on these {test['n']} images."


def protocol_disagreements(strong: list[dict], paper: list[dict], family: str) -> list[str]:
    """One sentence per run of epsilons where two twin tests of the same images (under `strong`
    and under the paper's PGD) disagree in the sign or the significance of the difference, with
    both numbers: the conclusion then depends on the attack, and the stronger one says what the
    model does. Consecutive epsilons with the same numbers (a plateau) share one sentence."""
    groups: list[list] = []  # [first epsilon, last epsilon, strong row, paper row, what]
    for s, p in zip(strong, paper):
        if s["epsilon"] != p["epsilon"] or s["epsilon"] == 0:
            continue
        sign_differs = (s["difference"] > 0) != (p["difference"] > 0) and s["difference"] != 0 != p["difference"]
        significant = lambda row: row.get("p_holm", row["p_value"]) < SIGNIFICANCE  # noqa: E731
        if not (sign_differs or significant(s) != significant(p)):
            continue
        numbers = lambda row: (row["difference"], row["low"], row["high"], row["p_value"])  # noqa: E731
        if groups and numbers(groups[-1][2]) == numbers(s) and numbers(groups[-1][3]) == numbers(p):
            groups[-1][1] = s["epsilon"]
        else:
            groups.append([s["epsilon"], s["epsilon"], s, p, "the sign" if sign_differs else "the significance"])
    sentences = []
    for first, last, s, p, what in groups:
        where = (f"At {epsilon_text(first)}" if first == last
                 else f"From {epsilon_text(first)} to {epsilon_text(last)}")
        sentences.append(
            f"{where} the protocol decides {what} for {family}: attentive minus vanilla is "
            f"{points(p['difference'])} points (95 % CI {points(p['low'])} to {points(p['high'])}, {_decided_p(p)}) "
            f"under the paper's PGD but {points(s['difference'])} (95 % CI {points(s['low'])} to "
            f"{points(s['high'])}, {_decided_p(s)}) under the strong protocol, which attacks harder.")
    return sentences


def _decided_p(row: dict) -> str:
    """A twin test's p as significance is decided on it: Holm's where the curve adjusted it
    (a raw p of 0.025 beside "decides the significance" read as significant when Holm's 0.17 was not)."""
    if "p_holm" not in row or row["p_holm"] == row["p_value"]:
        return f"p = {row['p_value']:.2g}"
    return f"p = {row['p_value']:.2g}, Holm {row['p_holm']:.2g}"


def along_the_curve(rows: list[dict]) -> str | None:
    """The twin test over the whole curve, in one or two sentences: where the difference is
    significant after Holm's adjustment (and its interval clear of 0), and from which ε on the
    twins agree on every image (neither robust where the other is not: on an undefended model,
    both fooled on every image). The sentence at one ε (the grid's middle) can read "no
    difference" where both twins are already at 0 while the curve differs lower down. None
    without attacked rows."""
    attacked = [r for r in rows if r["epsilon"] > 0]
    if not attacked:
        return None
    family = f"Holm's adjustment over its {len(attacked)} ε" if len(attacked) > 1 else "one ε"
    found = [r for r in attacked if r.get("p_holm", r["p_value"]) < SIGNIFICANCE and clear_of_zero(r)]
    if found:
        sides = [(word, [r for r in found if (r["difference"] > 0) == (word == "more")]) for word in ("more", "less")]
        where = "; ".join(f"{word} robust " + _listed([f"at {radius_text(r['epsilon'], r.get('norm', 'linf'))}: "
                                                        f"{points(r['difference'])} points (95 % CI {points(r['low'])} "
                                                        f"to {points(r['high'])})" for r in side])
                          for word, side in sides if side)
        rest = "" if len(found) == len(attacked) else "; at the other ε no significant difference"
        text = f"Along the curve ({family}): the attentive model is significantly {where}{rest}."
    else:
        text = f"Along the curve ({family}): no ε where the twins differ significantly."
    agree = [r.get("a_only") == 0 and r.get("b_only") == 0 for r in attacked]
    if all(agree):
        return text + " At every ε the same images fool both twins."
    if agree[-1]:
        start = next(i for i in range(len(agree)) if all(agree[i:]))
        first = attacked[start]
        text += (f" From {radius_text(first['epsilon'], first.get('norm', 'linf'))} on, the same images fool both "
                 "twins: no test can tell them apart there.")
    return text


def _listed(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
