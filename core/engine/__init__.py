"""The engine process: TensorFlow and the models live in a worker process of their own.

Streamlit clears the Keras session after every script run (its script runner calls
keras.backend.clear_session), which throws every traced function away; so the app process
never imports TensorFlow. It sends typed requests to one long-lived worker that loads,
warms and holds the models, and reads the replies.

    engine()                                   the server's one Engine, started on first use
    Engine.submit(request) / .call(request)    a Future of the reply / the reply
    ModelRef.of(spec, root)                    a checkpoint, named by its content hash
    Prime, Load, Warm, Explore, Minimal, Gallery   the requests (each runs in the worker)
    Together(explores)                         warm models' columns side by side, on threads
    explorations(refs, image, ...)             the explorer's columns, each as soon as it is ready
    Progress                                   a slow column's verdict while its PGD runs
    prefetch(refs, image, epsilons=..., ...)   the same at other epsilons, in the background
    ExplorationCache                           explorations on disk, keyed by content hashes
"""

from core.engine.cache import ExplorationCache, default_cache
from core.engine.client import Engine, EngineError, engine
from core.engine.requests import Explore, Gallery, Load, Minimal, ModelRef, OodInput, Prime, Progress, Together, Warm
from core.engine.stream import Failed, Phase, explorations, prefetch

__all__ = ["Engine", "EngineError", "ExplorationCache", "Explore", "Failed", "Gallery", "Load", "Minimal", "ModelRef",
           "OodInput", "Phase", "Prime", "Progress", "Together", "Warm", "default_cache", "engine", "explorations",
           "prefetch"]
