"""Robustness evaluation (paper section 3.4, made sound: Croce & Hein 2020, Carlini et al. 2019).

    python -m core.evaluate --task derm            the 4 demo models of a task (strong protocol)

    PRESETS                 the evaluation protocols: paper, paper-softmax, strong (default)
    robustness_curve(...)   accuracy per epsilon with its Wilson interval (and AUC on binary tasks)
    evaluate_model(...)     curve + checks + twin test for a checkpoint, saved as JSON and CSV
    twin_test(a, v)         attentive vs vanilla on the same images, per epsilon (McNemar)
"""

from core.evaluate.curve import attack_sweep, curve_rows, robustness_curve, text_to_flags
from core.evaluate.data import evaluation_data, training_config
from core.evaluate.model import CHECK_IMAGES, evaluate_model
from core.evaluate.presets import DEFAULT_PRESET, PRESETS, Preset, custom_pgd
from core.evaluate.results import load_results, results_key, results_path, save_results, saved_results
from core.evaluate.twins import twin_sentence, twin_test

__all__ = [
    "CHECK_IMAGES", "DEFAULT_PRESET", "PRESETS", "Preset", "attack_sweep", "curve_rows", "custom_pgd",
    "evaluate_model", "evaluation_data", "load_results", "results_key", "results_path", "robustness_curve",
    "save_results", "saved_results", "text_to_flags", "training_config", "twin_sentence", "twin_test",
]
