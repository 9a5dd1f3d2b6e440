"""Robustness evaluation (paper section 3.4, made sound: Croce & Hein 2020, Carlini et al. 2019).

    python -m core.evaluate --task derm            the 4 demo models of a task (strong protocol)

    PRESETS                 the evaluation protocols: paper, paper-softmax, strong (default)
    robustness_curve(...)   accuracy per epsilon with its Wilson interval (and AUC on binary tasks)
    evaluate_model(...)     curve + checks + twin test for a checkpoint, saved as JSON and CSV
    twin_test(a, v)         attentive vs vanilla on the same images, per epsilon (McNemar)
    along_the_curve(rows)   where along the curve the twins differ significantly (Holm), in words
    defence_comparisons     attention against adversarial training and their 2 x 2 interaction
    evaluate_minimum_norm   each image's smallest adversarial epsilon (FMN): the whole curve, one run
    evaluate_corruptions    accuracy against severity under each natural corruption, twins paired
    confusion_under_attack  which class each class becomes under attack (multi-class curves)
"""

from core.lazy import lazy_exports

# Imported on first use: the presets, the saved results and the twin test do not need TensorFlow
# (the app's pages read them without it); the curve and the model evaluation do.
__getattr__, __dir__ = lazy_exports(__name__, {
    "confusion": ["confusion_under_attack"],
    "corruption": ["corruption_curve", "corruption_twin_test", "corruptions_key", "evaluate_corruptions",
                   "latest_corruptions"],
    "curve": ["attack_sweep", "curve_rows", "robustness_curve"],
    "data": ["evaluation_data", "training_config"],
    "defences": ["defence_comparisons", "shared_training_epsilon"],
    "minimum_norm": ["combined_curve", "evaluate_minimum_norm", "load_minimum_norm", "median_interval",
                     "minimum_norm_key", "minimum_norm_result", "save_minimum_norm", "star_curve", "star_twin_test",
                     "stars_of"],
    "model": ["CHECK_IMAGES", "evaluate_model"],
    "presets": ["DEFAULT_PRESET", "PRESETS", "Preset", "custom_pgd"],
    "results": ["load_results", "newest_whole_grid", "results_key", "results_path", "save_results", "saved_results"],
    "twins": ["along_the_curve", "interaction_test", "paired_test", "protocol_disagreements", "twin_sentence",
              "twin_test"],
})

__all__ = [
    "CHECK_IMAGES", "DEFAULT_PRESET", "PRESETS", "Preset", "along_the_curve", "attack_sweep", "combined_curve",
    "confusion_under_attack",
    "corruption_curve",
    "corruption_twin_test", "corruptions_key", "curve_rows", "custom_pgd", "defence_comparisons", "evaluate_corruptions",
    "evaluate_minimum_norm", "evaluate_model", "evaluation_data", "interaction_test",
    "latest_corruptions", "load_minimum_norm", "load_results", "median_interval", "minimum_norm_key", "minimum_norm_result",
    "paired_test", "protocol_disagreements", "results_key", "results_path", "robustness_curve", "save_minimum_norm", "save_results",
    "shared_training_epsilon",
    "newest_whole_grid", "saved_results", "star_curve", "star_twin_test", "stars_of", "training_config",
    "twin_sentence", "twin_test",
]
