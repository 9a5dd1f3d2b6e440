import numpy as np
import pytest

from core.data.synthetic import gallery, generate, render_scene, split
from core.data.synthetic.__main__ import main
from core.tasks import get_task

TASKS = ["derm", "fundus", "cxr"]


@pytest.mark.parametrize("task", TASKS)
def test_generate_shapes_and_determinism(task):
    images, labels = generate(task, 15, size=48, seed=3)
    assert images.shape == (15, 48, 48, 3) and images.dtype == np.float32
    assert labels.dtype == np.int64 and 0 <= images.min() and images.max() <= 1
    again, again_labels = generate(task, 15, size=48, seed=3)
    np.testing.assert_array_equal(images, again)
    np.testing.assert_array_equal(labels, again_labels)
    other, _ = generate(task, 15, size=48, seed=4)
    assert not np.array_equal(images, other)


@pytest.mark.parametrize("task", TASKS)
def test_real_priors_hold_at_n_2000_and_balanced_is_balanced(task):
    from core.data.synthetic.priors import class_priors, class_sequence

    info = get_task(task)
    labels = class_sequence(2000, class_priors(info, "real"), np.random.default_rng(0))
    shares = np.bincount(labels, minlength=info.num_classes) / 2000
    assert np.abs(shares - np.asarray(info.priors)).max() <= 0.02
    balanced = class_sequence(70, class_priors(info, "balanced"), np.random.default_rng(1))
    counts = np.bincount(balanced[:33], minlength=info.num_classes)
    assert counts.max() - counts.min() <= 1  # every prefix is stratified, not only the whole set


def test_the_real_mixes_are_the_datasets():
    assert get_task("derm").priors[get_task("derm").class_index("nv")] == pytest.approx(0.669, abs=0.001)
    assert get_task("fundus").priors[1] == pytest.approx(0.196, abs=0.001)
    assert get_task("cxr").priors[1] == pytest.approx(0.047, abs=0.001)


def test_a_prefix_of_a_split_is_the_smaller_split():
    small, small_labels = split("fundus", "test", 6, size=32)
    large, large_labels = split("fundus", "test", 12, size=32)
    np.testing.assert_array_equal(small, large[:6])
    np.testing.assert_array_equal(small_labels, large_labels[:6])


@pytest.mark.parametrize("task", TASKS)
def test_truth_comes_with_every_image(task):
    images, labels, truth = generate(task, 12, size=40, seed=1, priors="balanced", with_truth=True)
    assert truth["lesion"].shape == truth["shortcut"].shape == (12, 40, 40)
    assert 0 <= truth["lesion"].min() and truth["lesion"].max() <= 1
    assert truth["severity"].shape == (12,) and ((0 <= truth["severity"]) & (truth["severity"] <= 1)).all()
    if task == "fundus":
        disagree = (truth["grade"] >= 2) != (labels == 1)  # binarised as the paper does, but for the grader's
        assert set(truth["grade"][disagree]) <= {1, 2} and disagree.mean() < 0.3  # calls at the boundary
        assert not truth["lesion"][truth["grade"] == 0].any()
    else:
        assert (truth["grade"] == -1).all()
    if task == "cxr":  # a normal film has no finding; every pneumothorax has one
        assert not truth["lesion"][labels == 0].any() and all(m.any() for m in truth["lesion"][labels == 1])
    if task == "derm":
        assert all(m.any() for m in truth["lesion"])


@pytest.mark.parametrize("task,label", [("derm", 4), ("derm", 5), ("fundus", 1), ("cxr", 1)])
def test_masks_are_exact(task, label):
    """Rendered with and without its finding from the same seed, before acquisition, an image
    differs only inside its lesion mask, and does differ there."""
    for index in range(3):
        with_lesion = render_scene(task, label, seed=7, index=index)
        without = render_scene(task, label, seed=7, index=index, lesion=False)
        changed = np.abs(with_lesion.image - without.image).max(axis=-1)
        assert changed[with_lesion.lesion == 0].max() == 0
        assert changed[with_lesion.lesion > 0.5].max() > 0.02
        np.testing.assert_array_equal(with_lesion.shortcut, without.shortcut)


def test_severity_grows_the_finding():
    """Same film, larger drawn severity: a larger pneumothorax, more DR lesions."""
    areas = [render_scene("cxr", 1, seed=3, index=0, severity=s).lesion.sum() for s in (0.05, 0.3, 0.6, 0.95)]
    assert all(a < b for a, b in zip(areas, areas[1:]))
    spots = [render_scene("fundus", 1, seed=3, index=0, severity=s).lesion.sum() for s in (0.05, 0.3, 0.55, 0.8)]
    assert all(a < b for a, b in zip(spots, spots[1:]))


