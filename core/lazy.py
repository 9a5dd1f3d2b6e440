"""Lazy package exports (PEP 562): a package's public names are imported from their module on
first use, so importing one light name (a preset, a results reader) does not import TensorFlow.
The pattern of scipy and scikit-image (lazy_loader), written out in a few lines."""

from __future__ import annotations

import importlib


def lazy_exports(package: str, exports: dict[str, list[str]]):
    """(__getattr__, __dir__) for `package`, whose {module: [names]} are imported on first use."""
    owner = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        if name not in owner:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{owner[name]}"), name)

    def __dir__() -> list[str]:
        return sorted(owner)

    return __getattr__, __dir__
