"""What the explorer exports: a JSON report of a view, and a ZIP of everything it shows (PNG tiles
for people, the exact float32 arrays as .npy for code)."""

from __future__ import annotations

import io
import json
import zipfile

import cv2
import numpy as np

from core.data.preprocess import to_uint8
from core.explain.overlay import overlay


def amplified(perturbation: np.ndarray, epsilon: float) -> np.ndarray:
    """[-eps, eps] -> [0, 1], mid-grey meaning unchanged."""
    return np.clip(perturbation / (2 * max(epsilon, 1e-12)) + 0.5, 0, 1)


def png(image: np.ndarray) -> bytes:
    """An RGB image (float [0, 1] or uint8) as PNG bytes."""
    pixels = image if image.dtype == np.uint8 else to_uint8(image)
    return cv2.imencode(".png", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))[1].tobytes()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array.astype(np.float32), allow_pickle=False)
    return buffer.getvalue()


def report(result, name: str) -> dict:
    return {"image": name, **result.report()}


def archive(result, name: str) -> bytes:
    """Everything the grid shows: the report, and per model the images (PNG) and exact arrays (.npy)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("report.json", json.dumps(report(result, name), indent=2))
        out.writestr("clean.png", png(result.image))
        out.writestr("clean.npy", npy(result.image))
        for model_id, o in result.outcomes.items():
            image = result.image_for(o)  # the picked image at this model's size (itself, for one size)
            files = {"clean.npy": npy(image)} if image.shape != result.image.shape else {}
            files |= {"adversarial.png": png(o.adversarial), "adversarial.npy": npy(o.adversarial),
                     "perturbation.npy": npy(o.perturbation),
                     "perturbation_amplified.png": png(amplified(o.perturbation, result.epsilon)),
                     f"{result.method}_clean.png": png(overlay(image, o.clean_cam)),
                     f"{result.method}_adversarial.png": png(overlay(o.adversarial, o.adversarial_cam)),
                     f"{result.method}_clean.npy": npy(o.clean_cam),
                     f"{result.method}_adversarial.npy": npy(o.adversarial_cam)}
            if o.clean_attention is not None:
                files.update({"attention_clean.png": png(overlay(image, o.clean_attention)),
                              "attention_adversarial.png": png(overlay(o.adversarial, o.adversarial_attention)),
                              "attention_clean.npy": npy(o.clean_attention),
                              "attention_adversarial.npy": npy(o.adversarial_attention)})
            for filename, data in files.items():
                out.writestr(f"{model_id}/{filename}", data)
    return buffer.getvalue()
