"""Out-of-distribution cautions: feature-space distance (Lee et al. 2018) and the DICOM header."""

import numpy as np
import pytest
from pydicom.data import get_testdata_file

from core import ood
from core.data import synthetic
from core.data.io import read_image
from core.data.preprocess import prepare
from core.models.zoo import ModelSpec, checkpoint_path, load_model

SPEC = ModelSpec("cxr", "inception_resnet_v2", True)


@pytest.fixture(scope="module")
def model_and_statistics():
    stats = ood.load(checkpoint_path(SPEC))
    assert stats is not None, "the bundled zoo ships its feature statistics (python -m core.ood --demo-zoo)"
    return load_model(SPEC), stats


def _scores(model, stats, images):
    return ood.mahalanobis(stats, ood.features(model, images))


def test_synthetic_test_images_rank_below_other_tasks_and_other_modalities(model_and_statistics):
    model, stats = model_and_statistics
    own, _ = synthetic.split("cxr", "test", 60, size=96)
    own_scores = _scores(model, stats, own)
    assert np.mean(own_scores <= stats.threshold) >= 0.9  # the threshold is the 99th percentile of held-out data
    others = [prepare(image, "cxr", 96) for task in ("derm", "fundus")
              for image in synthetic.split(task, "test", 10, size=96)[0]]
    for name in ("CT_small.dcm", "MR_small.dcm", "RG3_UNCR.dcm"):  # a CT, an MR, a knee radiograph
        others.append(prepare(read_image(get_testdata_file(name)).pixels, "cxr", 96))
    other_scores = _scores(model, stats, np.stack(others))
    assert other_scores.min() > np.percentile(own_scores, 99)
    assert (other_scores > stats.threshold).all()


def test_assessment_reads_the_header_and_the_colours(model_and_statistics):
    model, stats = model_and_statistics
    ct = read_image(get_testdata_file("CT_small.dcm"))
    verdict = ood.assess(model, stats, "cxr", prepare(ct.pixels, "cxr", 96), ct.metadata, ct.pixels)
    assert verdict.flagged and any("Modality is CT" in r for r in verdict.reasons)
    assert verdict.score > verdict.threshold and verdict.to_dict()["flagged"]
    knee = read_image(get_testdata_file("RG3_UNCR.dcm"))
    assert any("BodyPartExamined is EXTREMITY" in r for r in ood.header_reasons("cxr", knee.pixels, knee.metadata))
    grey = np.repeat(np.random.default_rng(0).random((20, 20, 1)), 3, axis=-1).astype(np.float32)
    assert any("greyscale" in r for r in ood.header_reasons("derm", grey, {}))
    own, _ = synthetic.split("cxr", "test", 1, size=96)
    assert not ood.assess(model, stats, "cxr", own[0], {"Modality": "CR", "BodyPartExamined": "CHEST"}).reasons


def test_statistics_round_trip(tmp_path, model_and_statistics):
    model, _ = model_and_statistics
    images, labels = synthetic.split("cxr", "train", 80, size=96)
    held_out, _ = synthetic.split("cxr", "val", 40, size=96)
    fitted = ood.fit(model, images, labels, held_out)
    path = ood.save(fitted, tmp_path / "m.keras")
    again = ood.load(tmp_path / "m.keras")
    assert path.name == "m.ood.npz" and again.threshold == pytest.approx(fitted.threshold)
    np.testing.assert_allclose(again.precision, fitted.precision)
    assert ood.load(tmp_path / "missing.keras") is None
