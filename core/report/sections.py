"""The report's sections, in order: each a function of the evidence returning blocks
(core.report.parts: headings, sentences, tables, lists, figures; an empty list when nothing was
saved for it), written out as HTML (the report) or Markdown (the findings). The numbers come from
core's own functions, the same the pages call, so the report and the app cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.formatting import duration_text, epsilon_text, in_255
from core.models.backbones import FAMILY_TITLES
from core.report.gather import Evidence
from core.tasks import middle_epsilon
from core.report.parts import Figure, Heading, Items, Sentence as _p, Table as _table
from core.report.mechanism_sections import mechanism_section
from core.report.which_way_sections import which_way_section
from core.report.saliency_sections import audit_section, grounding_section
from core.report.seed_sections import seeds_section
from core.report.threat_sections import l2_section, patches_section, threats_section
from core.report.twin_sections import twins_section


def _middle(evidence: Evidence) -> float:
    return middle_epsilon(evidence.epsilons)



def _calibrated(evidence: Evidence) -> bool:
    """Whether the models were trained on the synthetic demo data, whose difficulty is calibrated."""
    return evidence.profile == "demo" and evidence.data.startswith("synthetic")


def models_section(evidence: Evidence) -> list:
    from core.data.synthetic.calibration import TARGETS, band_text, standing

    calibrated = _calibrated(evidence)
    rows = []
    for m in evidence.models:
        metrics, config = m.card.get("metrics", {}), m.card.get("config", {})
        point = metrics.get("operating_point") or {}
        low, high = metrics.get("clean_accuracy_low"), metrics.get("clean_accuracy_high")
        rows.append({"model": m.spec.title, "defence": m.spec.defence, "backbone init": m.card.get("backbone_init"),
                     "training seed": config.get("seed"), "epochs": m.card.get("epochs_trained"),
                     "clean accuracy (real mix)": metrics.get("clean_accuracy"),
                     "95 % CI": f"{low:.3f}–{high:.3f}" if low is not None else "–",
                     "balanced": metrics.get("balanced_accuracy"), "AUC": metrics.get("auc"),
                     "operating point": point.get("threshold"), "test images": metrics.get("test_images"),
                     "checkpoint SHA-256": m.checkpoint_sha256[:16]})
        if calibrated:  # the band is the undefended models' target: a defence trades clean accuracy away
            rows[-1]["demo target"] = standing(evidence.task, metrics) if m.spec.defence == "none" else "–"
    notes = [_p("From each model's card: its own test split, accuracy re-weighted to the real class mix with its 95 % "
                "interval; the operating point is the threshold on the positive-class probability fixed on the "
                "validation split (Youden's J).", "note")]
    if calibrated:
        notes.append(_p(f"Demo target, {band_text(evidence.task)}: the synthetic data and the demo recipe were tuned "
                        f"until the undefended models met it. Its basis: {TARGETS[evidence.task].basis}. A model "
                        "meets it when its 95 % interval overlaps the band and its estimate is under any ceiling.",
                        "note"))
    return [_table(pd.DataFrame(rows))] + notes


def curves_section(evidence: Evidence) -> list:
    """As the curves page opens: the undefended models under the strong protocol, each twin pair
    one colour; the adversarially trained twins and the paper's protocol in charts of their own."""
    from core.evaluate import PRESETS
    from core.figures import curve_formats, curves_figure, curves_table

    strong, paper = evidence.found("strong"), evidence.found("paper")
    undefended = {s: r for s, r in strong.items() if s.defence == "none"}
    parts = [Figure(curves_figure(undefended or strong, value="accuracy"), "accuracy against ε, the undefended models")]
    if any("auc" in r["curve"][0] for r in strong.values()):
        parts.append(Figure(curves_figure(undefended or strong, value="auc"), "AUC against ε, the undefended models"))
    if len(undefended) < len(strong):
        parts.append(Figure(curves_figure(strong, value="accuracy"), "accuracy against ε, with the adversarially "
                                                                      "trained twins"))
    if paper:
        parts.append(Figure(curves_figure(undefended or strong, paper, value="accuracy"),
                            "the strong protocol against the paper's PGD on the same images"))
    parts += [_p(f"Strong protocol: {PRESETS['strong'].description} One colour per twin pair; solid: vanilla, dashed: "
                 "with soft attention; faint dotted: the paper's PGD on the same images. Shaded: 95 % interval. ε on "
                 "the [0, 1] pixel scale.", "note"),
              _table(table := curves_table(strong).drop(columns="images", errors="ignore"),
                     formats=curve_formats(table))]
    return parts


