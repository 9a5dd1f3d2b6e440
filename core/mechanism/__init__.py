"""Why attention helps one backbone and hurts the other (issue: the mechanism): the measures
that explain robustness differences, per image and over the test set, twins side by side.

    loss_and_gradient, gradient_norms, curvature   core.mechanism.gradients
    loss_surface                                   core.mechanism.surface (1-D and 2-D)
    clever_u                                       core.mechanism.clever (native; ART's is the reference)
    mechanism_profile, mechanism_twin_tests,       core.mechanism.profile
    evaluate_mechanism, MEASURES
    pair_directions, separating_measures,          core.mechanism.agreement (python -m core.mechanism:
    gather_pairs                                   which measure separates helps from hurts)
"""

from core.lazy import lazy_exports

# Imported on first use: the pages read saved profiles without TensorFlow.
__getattr__, __dir__ = lazy_exports(__name__, {
    "agreement": ["gather_pairs", "pair_directions", "separating_measures", "twin_pairs"],
    "clever": ["clever_u"],
    "gradients": ["curvature", "gradient_norms", "loss_and_gradient"],
    "profile": ["MEASURES", "attention_entropy", "evaluate_mechanism", "latest_mechanism_key", "mechanism_key", "mechanism_profile",
                "mechanism_twin_tests"],
    "surface": ["loss_surface"],
})

__all__ = ["MEASURES", "attention_entropy", "clever_u", "curvature", "evaluate_mechanism", "gather_pairs",
           "gradient_norms", "pair_directions", "separating_measures", "twin_pairs",
           "latest_mechanism_key", "loss_and_gradient", "loss_surface", "mechanism_key", "mechanism_profile", "mechanism_twin_tests"]
