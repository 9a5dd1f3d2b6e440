"""How numbers read everywhere (pages, checks, CLI, reports): one function per kind."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

LOSS_TITLES = {"ce": "cross-entropy", "margin": "logit margin", "dlr": "DLR",
               "softmax-ce": "cross-entropy on the softmax output"}


def _round(value: float, places: int) -> str:
    text = str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text


def in_255(epsilon: float) -> float:
    """epsilon on the 8-bit scale as a number (JSON fields), e.g. 0.005 -> 1.275; float32 noise
    such as 0.0049999999 for a measured 0.005 is rounded away first."""
    return round(float(f"{float(epsilon):.6g}") * 255, 4)


def epsilon_255(epsilon: float) -> str:
    """epsilon on the 8-bit scale as text, e.g. 0.005 -> "1.28/255" (half-up to 2 decimals)."""
    return f"{_round(in_255(epsilon), 2)}/255"


def epsilon_text(epsilon: float) -> str:
    """epsilon on both scales, e.g. "ε = 0.005 (1.28/255)"; four significant digits at most
    (every grid and slider value has as many; 1/255 reads 0.003922, not 0.00392157)."""
    return f"ε = {float(epsilon):.4g} ({epsilon_255(epsilon)})"


def radius_text(epsilon: float, norm: str = "linf") -> str:
    """An attack's budget as people read it: ε on both scales (L-inf), or the L2 radius."""
    return epsilon_text(epsilon) if norm == "linf" else f"L2 radius {float(epsilon):.3g}"


def measure_text(value: float) -> str:
    """A measured quantity to three significant digits as a reader writes it: 3,900 and 0.000509,
    not 3.9e+03 and 5.09e-04; scientific only beyond 1e6 or below 1e-4."""
    value = float(value)
    if value != value or value == 0 or not 1e-4 <= abs(value) < 1e6:
        return f"{value:.3g}"
    rounded = float(f"{value:.3g}")
    return f"{rounded:,.0f}" if abs(rounded) >= 100 else f"{rounded:g}"


def points(difference: float) -> str:
    """A difference of proportions in percentage points with its sign, e.g. "+6.5"."""
    return f"{difference * 100:+.1f}".replace("-", "−")


def percent(value: float) -> str:
    return f"{value:.1%}"


def duration_text(seconds: float) -> str:
    """A duration as a person says it: "45 s", "12 min", "3.5 h", "2.1 days"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
