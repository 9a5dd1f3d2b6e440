"""Training: the paper's recipe, checkpoints, resume, early stopping, cancel."""

from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from core.models.zoo import ModelSpec, load_model, read_card
from core.train import DEMO_ZOO_CONFIG, TrainConfig, load_splits, resume_path, train

SPEC = ModelSpec("cxr", "resnet50", False)
SMALL = TrainConfig(max_epochs=3, synthetic_train=96, synthetic_val=32, synthetic_test=32, batch_size=16)


def test_paper_defaults():
    config = TrainConfig()
    assert (config.learning_rate, config.adam_epsilon, config.max_epochs) == (0.01, 0.1, 300)
    assert (config.patience, config.min_delta, config.class_weighting) == (40, 0.001, True)
    assert config.fraction_for("derm") == 0.1 and config.fraction_for("cxr") == 1.0
    assert DEMO_ZOO_CONFIG.learning_rate == 0.01 and DEMO_ZOO_CONFIG.adam_epsilon == 0.1


def test_bad_config_is_refused_with_the_value():
    with pytest.raises(ValueError, match="learning_rate is out of range: got -1"):
        TrainConfig(learning_rate=-1)
    with pytest.raises(ValueError, match="epoch_fraction"):
        TrainConfig(epoch_fraction=1.5)


def test_derm_sees_a_tenth_of_its_training_set_per_epoch():
    config = TrainConfig(synthetic_train=160, synthetic_val=8, synthetic_test=8, batch_size=8)
    assert load_splits(ModelSpec("derm", "resnet50", True), config).steps_per_epoch == 2  # 16 of 160
    assert load_splits(SPEC, config).steps_per_epoch == 20


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo")
    events = []
    card = train(SPEC, SMALL, root=root, progress=events.append)
    return root, card, events


