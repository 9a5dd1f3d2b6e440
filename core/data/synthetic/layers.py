"""What one synthetic image is made of: the drawn case, the random streams that draw it, and
the canvas that records exactly where the finding and the shortcut were painted.

Each part of an image (anatomy, finding, shortcut, acquisition) draws from its own random
stream, so an image rendered without its finding is the same image everywhere outside the
finding's mask: the masks are exact by construction (tests/data/test_synthetic.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.data.synthetic.painting import paint

STREAMS = ("case", "anatomy", "lesion", "shortcut", "acquisition")


def streams(seed: int, index: int) -> dict[str, np.random.Generator]:
    """One independent generator per part of image `index` of the set drawn with `seed`."""
    return {name: np.random.default_rng([seed, 2, index, k]) for k, name in enumerate(STREAMS)}


@dataclass(frozen=True)
class Case:
    """What was drawn for one image before any pixel: its class and presentation."""

    label: int
    severity: float = 0.0  # 0: no finding (or the least typical presentation) ... 1: florid
    grade: int = -1  # fundus: the Kaggle DR level 0-4; -1 on the other tasks
    shortcut: bool = False  # the task's known shortcut is drawn (chest drain, skin marking)
    looks_like: int = -1  # derm: the class the lesion presents as, when not its own (-1)

    @property
    def appearance(self) -> int:
        """The class whose presentation is painted: the label, unless the lesion mimics another."""
        return self.label if self.looks_like < 0 else self.looks_like


class Canvas:
    """An RGB image being painted, with the exact masks of the finding and of the shortcut:
    each mask is the largest paint opacity used for that part at each pixel."""

    def __init__(self, image: np.ndarray):
        self.image = image.astype(np.float32)
        size = image.shape[:2]
        self.lesion = np.zeros(size, np.float32)
        self.shortcut = np.zeros(size, np.float32)

    def paint(self, mask, colour, *, part: str | None = None) -> None:
        """Alpha-blend `colour` where `mask` is set; `part` ("lesion" or "shortcut") records it."""
        paint(self.image, mask, colour)
        if part is not None:
            self.mark(part, mask)

    def mark(self, part: str, mask) -> None:
        """Record that `part` changed the image where `mask` > 0."""
        target = getattr(self, part)
        np.maximum(target, np.clip(mask, 0, 1), out=target)

    def warp(self, matrix: np.ndarray) -> None:
        """Apply one affine transform (patient rotation, shift) to the image and both masks."""
        size = self.image.shape[1], self.image.shape[0]
        self.image = cv2.warpAffine(self.image, matrix, size, flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)
        for part in ("lesion", "shortcut"):
            setattr(self, part, cv2.warpAffine(getattr(self, part), matrix, size, flags=cv2.INTER_LINEAR,
                                               borderMode=cv2.BORDER_CONSTANT, borderValue=0))


def beta_severity(rng, a: float, b: float, low: float = 0.0) -> float:
    """A severity in (low, 1]: Beta(a, b) rescaled, so most cases are mild and few florid."""
    return float(low + (1 - low) * rng.beta(a, b))
