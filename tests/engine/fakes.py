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
