"""How visible a perturbation is. Free of TensorFlow: the app process measures it on the
engine's replies (core.engine.stream), so the engine never imports SciPy's statistics."""

from __future__ import annotations

import threading

import numpy as np

from core.explore.outcome import ModelOutcome


def perceptibility(clean: np.ndarray, adversarial: np.ndarray) -> dict:
    """How visible the perturbation is: SSIM (Wang et al. 2004) and PSNR in dB of the
    adversarial image against the clean one (scikit-image; PSNR is inf when they are equal)."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    clean, adversarial = clean.astype(np.float64), adversarial.astype(np.float64)
    if np.array_equal(clean, adversarial):
        return {"ssim": 1.0, "psnr_db": float("inf")}
    return {"ssim": float(structural_similarity(clean, adversarial, channel_axis=-1, data_range=1.0)),
            "psnr_db": float(peak_signal_noise_ratio(clean, adversarial, data_range=1.0))}


_PRELOADING: list = []  # the thread of preload_in_background, once per process


def preload_in_background() -> None:
    """Import what perceptibility() needs (scikit-image's metrics, SciPy's statistics: 1.2-1.6 s
    on a 2-core CPU) in a thread of its own, once per process: core.engine.stream starts it as
    soon as a column has to wait for the engine, so the first reply is measured at once; views
    served from the disk cache (a restarted server) never pay it."""
    if not _PRELOADING:
        thread = threading.Thread(target=_import_metrics, name="advattn-preload-visibility", daemon=True)
        _PRELOADING.append(thread)
        thread.start()


def _import_metrics() -> None:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity  # noqa: F401


def with_perceptibility(outcome: ModelOutcome, image: np.ndarray) -> ModelOutcome:
    """`outcome` with its perceptibility measured against the clean `image`, if it has none yet."""
    if outcome.perceptibility is None:
        outcome.perceptibility = perceptibility(np.asarray(image, np.float32), outcome.adversarial)
    return outcome
