"""Where datasets typed into the UI may live: one data root, nothing outside it.

The app serves whoever can reach it, so a path typed on a page must not reach the rest of
the server: it is resolved (symbolic links followed) and must stay inside the data root,
$ADVATTN_DATA_ROOT or the repository's data/ folder. The command-line tools are not
confined: whoever runs them already has the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_ROOT_ENV = "ADVATTN_DATA_ROOT"


class DataRootError(ValueError):
    """A path points outside the data root."""


def data_root() -> Path:
    """$ADVATTN_DATA_ROOT, else <repository>/data."""
    return Path(os.environ.get(DATA_ROOT_ENV) or PROJECT_ROOT / "data").expanduser().resolve()


def confined(path: str | Path, *, root: Path | None = None) -> Path:
    """`path` (absolute, or relative to the data root) resolved; DataRootError if it, or a
    symbolic link on the way, leads outside the data root. Nothing about what lies outside
    is said."""
    root = (root or data_root()).resolve()
    text = str(path).strip()
    if not text:
        raise DataRootError("give the path of a dataset inside the data folder")
    candidate = Path(text).expanduser()
    resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    if resolved != root and root not in resolved.parents:
        raise DataRootError(f"{text} is outside the data folder {root}; datasets used from the app must be "
                            f"inside it (move or link them there, or start the app with {DATA_ROOT_ENV} set "
                            "to the folder that holds them)")
    return resolved