def _trained_at(evidence: Evidence) -> float:
    """The defended models' training epsilon when they share one on the grid, else the task's
    defence epsilon when it is on the grid, else the middle of the grid: where adversarial
    training is meant to work (the curves page's default too)."""
    from core.evaluate import shared_training_epsilon
    from core.tasks import get_task

    trained = shared_training_epsilon(m.card.get("config", {}).get("defence_epsilon") for m in evidence.models
                                      if m.spec.defence != "none") or get_task(evidence.task).defence_epsilon
    return trained if trained in evidence.epsilons else _middle(evidence)


def tradeoff_section(evidence: Evidence) -> list:
    trained = [m for m in evidence.models if m.spec.defence != "none"]
    epsilon = _trained_at(evidence)
    return tradeoff_blocks(evidence.found("strong"), epsilon, trained_at=epsilon if trained else None)


def tradeoff_blocks(strong: dict, epsilon: float, *, trained_at: float | None = None) -> list:
    """Every model's clean against robust accuracy at `epsilon` ({spec: strong curve}), and per
    backbone attention against adversarial training with their interaction (core.evaluate.
    defence_comparisons); `trained_at`: the defended models' training ε, said in the note (the
    curves page draws the same blocks at the ε its slider picks)."""
    from core.evaluate import defence_comparisons
    from core.figures import tradeoff_figure

    if not strong:
        return []
    parts = [Figure(tradeoff_figure(strong, epsilon), f"clean against robust accuracy at {epsilon_text(epsilon)}"),
             _p(f"Each model at its clean accuracy (x) and its robust accuracy at {epsilon_text(epsilon)} (y), both "
                "with 95 % intervals. Twins share a colour, as on the curves; the attentive twin's marker is open. Circle: "
                "standard training, square: PGD-AT, diamond: TRADES. Up is more robust, left costs clean accuracy."
                + (f" The defended models were trained at ε = {trained_at:g}." if trained_at else ""), "note")]
    for backbone, rows in defence_comparisons(strong, epsilon).items():
        parts.append(Heading(f"Attention against adversarial training: {FAMILY_TITLES.get(backbone, backbone)}"))
        parts += [_p(row["sentence"]) for row in rows]
    return parts


def checks_section(evidence: Evidence) -> list:
    parts = []
    for spec, result in evidence.found("strong").items():
        if "checks" in result:
            parts += [Heading(f"{spec.title}: {result['verdict']}"), *check_blocks(result)]
    return parts


# A verdict saved by an earlier version of the checks (core.evaluate.checks.CHECKS_VERSION).
OLD_CHECKS = ("This verdict came from an earlier version of the checks, whose doubling check could not fail and "
              "whose Square check compared counts over different numbers of images; evaluate again for the "
              "corrected checks.")


def check_blocks(result: dict) -> list:
    """One saved curve's checks (Carlini et al. 2019; Croce & Hein 2020): whether they are the
    current ones, how far the protocol was escalated, each check's status and detail, on how
    many images (the curves page draws the same blocks in each model's expander)."""
    from core.evaluate.checks import CHECKS_VERSION

    parts = []
    if result.get("checks_version", 1) < CHECKS_VERSION:
        parts.append(_p(OLD_CHECKS, "warn"))
    if "escalation" in result:
        parts.append(_p(result["escalation"]["sentence"] + " " + "; ".join(result["escalation"]["reasons"]) + "."))
    parts.append(Items(tuple((f"[{c['status']}] {c['name']}", c["detail"]) for c in result["checks"])))
    if "checks_images" in result:
        parts.append(_p(f"On the first {result['checks_images']} test images.", "note"))
    return parts


def minimum_norm_section(evidence: Evidence) -> list:
    return minimum_norm_blocks(evidence.found("minimum_norm"))


