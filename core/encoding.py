"""How per-image results are written in the results JSON: compact digit strings."""

from __future__ import annotations

import numpy as np


def flags_to_text(flags) -> str:
    """Per-image booleans as a compact "0110..." string (saved in the results JSON)."""
    return "".join("1" if f else "0" for f in np.asarray(flags, bool))


def text_to_flags(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), np.uint8) == ord("1")


def labels_to_text(labels) -> str:
    """Class indices (< 10 classes) as a compact "0102..." string (saved in the results JSON,
    so a paired test can weight classes)."""
    return "".join(str(int(c)) for c in np.asarray(labels, np.int64))


def text_to_labels(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), np.uint8).astype(np.int64) - ord("0")
