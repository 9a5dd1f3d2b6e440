"""Real photographs for the explorer's gallery, read at run time from installed packages
(never copied into this repository), each with its source and licence.

The bundled demo models were trained on synthetic images: their predictions on these real
images mean nothing clinically; the attack and the heatmaps still show how a model reacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.data.io import LoadedImage, read_image

DEMO_NOTICE = ("A real photograph, but the bundled demo models were trained on synthetic images: their "
               "predictions here mean nothing clinically. The attack and the heatmaps still show how each "
               "model reacts to a real image.")


@dataclass(frozen=True)
class RealExample:
    """One real image an installed package ships."""

    key: str
    task: str
    title: str
    source: str
    licence: str
    load: Callable[[], LoadedImage]


def _skimage(name: str, title: str) -> Callable[[], LoadedImage]:
    def load() -> LoadedImage:
        import skimage.data

        pixels = np.asarray(getattr(skimage.data, name)(), np.float32) / 255.0
        if pixels.ndim == 2:
            pixels = np.repeat(pixels[..., None], 3, axis=-1)
        return LoadedImage(np.ascontiguousarray(pixels), title, "PNG", (pixels.shape[1], pixels.shape[0]))
    return load


def _pydicom_data(name: str) -> Callable[[], LoadedImage]:
    def load() -> LoadedImage:
        from pydicom.data import get_testdata_file

        path = get_testdata_file(name, download=False)
        if path is None:
            raise FileNotFoundError(f"{name} is not installed (pip install pydicom-data)")
        return read_image(path)
    return load


EXAMPLES = [
    RealExample("skimage-retina", "fundus", "Fundus photograph, normal left eye",
                "scikit-image, skimage.data.retina(); Mikael Häggström, Wikimedia Commons "
                "(Medical gallery of Mikael Häggström 2014, WikiJournal of Medicine)",
                "CC0 1.0 (public domain dedication)", _skimage("retina", "Fundus photograph, normal left eye")),
    RealExample("skimage-microaneurysms", "fundus", "Retina with microaneurysms (green channel, detail)",
                "scikit-image, skimage.data.microaneurysms(); crop of image 07_dr of the High-Resolution Fundus "
                "(HRF) database, Budai et al. 2013",
                "CC0 (given by the owner, Andreas Maier)",
                _skimage("microaneurysms", "Retina with microaneurysms (green channel, detail)")),
    RealExample("nema-rg1", "cxr", "Chest radiograph (CR, DICOM)",
                "pydicom-data package, file RG1_UNCR.dcm of the NEMA DICOM WG04 compression test set",
                "MIT (pydicom-data); NEMA publishes the WG04 images for public testing",
                _pydicom_data("RG1_UNCR.dcm")),
]


def real_examples(task: str) -> list[RealExample]:
    """The real images for `task` whose package is installed."""
    found = []
    for example in (e for e in EXAMPLES if e.task == task):
        try:
            if example.key.startswith("skimage"):
                import skimage.data  # noqa: F401 - the package ships the image
            else:
                from pydicom.data import get_testdata_file

                if get_testdata_file("RG1_UNCR.dcm", download=False) is None:
                    continue
        except ImportError:
            continue
        found.append(example)
    return found