def minimum_norm_blocks(found: dict) -> list:
    """Saved smallest-ε runs ({spec: FMN result}) as a section: the whole curves, each model's
    median ε* with its interval, and each pair's Wilcoxon sentence (the curves page draws the
    same blocks)."""
    from core.figures import curves_figure

    if not found:
        return []
    frame = pd.DataFrame([{"model": s.title, "median smallest ε (×1/255)": f"{in_255(r['median']['median']):.2f}",
                           "95 % CI (×1/255)": f"{in_255(r['median']['low']):.2f}–{in_255(r['median']['high']):.2f}",
                           "not broken": f"{r['not_broken']} of {r['n']}",
                           "run time": duration_text(r["seconds"]) if r.get("seconds") is not None else "–"}
                          for s, r in found.items()])
    return ([Figure(curves_figure(found, value="accuracy"), "robust accuracy at every ε, from each image's smallest "
                    "adversarial ε"),
             _p("Robust accuracy at every ε from one run: the share of images whose smallest adversarial ε (L∞ FMN) "
                "is larger, re-weighted to the real class mix, with its 95 % interval. FMN is one attack: where it "
                "and the grid protocol disagree, the lower number is the one to believe.", "note"), _table(frame)]
            + [_p(f"{s.title} vs {s.twin().title}: {r['twin_test']['sentence']}")
               for s, r in found.items() if "twin_test" in r])


def corruptions_section(evidence: Evidence) -> list:
    return corruption_blocks(evidence.found("corruptions"))


def corruption_blocks(found: dict) -> list:
    """Saved corruption runs ({spec: result}) as a section: accuracy against severity, and each
    attentive model against its twin at severity 3 with Holm's p over the severities (the curves
    page draws the same blocks)."""
    from core.corruptions.registry import CORRUPTIONS
    from core.figures import corruption_figure

    if not found:
        return []
    rows = [{"family": s.title, "corruption": CORRUPTIONS[name].title if name in CORRUPTIONS else name,
             "difference at severity 3 (points)": t["difference"] * 100,
             "95 % CI": f"{t['low'] * 100:+.1f} to {t['high'] * 100:+.1f}", "McNemar p": t["p_value"],
             "Holm p (over severities)": t.get("p_holm")}
            for s, r in found.items() for name, tests in r.get("twin_test", {}).items()
            for t in tests if t["severity"] == 3]
    blocks = [Figure(corruption_figure(found), "accuracy against severity, per corruption"),
              _p("Accuracy re-weighted to the real class mix at severities 0 (clean) to 5, with 95 % intervals; every "
                 "model sees the same corrupted images (one seed).", "note")]
    if rows:
        blocks += [_table(pd.DataFrame(rows)),
                   _p("Attentive minus vanilla on the same corrupted images, weighted to the real class mix: MOVER "
                      "interval and stratified exact McNemar test (as for the attacks), Holm-adjusted over the "
                      "corruption's severities; a difference is significant only on the adjusted p.", "note")]
    return blocks


def protocol_section(evidence: Evidence) -> list:
    from core.evaluate import Preset
    from core.tasks import get_task

    preset = Preset.from_dict(evidence.protocol)
    versions = pd.DataFrame([{"package": k, "version": v} for k, v in evidence.versions.items()])
    return [_p(f"{preset.description} Attacks: {preset.title_for(get_task(evidence.task).num_classes)}; seed "
               f"{preset.seed}. ε grid: {', '.join(f'{e:g}' for e in evidence.epsilons)}."), _table(versions)]


SECTIONS = [
    ("The models and their cards", models_section),
    ("Robustness curves", curves_section),
    ("Does soft attention make the model harder to fool?", twins_section),
    ("What does robustness cost in clean accuracy?", tradeoff_section),
    ("Can these numbers be trusted?", checks_section),
    ("Each image's smallest adversarial ε", minimum_norm_section),
    ("Natural corruptions", corruptions_section),
    ("Adversarial patches", patches_section),
    ("Under the L2 threat", l2_section),
    ("One effect across threats?", threats_section),
    ("Which way is the model fooled?", which_way_section),
    ("Why is one twin harder to fool?", mechanism_section),
    ("Architecture or seed?", seeds_section),
    ("Can the saliency maps be trusted?", audit_section),
    ("Do the maps point at the finding?", grounding_section),
    ("Protocol, seeds and versions", protocol_section),
]


@dataclass(frozen=True)
class Section:
    """One titled section of a task's evidence: its blocks (core.report.parts), never empty."""

    title: str
    blocks: tuple


def build(evidence: Evidence, *, leave_out: tuple = ()) -> list[Section]:
    """The sections that have something saved for them, in the report's order; each renderer
    (HTML, Markdown, text) and each page writes these out and computes nothing itself."""
    built = []
    for title, section in SECTIONS:
        if title not in leave_out and (blocks := section(evidence)):
            built.append(Section(title, tuple(blocks)))
    return built
