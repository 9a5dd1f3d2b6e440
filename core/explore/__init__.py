"""What the attack explorer and the heatmap gallery show, computed headless.

    explore(models, image, *, epsilon, ...)    one image, every model: probabilities before and
                                               after, saliency and attention maps, perturbation,
                                               perceptibility, how far the maps moved
    minimal_epsilon(model, image, ...)         the smallest epsilon that flips the prediction
    heatmap_gallery(model, images, ...)        sample images x every epsilon of the grid
    warm_up(model)                             trace the compiled functions at load time
"""

from core.lazy import lazy_exports

# Imported on first use: the explorer's attack settings and result types do not need
# TensorFlow (the app process holds them), the computations do (the engine process runs them).
__getattr__, __dir__ = lazy_exports(__name__, {
    "gallery": ["heatmap_gallery"],
    "minimal": ["minimal_epsilon"],
    "settings": ["DEFAULT_TOLERANCE", "explorer_attack", "explorer_rel_stepsize"],
    "outcome": ["Exploration", "ModelOutcome"],
    "sizes": ["fit_image", "fit_mask", "fit_truth"],
    "exploration": ["explore", "explore_many", "explore_one"],
    "visibility": ["perceptibility", "with_perceptibility"],
    "warmup": ["warm_up"],
})

__all__ = ["DEFAULT_TOLERANCE", "Exploration", "ModelOutcome", "explore", "explore_many", "explore_one", "fit_image", "fit_mask", "fit_truth", "explorer_attack", "explorer_rel_stepsize", "heatmap_gallery",
           "minimal_epsilon", "perceptibility", "warm_up", "with_perceptibility"]
