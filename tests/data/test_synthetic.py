import numpy as np
import pytest

from core.data.synthetic import gallery, generate
from core.data.synthetic.__main__ import main
from core.tasks import get_task


@pytest.mark.parametrize("task", ["derm", "fundus", "cxr"])
def test_generate_shapes_balance_and_determinism(task):
    images, labels = generate(task, 15, size=48, seed=3)
    assert images.shape == (15, 48, 48, 3) and images.dtype == np.float32
    assert labels.dtype == np.int64 and 0 <= images.min() and images.max() <= 1
    counts = np.bincount(labels, minlength=get_task(task).num_classes)
    assert counts.max() - counts.min() <= 1
    again, again_labels = generate(task, 15, size=48, seed=3)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, again_labels)
    other, _ = generate(task, 15, size=48, seed=4)
    assert not np.array_equal(images, other)


def test_classes_differ_where_the_lesion_is():
    """The class signal sits in the centre (the lesion), not in the border (skin)."""
    images, labels = generate("derm", 140, size=48, seed=0)
    centre = images[:, 16:32, 16:32].mean(axis=(1, 2))
    border = images[:, :8].mean(axis=(1, 2))
    between = lambda x: np.var([x[labels == c].mean(0) for c in range(7)], axis=0).sum()
    assert between(centre) > 3 * between(border)


def test_pneumothorax_images_differ_from_normals():
    images, labels = generate("cxr", 40, size=64, seed=0)
    difference = np.abs(images[labels == 1].mean(0) - images[labels == 0].mean(0))
    assert difference[:, :32].max() > 0.1 or difference[:, 32:].max() > 0.1


def test_gallery_is_fixed_and_grouped_by_class():
    images, labels = gallery("fundus", per_class=2, size=32)
    assert list(labels) == [0, 0, 1, 1]
    np.testing.assert_array_equal(images, gallery("fundus", per_class=2, size=32)[0])


def test_preview_cli_writes_a_png(tmp_path):
    out = tmp_path / "grid.png"
    main(["--task", "cxr", "--preview", str(out), "--per-class", "2", "--size", "32"])
    from PIL import Image

    assert Image.open(out).size == (64, 64)


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match="n must be non-negative"):
        generate("derm", -1)


def test_gallery_cli_writes_named_examples(tmp_path):
    main(["--task", "fundus", "--gallery", str(tmp_path), "--per-class", "1", "--size", "32"])
    assert sorted(p.name for p in (tmp_path / "fundus").iterdir()) == [
        "no_referable_dr_0.png", "referable_dr_0.png"]


@pytest.mark.parametrize("task,name,index", [("derm", "mel_1.png", 9), ("cxr", "pneumothorax_0.png", 2)])
def test_bundled_examples_upload_to_the_gallery_image(task, name, index):
    """assets/examples holds raw images (`--gallery assets/examples --per-class 2 --size 224`);
    uploaded, they are prepared into exactly the gallery's image (cxr filter included)."""
    from pathlib import Path

    from core.data.io import load_image
    from core.data.preprocess import prepare

    path = Path(__file__).resolve().parents[2] / "assets" / "examples" / task / name
    images, _ = gallery(task, per_class=2, size=224)
    uploaded = prepare(load_image(path), task, 224)
    assert np.abs(uploaded - images[index]).mean() < 2 / 255
