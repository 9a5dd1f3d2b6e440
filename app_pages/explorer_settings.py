"""The explorer's perturbation and how to explain it: L-inf or L2 PGD with its steps, loss and
restarts, an adversarial patch, or a natural corruption; the saliency method, transfer and seed."""

from __future__ import annotations

import streamlit as st

from app_pages.common import step_rule_ui
from app_pages.saliency_choice import explain_ui
from app_pages.words import HELP


MODES = {"attack": "Attack (PGD)", "patch": "Adversarial patch", "natural": "Natural corruption"}
THREATS = {"linf": "L∞: every pixel a little", "l2": "L2: a budget of total change"}


def natural_ui(task: str):
    """The natural mode's corruption and severity; returns a core.attack_settings.Natural."""
    from core.attack_settings import Natural
    from core.corruptions import corruptions_for

    options = corruptions_for(task)
    name = st.selectbox("Corruption", list(options), format_func=lambda k: options[k].title, key="explorer_corruption",
                        help="What clinicians meet every day: noise, blur, exposure, compression and the "
                             "modality's own artefacts (the curves page measures each over the test set).")
    severity = st.slider("Severity", 1, 5, 3, key="explorer_severity",
                         help="1 mild to 5 severe, calibrated after ImageNet-C and MedMNIST-C.")
    return Natural(name, severity, task)


def patch_ui(task: str):
    """The patch mode's area and placement; returns a core.attack_settings.Patch."""
    from core.attack_settings import Patch
    from core.attacks.patch import AREAS, PLACEMENTS

    area = st.select_slider("Patch area", list(AREAS), value=0.02, format_func=lambda a: f"{a:.0%}",
                            key="patch_area", help=HELP["patch_area"])
    placement = st.radio("Placed", list(PLACEMENTS), horizontal=True, key="patch_placement",
                         format_func=lambda p: "where artefacts sit" if p == "task" else "over the centre",
                         help=PLACEMENTS["task"] + "; or over the centre")
    steps = st.slider("Patch steps", 10, 200, 50, key="patch_steps",
                      help="Gradient steps per candidate location (four where artefacts sit); more is stronger.")
    return Patch(area=area, placement=placement, steps=steps, task=task)


def settings_ui(task: str, badges: dict) -> dict:
    """The perturbation (a core.attacks.PGD, a Patch or a Natural corruption) with the view's settings;
    returns explore() keyword arguments, the perturbation telling the mode (core.attack_settings.is_natural;
    ε is chosen beside the grid: view_ui)."""
    from core.attack_settings import PGD
    from core.formatting import LOSS_TITLES
    from core.explain import METHODS

    mode = st.segmented_control("Perturbation", list(MODES), format_func=MODES.get, default="attack",
                                key="explorer_mode", help=HELP["perturbation"]) or "attack"
    if mode in ("patch", "natural"):  # no ε, no transfer: the change and how to explain it
        attack = patch_ui(task) if mode == "patch" else natural_ui(task)
        method = st.selectbox("Saliency method", list(METHODS), format_func=lambda m: METHODS[m].title,
                              key="explorer_method", help=HELP["saliency"])
        explain = explain_ui(task)
        seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="seed", help=HELP["seed"]))
        return dict(epsilon=None, attack=attack, method=method, transfer=False, seed=seed, explain=explain)
    steps = st.slider("PGD steps", 1, 100, 10, key="steps",
                      help="The paper used foolbox's 40; 10 keeps the page live on a CPU.")
    rel_stepsize = step_rule_ui(steps, key="paper_stepsize")
    loss = st.selectbox("Loss", ["ce", "margin"], format_func=LOSS_TITLES.get, key="explorer_loss",
                        help="Cross-entropy (the paper's) stalls on over-confident models whose softmax "
                             "saturates; the Carlini-Wagner logit margin does not.")
    restarts = st.slider("Random restarts (worst case kept)", 1, 5, 1, key="restarts", help=HELP["restarts"])
    norm = st.segmented_control("Threat", list(THREATS), format_func=THREATS.get, default="linf",
                                key="explorer_threat", help=HELP["threat"]) or "linf"
    method = st.selectbox("Saliency method", list(METHODS), format_func=lambda m: METHODS[m].title,
                          key="explorer_method", help="What the heatmaps show (the heatmap gallery audits each "
                                                      "method: sanity check, deletion/insertion).")
    if badges.get(method):
        st.caption(badges[method])
    explain = explain_ui(task)
    transfer = st.toggle("Transfer: attack the attentive models with their vanilla twin's perturbation",
                         key="transfer", help=HELP["transfer"])
    seed = int(st.number_input("Seed", 0, 2**31 - 1, 0, key="seed", help=HELP["seed"]))
    attack = PGD(steps=steps, rel_stepsize=rel_stepsize, loss=loss, restarts=restarts, norm=norm)
    return dict(epsilon=None, attack=attack, method=method, transfer=transfer, seed=seed, explain=explain)
