"""Requests for the engine's own tests: the worker runs them like any other (core.engine.worker.handle)."""

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Sleep:
    """Takes `seconds` in the worker and answers its name with the worker's clock at the end."""

    name: str
    seconds: float
    model: None = None
    warm: bool = False

    def run(self, model):
        time.sleep(self.seconds)
        return self.name, time.monotonic()


from core.engine.requests import Explore  # noqa: E402 - the fakes above need nothing of the engine


@dataclass(frozen=True, eq=False)
class SlowExplore(Explore):
    """An Explore whose attack is slow: it reports the clean image twice, `pause` seconds
    apart, through the worker's reporter, then runs the real column."""

    pause: float = 0.4

    def run(self, model, source=None, on_progress=None):
        for done in (1, 2):
            time.sleep(self.pause)
            if on_progress is not None:
                on_progress(done, 3, self.image[None])
        return super().run(model, source=source, on_progress=on_progress)


@dataclass(frozen=True)
class Environment:
    """Answers the worker's value of the environment variable `name` (None when unset)."""

    name: str
    model: None = None
    warm: bool = False

    def run(self, model):
        import os

        return os.environ.get(self.name)
