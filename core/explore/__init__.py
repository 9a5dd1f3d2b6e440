"""What the attack explorer and the heatmap gallery show, computed headless.

    explore(models, image, *, epsilon, ...)    one image, every model: probabilities before and
                                               after, saliency and attention maps, perturbation,
                                               perceptibility, how far the maps moved
    minimal_epsilon(model, image, ...)         the smallest epsilon that flips the prediction
    heatmap_gallery(model, images, ...)        sample images x every epsilon of the grid
    warm_up(model)                             trace the compiled functions at load time
"""

from core.explore.gallery import heatmap_gallery
from core.explore.minimal import DEFAULT_TOLERANCE, explorer_attack, explorer_rel_stepsize, minimal_epsilon
from core.explore.outcome import Exploration, ModelOutcome
from core.explore.run import explore, perceptibility
from core.explore.warmup import warm_up

__all__ = ["DEFAULT_TOLERANCE", "Exploration", "ModelOutcome", "explore", "explorer_attack", "explorer_rel_stepsize", "heatmap_gallery",
           "minimal_epsilon", "perceptibility", "warm_up"]
