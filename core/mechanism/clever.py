"""CLEVER (Weng et al. 2018): an estimate of each image's local Lipschitz constant and, from
it, of the smallest adversarial L-inf perturbation, by extreme value theory. Native and
compiled; ART's `art.metrics.clever_u` is the reference a test compares with.

For each class j other than the predicted class c, with g_j = z_c - z_j on the logits:
  1. draw pool_factor x batch_size points uniformly in the L-inf ball of `radius` around x
     (clipped to [0, 1]) and take ||grad g_j||_1 at each (the dual norm of L-inf);
  2. nb_batches times, the largest of batch_size of them drawn from the pool;
  3. fit a reverse Weibull to those maxima: its location estimates L_j, the largest gradient
     norm in the ball (the local Lipschitz constant of g_j);
  4. score_j = min(g_j(x) / L_j, radius).
The untargeted score is the smallest score_j, and the Lipschitz constant reported is that
class's L_j. A model with a smaller L around its inputs needs a larger perturbation to move.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from core.attacks import compiled
from core.attacks.base import check_images, seed_sequence


def _build(model):
    entry = compiled.for_model(model)
    classes = int(model.output_shape[-1])

    @tf.function(input_signature=[entry.image_spec, tf.TensorSpec((), tf.int64)])
    def norms(x, predicted):
        """||grad (z_predicted - z_j)||_1 for every j: (points, classes)."""
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            logits = entry.logits_model(x, training=False)
            margins = [logits[:, predicted] - logits[:, j] for j in range(classes)]
        out = [tf.reduce_sum(tf.abs(tape.gradient(m, x)), axis=[1, 2, 3]) for m in margins]
        del tape
        return tf.stack(out, axis=1)

    return norms


def clever_u(model, image, *, radius: float, nb_batches: int = 20, batch_size: int = 10, pool_factor: int = 10,
             c_init: float = 1.0, seed=0) -> dict:
    """Untargeted L-inf CLEVER of one image: {"score", "lipschitz", "target", "scores"}."""
    from scipy.optimize import fmin
    from scipy.stats import weibull_min

    if not 0 < radius <= 1:
        raise ValueError(f"radius must be in (0, 1], got {radius}")
    image = check_images(model, np.asarray(image)[None])[0]
    rng = np.random.default_rng(seed_sequence(seed).generate_state(1)[0])
    logits = compiled.for_model(model).logits(tf.constant(image[None])).numpy()[0]
    predicted = int(logits.argmax())
    pool = np.clip(image + rng.uniform(-radius, radius, (pool_factor * batch_size, *image.shape)), 0, 1)
    fn = compiled.per_model(model, "clever", _build)
    norms = np.concatenate([fn(tf.constant(chunk.astype(np.float32)), tf.constant(predicted, tf.int64)).numpy()
                            for chunk in np.array_split(pool, max(1, len(pool) // 64))])
    scores, lipschitz = {}, {}
    for j in range(len(logits)):
        if j == predicted:
            continue
        maxima = [norms[rng.choice(len(norms), batch_size), j].max() for _ in range(nb_batches)]
        _, location, _ = weibull_min.fit(-np.asarray(maxima), c_init, optimizer=lambda f, x0, args=(), disp=0:
                                         fmin(f, x0, args=args, disp=disp))
        lipschitz[j] = float(-location)
        scores[j] = float(min((logits[predicted] - logits[j]) / max(lipschitz[j], 1e-12), radius))
    target = min(scores, key=scores.get)
    return {"score": scores[target], "lipschitz": lipschitz[target], "target": target, "predicted": predicted,
            "scores": {int(k): v for k, v in scores.items()}}
