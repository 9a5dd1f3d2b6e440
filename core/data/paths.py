"""Where datasets typed into the UI may live: one data root, nothing outside it.

The app serves whoever can reach it, so a path typed on a page must not reach the rest of
the server: it is resolved (symbolic links followed) and must stay inside the data root,
$ADVATTN_DATA_ROOT or the repository's data/ folder. The command-line tools are not
confined: whoever runs them already has the machine.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_ROOT_ENV = "ADVATTN_DATA_ROOT"
MAX_NAME, MAX_PATH = 255, 4096  # the usual limits of a file name and a path (NAME_MAX, PATH_MAX)


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
    if "\x00" in text:
        raise DataRootError("that path holds a NUL character, which no file name can; retype it rather than paste it")
    if len(text) > MAX_PATH or any(len(part) > MAX_NAME for part in Path(text).parts):
        raise DataRootError(f"that path is {len(text):,} characters long, longer than any file system allows "
                            f"({MAX_NAME} per folder name, {MAX_PATH} in all); check what was pasted")
    try:
        candidate = Path(text).expanduser()
        resolved = (candidate if candidate.is_absolute() else root / candidate).resolve()
    except (OSError, RuntimeError) as error:  # a loop of links, a name the system refuses
        raise DataRootError(f"{text[:200]} cannot be resolved ({error.strerror if isinstance(error, OSError) else error}); "
                            "check the path") from error
    if resolved != root and root not in resolved.parents:
        raise DataRootError(f"{text} is outside the data folder {root}; datasets used from the app must be "
                            f"inside it (move or link them there, or start the app with {DATA_ROOT_ENV} set "
                            "to the folder that holds them)")
    return resolved


def regular_file(path: str | Path, *, what: str = "file") -> Path:
    """`path` if it is a regular file (links followed). A FIFO, socket or device under a
    file's name would block its reader for ever or never end: NotRegularFileError, in words."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise
    except OSError as error:
        raise NotRegularFileError(f"{path.name} cannot be read ({error.strerror}); check the {what}") from None
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a folder" if stat.S_ISDIR(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "a device")
        raise NotRegularFileError(f"{path.name} is {kind}, not a {what}; replace it with the real file")
    return path


class NotRegularFileError(ValueError):
    """A path names a FIFO, socket, device or folder where a file was expected."""