def test_training_lowers_the_loss_and_writes_a_full_card(trained):
    root, card, events = trained
    assert card["status"] == "done" and card["epochs_trained"] == 3
    assert card["history"]["loss"][-1] < card["history"]["loss"][0]
    saved = read_card(card["checkpoint"])
    assert saved["config"]["learning_rate"] == 0.01 and saved["config"]["max_epochs"] == 3
    assert 0 <= saved["metrics"]["clean_accuracy"] <= 1 and saved["metrics"]["test_images"] == 32
    assert saved["backbone_init"] == "random" and saved["best_epoch"] >= 1
    point = saved["metrics"]["operating_point"]  # binary: Youden's threshold fixed on validation
    assert point["fixed_on"] == "validation split" and 0 <= point["threshold"] <= 1
    assert point["test"]["positives"] + point["test"]["negatives"] == 32
    state = resume_path(Path(card["checkpoint"]))
    assert not state.exists() and not state.with_suffix(".json").exists()
    epochs = [e for e in events if e["phase"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert all({"loss", "accuracy", "val_loss", "eta_s", "elapsed_s"} <= set(e) for e in epochs)
    assert epochs[-1]["eta_s"] == 0


def test_class_weights_are_passed_to_fit(monkeypatch, tmp_path):
    seen = {}
    original = keras.Model.fit

    def spy(self, *args, **kwargs):
        seen["class_weight"] = kwargs.get("class_weight")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", spy)
    config = TrainConfig(max_epochs=1, synthetic_train=40, synthetic_val=4, synthetic_test=4, batch_size=20)
    train(SPEC, config, root=tmp_path)
    # 40 synthetic radiographs at ChestX-ray14's mix (4.7 % pneumothorax): 38 + 2, weights 40 / (2 n_c)
    assert seen["class_weight"] == pytest.approx({0: 40 / 76, 1: 10.0})
    from dataclasses import replace

    train(SPEC, replace(config, class_weighting=False), root=tmp_path)
    assert seen["class_weight"] is None


def test_early_stopping_stops_and_keeps_the_best(tmp_path):
    config = TrainConfig(max_epochs=10, patience=1, min_delta=100.0, synthetic_train=32,
                         synthetic_val=16, synthetic_test=16, batch_size=16)
    card = train(SPEC, config, root=tmp_path)
    assert card["epochs_trained"] == 2  # epoch 1 sets the best; epoch 2 fails to beat it by 100
    assert card["best_epoch"] == 1


def test_the_learning_rate_is_cut_after_epochs_without_improvement(tmp_path):
    config = TrainConfig(max_epochs=4, patience=10, min_delta=100.0, lr_decay_patience=1, lr_decay_factor=0.5,
                         synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16)
    card = train(SPEC, config, root=tmp_path)
    # epoch 1 improves on nothing; epochs 2, 3 and 4 do not beat it by 100: halved after each
    np.testing.assert_allclose(card["history"]["learning_rate"], [0.01, 0.01, 0.005, 0.0025], rtol=1e-6)
    with pytest.raises(ValueError, match="lr_decay_factor is out of range"):
        TrainConfig(lr_decay_factor=1.5)


def test_cancel_then_resume_continues_the_history(tmp_path, monkeypatch):
    config = TrainConfig(max_epochs=3, synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16)
    epochs_done, traces = [], []
    standard = keras.Model.train_step
    monkeypatch.setattr(keras.Model, "train_step", lambda model, data: traces.append(1) or standard(model, data))

    def cancel():
        return len(epochs_done) >= 2

    card = train(SPEC, config, root=tmp_path, cancel=cancel,
                 progress=lambda e: e["phase"] == "epoch" and epochs_done.append(e["epoch"]))
    assert card["status"] == "cancelled" and card["epochs_trained"] == 2
    assert len(traces) == 1  # the train step is traced once: its variables exist before fit (build_before_fit)
    load_model(SPEC, root=tmp_path)  # the best so far is loadable
    stale = tmp_path / "demo" / "cxr" / ".resnet50_vanilla.k1ll3d.tmp.keras"
    stale.write_bytes(b"a write interrupted by kill -9")
    resumed = train(SPEC, config, root=tmp_path, resume=True)
    assert resumed["status"] == "done" and resumed["epochs_trained"] == 3 and len(traces) == 2  # once more
    assert len(resumed["history"]["val_loss"]) == 3
    assert not stale.exists()  # swept at the training start
    assert (tmp_path / "demo" / "cxr" / "resnet50_vanilla.ood.npz").is_file()  # feature statistics saved
    before = load_model(SPEC, root=tmp_path).get_weights()
    with pytest.raises(ValueError, match="already finished training; there is nothing to resume"):
        train(SPEC, config, root=tmp_path, resume=True)
    np.testing.assert_array_equal(load_model(SPEC, root=tmp_path).get_weights()[0], before[0])  # untouched


def test_training_streams_a_real_dataset_format(tmp_path):
    """The folder-per-class loader through tf.data, with the on-disk cache, end to end."""
    from PIL import Image

    from core.data.synthetic import generate
    from core.data.preprocess import to_uint8
    from core.evaluate import evaluation_data

    images, labels = generate("cxr", 24, size=64, seed=9)
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = tmp_path / "data" / ("pneumothorax" if label else "no_pneumothorax")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(to_uint8(image)).save(folder / f"{i}.png")
    config = TrainConfig(max_epochs=1, batch_size=8, data=str(tmp_path / "data"), data_format="folder",
                         val_fraction=0.25, test_fraction=0.25, cache_dir=str(tmp_path / "cache"))
    card = train(SPEC, config, root=tmp_path / "zoo")
    assert card["status"] == "done" and card["data"].startswith("folder data (")
    assert card["metrics"]["test_images"] == 6
    assert any((tmp_path / "cache").iterdir())
    test_images, test_labels, description = evaluation_data(SPEC, data=config.data, data_format="folder",
                                                            config=config)
    assert test_images.shape == (6, 96, 96, 3) and description == "folder data test split"


def test_a_config_travels_as_json_and_bad_ones_are_named(tmp_path):
    config = TrainConfig(seed=7, epoch_fraction=0.5, cache_dir="/tmp/cache", max_epochs=3)
    assert TrainConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) \['sed'\]"):
        TrainConfig.from_dict({"sed": 7})
    with pytest.raises(ValueError, match="max_epochs must be a int"):
        TrainConfig.from_dict({"max_epochs": "3"})
    with pytest.raises(ValueError, match="max_epochs is out of range"):
        TrainConfig.from_dict({"max_epochs": 0})


def test_weighted_validation_weights_each_image_by_its_class(tmp_path):
    import tensorflow as tf

    from core.train.training import weighted

    y = tf.one_hot([0, 1, 1, 0], 2)
    batch = next(iter(weighted(tf.data.Dataset.from_tensor_slices((tf.zeros((4, 2, 2, 3)), y)).batch(4),
                               {0: 0.5, 1: 2.0})))
    np.testing.assert_allclose(batch[2].numpy(), [0.5, 2.0, 2.0, 0.5])
    card = train(SPEC, replace(SMALL, max_epochs=1, weighted_validation=True), root=tmp_path)
    assert card["config"]["weighted_validation"] and np.isfinite(card["history"]["val_loss"][0])


def _dihedral_variants(image: np.ndarray) -> list[np.ndarray]:
    variants = []
    for turned in (image, image.transpose(1, 0, 2)):
        variants += [turned, turned[:, ::-1], turned[::-1], turned[::-1, ::-1]]
    return variants


@pytest.mark.parametrize("task, expected", [("derm", 8), ("cxr", 2), ("fundus", 2)])
def test_augmentation_flips_each_image_only_as_its_modality_allows(task, expected):
    import tensorflow as tf

    from core.train.data import augmented

    keras.utils.set_random_seed(0)
    image = np.random.default_rng(0).random((5, 5, 3)).astype(np.float32)  # no symmetry of its own
    batches = tf.data.Dataset.from_tensor_slices((np.repeat(image[None], 200, 0), np.zeros((200, 2)))).batch(200)
    seen = next(iter(augmented(batches, task, TrainConfig(augment=True))))[0].numpy()
    allowed = _dihedral_variants(image)[:expected] if task == "derm" else [image, image[:, ::-1]]
    kinds = {next(i for i, v in enumerate(allowed) if np.array_equal(v, s)) for s in seen}  # StopIteration: a
    assert kinds == set(range(expected))  # flip the modality does not allow; every allowed one occurs
    unchanged = next(iter(augmented(batches, task, TrainConfig(augment=False))))[0].numpy()
    assert (unchanged == image).all()


def test_the_demo_zoo_trains_with_augmentation_and_the_card_says_so(tmp_path):
    assert DEMO_ZOO_CONFIG.augment and not TrainConfig().augment  # not in the paper: off by default
    card = train(SPEC, replace(SMALL, max_epochs=1, augment=True), root=tmp_path)
    assert card["config"]["augment"] is True and np.isfinite(card["history"]["loss"][0])


def test_a_seed_draws_the_same_flips_every_time():
    """So that a seed names one model: the flips were drawn in a parallel map, in whichever order
    its threads reached the random op, and the same seed trained different models."""
    import tensorflow as tf

    from core.train.data import augmented

    def flips():
        keras.utils.set_random_seed(5)
        image = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)  # its 8 symmetries are 8 different arrays
        batches = tf.data.Dataset.from_tensors((image, np.zeros((1, 2), np.float32))).repeat(300)
        return np.stack([x.numpy()[0] for x, _ in augmented(batches, "derm", replace(SMALL, augment=True))])

    first = flips()
    assert len({x.tobytes() for x in first}) == 8  # all eight symmetries of the square are drawn
    np.testing.assert_array_equal(flips(), first)


def test_the_demo_zoo_narrows_to_one_task_and_one_backbone():
    from core.train.cli import demo_zoo_specs

    twins = demo_zoo_specs("cxr", "resnet50")
    assert [(s.task, s.backbone, s.attention) for s in twins] == [("cxr", "resnet50", False), ("cxr", "resnet50", True)]
    assert len(demo_zoo_specs("cxr")) == 4 and len(demo_zoo_specs()) == 12
