"""Each real dataset loader on a small fixture built here in the real on-disk format."""

import numpy as np
import pytest
from PIL import Image

from core.data.datasets import (DatasetError, class_weights, load_chestxray14, load_folder,
                                load_ham10000, load_kaggle_dr, load_medmnist, make_tf_dataset,
                                split_indices)


def _image(path, value=128, size=(20, 16)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size[1], size[0], 3), value, np.uint8)).save(path)


@pytest.fixture
def ham(tmp_path):
    lines = ["lesion_id,image_id,dx,dx_type,age,sex,localization"]
    classes = ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]
    for i in range(42):
        lesion = f"HAM_{i // 2:07d}"  # two images per lesion
        image_id = f"ISIC_{i:07d}"
        lines.append(f"{lesion},{image_id},{classes[(i // 2) % 7]},histo,50.0,male,back")
        part = "HAM10000_images_part_1" if i % 2 else "HAM10000_images_part_2"
        _image(tmp_path / part / f"{image_id}.jpg", value=i)
    lines.append("HAM_9999999,ISIC_9999998,xyz,histo,50,male,back")  # unknown label
    lines.append("HAM_9999999,ISIC_9999999,nv,histo,50,male,back")  # image missing
    (tmp_path / "HAM10000_metadata.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_ham10000_labels_groups_and_skips(ham):
    data = load_ham10000(ham)
    assert len(data) == 42 and data.task == "derm"
    assert data.skipped == {"unknown label": 1, "missing image": 1}
    assert list(data.class_counts()) == [6] * 7
    assert data.image(0, 32).shape == (32, 32, 3)


def test_splits_never_share_a_lesion_and_are_stratified(ham):
    data = load_ham10000(ham)
    splits = split_indices(data, val=0.2, test=0.2, seed=1)
    assert sorted(np.concatenate(list(splits.values()))) == list(range(len(data)))
    lesion_sets = [set(data.groups[idx]) for idx in splits.values()]
    assert not (lesion_sets[0] & lesion_sets[1] or lesion_sets[0] & lesion_sets[2]
                or lesion_sets[1] & lesion_sets[2])
    assert set(data.labels[splits["test"]]) == set(range(7))  # every class in test
    again = split_indices(data, val=0.2, test=0.2, seed=1)
    assert all(np.array_equal(splits[k], again[k]) for k in splits)


def test_kaggle_dr_binarises_levels_and_groups_eyes_by_patient(tmp_path):
    lines = ["image,level"]
    for patient in range(10):
        for eye in ("left", "right"):
            lines.append(f"{patient}_{eye},{patient % 5}")
            _image(tmp_path / "train" / f"{patient}_{eye}.jpeg")
    lines.append("99_left,7")
    (tmp_path / "trainLabels.csv").write_text("\n".join(lines))
    data = load_kaggle_dr(tmp_path)
    assert data.skipped == {"unknown label": 1}
    levels = np.array([int(l.split(",")[1]) for l in lines[1:-1]])
    np.testing.assert_array_equal(data.labels, (levels >= 2).astype(int))
    splits = split_indices(data, val=0.2, test=0.2)
    for name, idx in splits.items():
        others = np.concatenate([v for k, v in splits.items() if k != name])
        assert not set(data.groups[idx]) & set(data.groups[others])


def test_chestxray14_pneumothorax_and_official_test_list(tmp_path):
    lines = ["Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position"]
    findings = ["No Finding", "Pneumothorax", "Effusion|Pneumothorax", "Atelectasis"]
    test_names = []
    for i in range(24):
        name = f"{i:08d}_000.png"
        lines.append(f"{name},{findings[i % 4]},0,{i},50,M,PA")
        _image(tmp_path / "images_001" / "images" / name)
        if i >= 20:
            test_names.append(name)
    (tmp_path / "Data_Entry_2017.csv").write_text("\n".join(lines))
    (tmp_path / "test_list.txt").write_text("\n".join(test_names))
    data = load_chestxray14(tmp_path)
    assert list(data.labels[:4]) == [0, 1, 1, 0]
    splits = split_indices(data, val=0.2, test=0.2)
    assert sorted(data.items[i].rsplit("/", 1)[1] for i in splits["test"]) == test_names
    assert len(splits["train"]) + len(splits["val"]) == 20
    image = data.image(0, 16)
    assert (image[..., 0] == image[..., 1]).all()  # grey, cxr filter applied


def test_medmnist_official_splits_and_label_mapping(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", 10), ("val", 4), ("test", 6)):
        arrays[f"{split}_images"] = rng.integers(0, 255, (n, 28, 28), dtype=np.uint8)
        labels = np.zeros((n, 14), np.uint8)
        labels[::2, 7] = 1  # pneumothorax column
        labels[:, 0] = 1  # atelectasis everywhere: must not matter
        arrays[f"{split}_labels"] = labels
    path = tmp_path / "chestmnist.npz"
    np.savez(path, **arrays)
    data = load_medmnist(path)
    assert data.task == "cxr" and len(data) == 20
    assert list(data.labels[:4]) == [1, 0, 1, 0]
    splits = split_indices(data)
    assert [len(splits[k]) for k in ("train", "val", "test")] == [10, 4, 6]
    assert data.image(0, 32).shape == (32, 32, 3)

    retina = tmp_path / "retinamnist.npz"
    np.savez(retina, **{f"{s}_images": np.zeros((5, 28, 28, 3), np.uint8) for s in ("train", "val", "test")},
             **{f"{s}_labels": np.arange(5).reshape(5, 1) for s in ("train", "val", "test")})
    assert list(load_medmnist(retina).labels[:5]) == [0, 0, 1, 1, 1]


def test_folder_per_class(tmp_path):
    for cls in ("no_pneumothorax", "pneumothorax"):
        for i in range(3):
            _image(tmp_path / cls / f"{i}.png")
    data = load_folder(tmp_path, "cxr")
    assert list(data.labels) == [0, 0, 0, 1, 1, 1]
    (tmp_path / "cats").mkdir()
    with pytest.raises(DatasetError, match="one sub-folder per class, named no_pneumothorax, pneumothorax"):
        load_folder(tmp_path, "cxr")


def test_clear_errors_for_bad_inputs(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_ham10000(tmp_path / "nope")
    with pytest.raises(DatasetError, match="not found"):
        load_ham10000(tmp_path)
    (tmp_path / "HAM10000_metadata.csv").write_text("image,diagnosis\nx,mel\n")
    with pytest.raises(DatasetError, match=r"lacks the column\(s\)"):
        load_ham10000(tmp_path)
    (tmp_path / "HAM10000_metadata.csv").write_text("lesion_id,image_id,dx\nL,x,mel\n")
    with pytest.raises(DatasetError, match="no usable image .1 missing image"):
        load_ham10000(tmp_path)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DatasetError, match="not a readable .npz"):
        load_medmnist(tmp_path / "bad.npz", "derm")


def test_inverse_frequency_class_weights():
    weights = class_weights(np.array([0, 0, 0, 1]), 3)
    assert weights[0] == pytest.approx(4 / 9) and weights[1] == pytest.approx(4 / 3) and weights[2] == 0
    # weighted counts are equal across present classes
    assert weights[0] * 3 == pytest.approx(weights[1] * 1)


def test_tf_dataset_streams_prepared_batches_and_caches(ham, tmp_path):
    data = load_ham10000(ham)
    stream = make_tf_dataset(data, np.arange(10), size=24, batch_size=4, cache_dir=tmp_path / "cache")
    batches = list(stream)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert batches[0][0].shape[1:] == (24, 24, 3) and batches[0][1].shape[1:] == (7,)
    np.testing.assert_allclose(batches[0][0][1].numpy(), data.image(1, 24), atol=1e-6)
    assert any((tmp_path / "cache").iterdir())
    second = list(make_tf_dataset(data, np.arange(10), size=24, batch_size=4, cache_dir=tmp_path / "cache"))
    np.testing.assert_array_equal(second[2][0].numpy(), batches[2][0].numpy())


def test_shuffle_is_a_seeded_full_permutation_new_every_epoch(tmp_path):
    """Metadata grouped by class: the first batch of a shuffled epoch still mixes classes."""
    from core.data.datasets import Dataset

    labels = np.repeat([0, 1], 50)  # class-sorted, as real metadata files often are
    items = [np.full((8, 8), 60 * (label + 1), np.uint8) for label in labels]
    data = Dataset("fundus", "sorted", items, labels, np.arange(100).astype(object))
    stream = make_tf_dataset(data, np.arange(100), size=8, batch_size=100, shuffle=True, seed=3, one_hot=False)
    epochs = [next(iter(stream))[1].numpy() for _ in range(2)]  # a fresh pass = a new epoch
    first, second = epochs
    assert sorted(first) == sorted(labels)  # every image once
    assert not np.array_equal(first, second)  # a new order every epoch
    assert 0.3 < first[:10].mean() < 0.7 or 0.3 < first[:20].mean() < 0.7  # the head mixes both classes
    again = next(iter(make_tf_dataset(data, np.arange(100), size=8, batch_size=100, shuffle=True, seed=3,
                                      one_hot=False)))[1].numpy()
    np.testing.assert_array_equal(again, first)  # seeded


def test_paths_typed_in_the_ui_stay_inside_the_data_root(tmp_path, monkeypatch):
    from core.data.paths import DataRootError, confined

    root = tmp_path / "data"
    (root / "ham").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    (root / "escape").symlink_to(tmp_path / "secret")
    monkeypatch.setenv("ADVATTN_DATA_ROOT", str(root))
    assert confined("ham") == (root / "ham").resolve()
    assert confined(root / "ham") == (root / "ham").resolve()
    for outside in ("/root", "/", "../secret", str(tmp_path / "secret"), "escape", "ham/../../secret"):
        with pytest.raises(DataRootError, match="outside the data folder") as error:
            confined(outside)
        assert "secret" not in str(error.value).replace(outside, "")  # nothing about what lies outside


def test_errors_name_no_folder_and_the_csv_is_checked_before_indexing(tmp_path, monkeypatch):
    from core.data.datasets import formats as datasets

    (tmp_path / ".ssh").mkdir()
    (tmp_path / "private").mkdir()
    with pytest.raises(DatasetError) as error:
        load_folder(tmp_path, "derm")
    assert ".ssh" not in str(error.value) and "private" not in str(error.value)
    walked = []
    monkeypatch.setattr(datasets, "_index_images", lambda root: walked.append(root) or {})
    for loader in (datasets.load_ham10000, datasets.load_kaggle_dr, datasets.load_chestxray14):
        with pytest.raises(DatasetError, match="not found"):
            loader(tmp_path)
    assert walked == []  # no CSV, nothing indexed
