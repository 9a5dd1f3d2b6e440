"""Synthetic frontal chest radiographs (ChestX-ray14 stand-in): lungs, ribs, clavicles,
heart, spine and lung markings; pneumothorax from a thin apical rim to a large collapse.

What a reader meets (see docs/data.md for the sources):
- the finding: a visceral pleural line with no lung markings beyond it and a more lucent
  rim, here the lung shrunk towards its hilum by the drawn severity, so the rim is apical and
  lateral; severity is the share of the hemithorax that collapsed (about 0.85 x severity).
  Small ones (a few % of the hemithorax, 1-2 px at 96 px) are easy to miss;
- look-alikes drawn in both classes: skin folds and scapular edges (pleural-line-like edges
  with lung markings on both sides);
- the shortcut: a chest drain. Many positive films are taken after treatment with the drain
  in place, and models learn the drain (Oakden-Rayner et al. 2020, "Hidden stratification
  causes clinically meaningful failures in machine learning for medical imaging", on
  ChestX-ray14 pneumothorax). DRAIN_RATE of positives carry one; negatives (drains left after
  a resolved pneumothorax or for an effusion) at DRAIN_RATE x NEGATIVE_DRAIN_FACTOR;
- acquisition: exposure, patient rotation and shift, ECG leads, burned-in text markers,
  blur, noise, JPEG.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.data.synthetic import acquisition
from core.data.synthetic.layers import Canvas, Case, beta_severity
from core.data.synthetic.painting import blob_mask, branches, smooth_noise

DRAIN_RATE = 0.5  # share of pneumothorax films with a chest drain (the default shortcut rate)
NEGATIVE_DRAIN_FACTOR = 0.06  # negatives carry a drain at this fraction of the positives' rate
LOOKALIKE_RATE = {"skin_fold": 0.3, "scapula": 0.5}  # per film, independent of the class


def draw(label: int, rng, *, shortcut_rate: float = DRAIN_RATE) -> Case:
    """The presentation of one film: pneumothorax size (mostly small, a few large)."""
    severity = beta_severity(rng, 1.0, 2.8, low=0.02) if label == 1 else 0.0
    drain_rate = shortcut_rate if label == 1 else shortcut_rate * NEGATIVE_DRAIN_FACTOR
    return Case(label=label, severity=severity, shortcut=bool(rng.random() < drain_rate))


def scene(case: Case, streams, size: int, *, lesion: bool = True) -> Canvas:
    """The film before acquisition; `lesion=False` leaves the pneumothorax out."""
    rng = streams["anatomy"]
    s = size
    canvas = Canvas(np.full((s, s, 3), 0.08, np.float32))
    body = blob_mask(rng, s, (s / 2, s * 0.55), s * 0.47, irregularity=0, asymmetry=0.02,
                     elongation=1.05, softness=4)
    canvas.paint(body, (0.5,) * 3)
    lungs, markings = [], np.zeros((s, s), np.float32)
    for side in (-1, 1):
        centre = (s / 2 + side * s * 0.2 + rng.normal(0, s * 0.01), s * 0.48)
        lung = blob_mask(rng, s, centre, s * 0.19, irregularity=0.02, asymmetry=0.05, elongation=0.62,
                         softness=3, angle=side * rng.uniform(0.05, 0.15))
        hilum = (centre[0] - side * s * 0.07, centre[1] + s * 0.03)
        lungs.append((lung, hilum, side))
        canvas.paint(lung * 0.9, (0.3,) * 3)
        for _ in range(9):  # vessels fanning out from the hilum
            angle = np.arctan2(rng.uniform(-1, 1), side * rng.uniform(0.2, 1))
            branches(rng, markings, hilum, angle, s * 0.15, 1.2, 2, bend=0.3)
    _ribs_and_clavicles(rng, s, markings)
    _lookalikes(rng, s, markings, lungs)
    if lesion and case.label == 1:
        markings = _pneumothorax(canvas, streams["lesion"], s, lungs, markings, case.severity)
    heart = blob_mask(rng, s, (s / 2 + s * 0.06, s * 0.6), s * 0.13, irregularity=0.02, asymmetry=0.05,
                      softness=5)
    canvas.paint(heart * 0.85, (0.52,) * 3)
    canvas.paint(np.clip(markings, 0, 1) * body * 0.3, (0.55,) * 3)
    spine = np.zeros((s, s), np.float32)
    cv2.rectangle(spine, (int(s * 0.46), 0), (int(s * 0.54), s), 1.0, -1)
    canvas.paint(cv2.GaussianBlur(spine, (0, 0), 3) * 0.5, (0.58,) * 3)
    canvas.image += smooth_noise(rng, s, 0.2, 0.04)
    if case.shortcut:
        _drain(canvas, streams["shortcut"], s, lungs)
    return canvas


def render(case: Case, streams, size: int) -> Canvas:
    """The film as a scanner gives it: the scene, then acquisition nuisances."""
    canvas = scene(case, streams, size)
    rng = streams["acquisition"]
    angle, shift = rng.normal(0, 3.0), rng.normal(0, size * 0.02, 2)
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), angle, rng.uniform(0.95, 1.05))
    matrix[:, 2] += shift
    canvas.warp(matrix)  # the patient (and whatever is in the film) rotates together
    image = canvas.image
    image = _ecg_leads(image, rng, size)
    image = _text_marker(image, rng, size)
    canvas.image = acquisition.common(image, rng, blur_probability=0.2)
    return canvas


def _ribs_and_clavicles(rng, s, markings) -> None:
    for y in np.linspace(s * 0.22, s * 0.72, 8) + rng.normal(0, s * 0.005, 8):  # posterior ribs
        for side in (-1, 1):
            cv2.ellipse(markings, (int(s / 2), int(y - s * 0.08)), (int(s * 0.36), int(s * 0.1)),
                        0, 90 - side * 20, 90 - side * 75, 0.5, max(2, s // 60), cv2.LINE_AA)
    for side in (-1, 1):
        cv2.line(markings, (int(s / 2 + side * s * 0.05), int(s * 0.2)),
                 (int(s / 2 + side * s * 0.33), int(s * 0.15)), 0.7, max(2, s // 50), cv2.LINE_AA)


def _lookalikes(rng, s, markings, lungs) -> None:
    """Skin folds and scapular edges: thin curved edges over the lung, markings on both sides."""
    fold, scapula = (rng.random() < LOOKALIKE_RATE[k] for k in ("skin_fold", "scapula"))
    side = lungs[rng.integers(2)][2]
    if fold:  # a long gentle curve that runs past the lung's edge (a pleural line never does)
        x0 = s / 2 + side * s * rng.uniform(0.2, 0.32)
        cv2.ellipse(markings, (int(x0), int(s * rng.uniform(0.5, 0.7))), (int(s * 0.12), int(s * 0.4)),
                    rng.uniform(-15, 15), 180, 300, 0.9, 1, cv2.LINE_AA)
    if scapula:  # the medial border of the scapula over the upper lateral lung
        for sd in (-1, 1):
            centre = (int(s / 2 + sd * s * 0.42), int(s * 0.38))
            cv2.ellipse(markings, centre, (int(s * 0.1), int(s * 0.16)), 0, 90 + sd * 90, 270 + sd * 90 - 110,
                        0.8, 1, cv2.LINE_AA)


def _pneumothorax(canvas: Canvas, rng, s, lungs, markings, severity: float) -> np.ndarray:
    """Collapse one lung towards its hilum: the lost share of its area is about 0.85 x severity.
    Returns the lung markings with none beyond the pleural line."""
    lung, hilum, side = lungs[rng.integers(2)]
    scale = float(np.sqrt(max(1 - 0.85 * severity, 0.05)))
    matrix = cv2.getRotationMatrix2D(hilum, rng.normal(0, 2), scale)
    inflated = cv2.warpAffine((lung > 0.5).astype(np.float32), matrix, (s, s))
    rim = np.clip((lung > 0.5) - inflated, 0, 1)
    rim = cv2.GaussianBlur(rim, (0, 0), 0.7)
    cleared = cv2.GaussianBlur(rim, (0, 0), 1.0)
    canvas.mark("lesion", cleared)  # the markings are erased here
    markings = markings * (1 - cleared)
    canvas.paint(rim, (0.24,) * 3, part="lesion")  # more lucent than the lung
    edge = cv2.morphologyEx((inflated > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    line = edge.astype(np.float32) * (cv2.dilate(rim, np.ones((5, 5), np.uint8)) > 0.3)
    canvas.paint(line * 0.5, (0.47,) * 3, part="lesion")  # the visceral pleural line
    return markings


def _drain(canvas: Canvas, rng, s, lungs) -> None:
    """A chest drain entering the lateral chest wall and curving up towards the apex."""
    _, hilum, side = lungs[rng.integers(2)]
    start = np.array([s / 2 + side * s * 0.44, s * rng.uniform(0.55, 0.7)])
    points = [start]
    direction = np.array([-side * 1.0, -0.3])
    for _ in range(12):
        direction = direction + np.array([side * 0.12, -0.12]) + rng.normal(0, 0.03, 2)
        direction /= np.linalg.norm(direction)
        points.append(points[-1] + direction * s * 0.035)
    tube = np.zeros((s, s), np.float32)
    lumen = np.zeros((s, s), np.float32)
    polyline = [np.array(points).round().astype(np.int32)]
    cv2.polylines(tube, polyline, False, 1.0, max(2, s // 45), cv2.LINE_AA)
    cv2.polylines(lumen, polyline, False, 1.0, 1, cv2.LINE_AA)
    canvas.paint(tube * 0.9, (0.85,) * 3, part="shortcut")  # radio-opaque wall
    canvas.paint(lumen * 0.6, (0.55,) * 3, part="shortcut")


def _ecg_leads(image, rng, s) -> np.ndarray:
    count = int(rng.integers(0, 4)) if rng.random() < 0.35 else 0
    layer = np.zeros((s, s), np.float32)
    for _ in range(count):
        centre = (int(rng.uniform(0.2, 0.8) * s), int(rng.uniform(0.2, 0.8) * s))
        cv2.circle(layer, centre, max(2, s // 40), 1.0, -1, cv2.LINE_AA)
        end = (int(rng.uniform(0, 1) * s), 0 if rng.random() < 0.5 else s - 1)
        cv2.line(layer, centre, end, 0.6, 1, cv2.LINE_AA)
    return image + layer[..., None] * (0.9 - image)


def _text_marker(image, rng, s) -> np.ndarray:
    text = ["L", "R", "AP", "PA", "PORTABLE"][rng.integers(5)]
    corner = (int(s * rng.uniform(0.03, 0.7)), int(s * rng.uniform(0.08, 0.15)))
    layer = np.zeros((s, s), np.uint8)
    if rng.random() < 0.6:
        cv2.putText(layer, text, corner, cv2.FONT_HERSHEY_SIMPLEX, s / 400, 255, max(1, s // 150), cv2.LINE_AA)
    return image + (layer[..., None] / np.float32(255)) * (0.95 - image)