def test_the_shortcut_follows_its_rate():
    _, labels, truth = generate("cxr", 60, size=32, seed=0, priors="balanced", shortcut_rate=1.0, with_truth=True)
    drains = truth["shortcut"].reshape(60, -1).max(axis=1) > 0
    assert drains[labels == 1].all() and drains[labels == 0].mean() < 0.3
    _, _, none = generate("cxr", 30, size=32, seed=0, priors="balanced", shortcut_rate=0.0, with_truth=True)
    assert not none["shortcut"].any()
    _, labels, marked = generate("derm", 70, size=32, seed=0, priors="balanced", shortcut_rate=1.0, with_truth=True)
    share = lambda c: (marked["shortcut"][labels == c].reshape((labels == c).sum(), -1).max(axis=1) > 0).mean()  # noqa: E731
    mel, nv = get_task("derm").class_index("mel"), get_task("derm").class_index("nv")
    looks_like_mel = (labels == mel) & (marked["looks_like"] < 0) | (marked["looks_like"] == mel)
    marks = marked["shortcut"].reshape(70, -1).max(axis=1) > 0
    assert marks[looks_like_mel].all()  # markings go with suspicion (Winkler et al. 2019), not with histology
    assert share(nv) < 0.5


@pytest.mark.parametrize("kwargs,message", [
    (dict(task="skin", n=2), "unknown task"),
    (dict(task="derm", n=-1), "n must be a non-negative integer"),
    (dict(task="cxr", n=2, priors=[0.5, 0.6]), "priors must be 2 non-negative class shares summing to 1"),
    (dict(task="cxr", n=2, priors="skewed"), "priors must be 'real', 'balanced'"),
    (dict(task="cxr", n=2, shortcut_rate=1.5), r"shortcut_rate must be in \[0, 1\]"),
])
def test_bad_settings_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(**kwargs)


def test_classes_differ_where_the_lesion_is():
    """The class signal sits in the centre (the lesion), not in the border (skin)."""
    images, labels = generate("derm", 140, size=48, seed=0, priors="balanced")
    centre = images[:, 16:32, 16:32].mean(axis=(1, 2))
    border = images[:, :8].mean(axis=(1, 2))
    between = lambda x: np.var([x[labels == c].mean(0) for c in range(7)], axis=0).sum()  # noqa: E731
    assert between(centre) > 3 * between(border)


def test_gallery_is_fixed_and_grouped_by_class():
    images, labels = gallery("fundus", per_class=2, size=32)
    assert list(labels) == [0, 0, 1, 1]
    np.testing.assert_array_equal(images, gallery("fundus", per_class=2, size=32)[0])


def test_the_demo_splits_are_named_for_their_generator_and_train_at_the_real_mix():
    """Saved results name the generator version of their images, so a new generator never
    serves numbers computed on the old one."""
    from core.data.synthetic import split_description

    assert split_description("cxr") == "synthetic v2 cxr test split (stratified)"
    with pytest.raises(ValueError, match="unknown task"):
        split_description("skin")
    _, labels = split("derm", "train", 70, size=16)
    assert np.bincount(labels, minlength=7)[5] == 47  # nv: 66.9 % of 70, the real mix
    _, labels = split("derm", "test", 70, size=16)
    assert list(np.bincount(labels, minlength=7)) == [10] * 7  # the test split is stratified


def test_preview_cli_writes_a_png(tmp_path):
    out = tmp_path / "grid.png"
    main(["--task", "cxr", "--preview", str(out), "--per-class", "2", "--size", "32"])
    from PIL import Image

    assert Image.open(out).size == (64, 64)


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


def test_what_only_histology_can_tell_is_drawn_at_its_stated_share_and_painted_as_its_mimic():
    from core.data.synthetic import derm
    from core.data.synthetic.layers import Case, streams

    task = get_task("derm")
    mel, nv = task.class_index("mel"), task.class_index("nv")
    for name, index in (("mel", mel), ("nv", nv)):
        mimicked, share = derm.MIMICS[name]
        rng = np.random.default_rng(5)
        drawn = np.array([derm.draw(index, rng).looks_like for _ in range(2000)])
        assert set(drawn) == {-1, task.class_index(mimicked)}
        assert abs((drawn >= 0).mean() - share) < 0.02
    rng = np.random.default_rng(9)
    assert all(derm.draw(task.class_index("bcc"), rng).looks_like == -1 for _ in range(200))
    naevoid_melanoma = Case(label=mel, severity=0.9, looks_like=nv)
    naevus = Case(label=nv, severity=0.9)
    np.testing.assert_array_equal(derm.render(naevoid_melanoma, streams(3, 7), 64).image,
                                  derm.render(naevus, streams(3, 7), 64).image)  # the pixels cannot tell them apart


def test_the_graders_calls_disagree_at_the_boundary_at_their_stated_rates():
    from core.data.synthetic import fundus

    rng = np.random.default_rng(11)
    not_referable = np.array([fundus.draw(0, rng).grade for _ in range(3000)])
    referable = np.array([fundus.draw(1, rng).grade for _ in range(3000)])
    assert abs((not_referable == 2).mean() - fundus.GRADER_MISSED) < 0.015 and not_referable.max() == 2
    assert abs((referable == 1).mean() - fundus.GRADER_OVERCALLED) < 0.015 and referable.min() == 1
