"""What the engine process is given as it starts, before its first request imports TensorFlow:
its CPU priority below the app's, TensorFlow's environment (threads per operation, log level),
and Keras imported without scikit-learn."""

from __future__ import annotations

import os
import sys

from core.engine.requests import MOST_TOGETHER, usable_cores

NICENESS = 5  # below the server and the browser: on a small CPU, what is on screen is drawn first
NICENESS_VARIABLE = "ADVATTN_ENGINE_NICENESS"  # overrides NICENESS (the test suite: 0, see tests/conftest.py)
# TensorFlow's threads for one operation (its intra-op pool); set beforehand, it is left alone.
INTRA_OP_VARIABLE = "TF_NUM_INTRAOP_THREADS"


def niceness() -> int:
    """How far below its app process the engine runs: NICENESS, or ADVATTN_ENGINE_NICENESS."""
    given = os.environ.get(NICENESS_VARIABLE)
    if given is None:
        return NICENESS
    try:
        value = int(given)
    except ValueError:
        value = -1
    if not 0 <= value <= 19:
        raise ValueError(f"{NICENESS_VARIABLE} must be a whole number from 0 to 19, got {given!r}")
    return value


def intra_op_threads(cores: int | None = None) -> int:
    """TensorFlow's threads for one operation in the engine: the cores shared among the columns
    that run side by side (MOST_TOGETHER). By default TensorFlow gives every operation all the
    cores, so two columns side by side ran four threads on two cores; one each, the explorer's
    four derm columns took 0.13 s instead of 0.17 s and five sessions' columns 0.56-0.59 s
    instead of 0.67-0.78 s (bench/gathered.py). A column alone at 224 px loses: 20-44 % slower on
    two cores, and on a machine with more cores each column still gets several."""
    return max(1, (cores or usable_cores()) // MOST_TOGETHER)


def prepare_environment(environ) -> None:
    """Set in `environ` what TensorFlow reads as it starts (the engine's first request imports
    it): its log level, and its threads per operation (intra_op_threads); a value given is kept."""
    environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    environ.setdefault(INTRA_OP_VARIABLE, str(intra_op_threads()))


def import_keras_without_sklearn() -> None:
    """Import Keras (and TensorFlow) once, with scikit-learn hidden while it does. Keras imports
    scikit-learn only for its scikit-learn wrappers (keras.wrappers.SKLearnClassifier), which
    the engine never uses, and handles its absence; hiding it took 1.0-2.2 s off the 7-9.5 s
    of this import on a busy 2-core CPU (A/B in fresh processes). scikit-learn is visible again
    afterwards, for what imports it later (core.ood's covariance estimate)."""
    if "keras" in sys.modules:
        return
    hidden = "sklearn" not in sys.modules
    if hidden:
        sys.modules["sklearn"] = None  # importing it raises ImportError while this is set
    try:
        import keras  # noqa: F401 - the import is the point
    finally:
        if hidden:
            del sys.modules["sklearn"]
