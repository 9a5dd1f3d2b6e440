"""Adversarial training (PGD-AT, TRADES): it buys robustness, it is the evaluation's own
attack inside the step, and a defended model is named and carded as one."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from core.attacks import compiled, pgd, predict
from core.attacks.pgd import _build_loop
from core.models.spec import ModelSpec
from core.train import TrainConfig, train
from core.train.defence import attach, inner_attack, trades_loss
from tests.tiny import planted_squares, tiny_model

EPSILON = 0.15  # noise lies in [0.2, 0.5] and the square at 0.95: a robust rule exists at this radius


def _fit(defence: str, seed: int = 0):
    images, labels, _ = planted_squares(256, seed=seed)
    model = tiny_model(seed)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
    attach(model, TrainConfig(defence=defence, defence_epsilon=EPSILON, defence_steps=5))
    model.fit(images, keras.utils.to_categorical(labels, 2), epochs=6, batch_size=32, verbose=0, shuffle=True)
    return model


def _robust_accuracy(model) -> float:
    images, labels, _ = planted_squares(128, seed=99)
    adversarial = pgd(model, images, labels, epsilon=EPSILON, steps=20, rel_stepsize=0.25, seed=0)
    return float((predict(model, adversarial).argmax(1) == labels).mean())


@pytest.fixture(scope="module")
def robust():
    """Robust accuracy at EPSILON of the tiny detector trained three ways (same data, seed)."""
    return {defence: _robust_accuracy(_fit(defence)) for defence in ("none", "pgd-at", "trades")}


def test_pgd_at_buys_robust_accuracy_at_its_epsilon(robust):
    # measured here: standard 0.02, PGD-AT 0.81, TRADES 1.00 (20-step PGD, 128 held-out images)
    assert robust["pgd-at"] >= robust["none"] + 0.3, robust


def test_trades_trains_and_beats_standard_training_under_attack(robust):
    assert robust["trades"] >= robust["none"] + 0.3, robust


def test_trades_with_beta_zero_is_the_weighted_cross_entropy():
    rng = np.random.default_rng(0)
    clean = tf.nn.softmax(rng.normal(size=(8, 3))).numpy().astype(np.float32)
    adversarial = tf.nn.softmax(rng.normal(size=(8, 3))).numpy().astype(np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 3, 8), 3)
    weights = rng.uniform(0.5, 3, 8).astype(np.float32)
    standard = keras.losses.CategoricalCrossentropy()(y, clean, sample_weight=weights)
    np.testing.assert_allclose(trades_loss(y, clean, adversarial, beta=0.0, sample_weight=weights), standard,
                               rtol=1e-6)
    assert float(trades_loss(y, clean, adversarial, beta=6.0)) > float(trades_loss(y, clean, adversarial, beta=0.0))


def test_the_inner_attack_is_the_evaluations_compiled_pgd():
    model = tiny_model(0)
    images, labels, _ = planted_squares(4)
    pgd(model, images, labels, epsilon=0.05, steps=2, seed=0)  # the evaluation traces its loop
    assert inner_attack(model) is compiled.loop(model, "pgd", "ce", _build_loop)


def test_a_defended_model_is_named_and_carded_as_one(tmp_path):
    spec = ModelSpec("cxr", "resnet50", True, defence="pgd-at")
    assert spec.model_id == "demo-cxr-resnet50-attention-pgdat" and spec.title.endswith("· PGD-AT")
    assert spec.twin().defence == "pgd-at" and ModelSpec.from_dict(spec.to_dict()) == spec
    assert "defence" not in ModelSpec("cxr", "resnet50", True).to_dict()  # old cards still match
    config = TrainConfig(max_epochs=1, synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16,
                         defence="pgd-at", defence_steps=1)
    card = train(spec, config, root=tmp_path)
    assert card["config"]["defence"] == "pgd-at"
    assert card["checkpoint"].endswith("resnet50_attention_pgdat.keras")
    assert not (tmp_path / "demo" / "cxr" / "resnet50_attention.keras").exists()  # the twin is untouched
    assert card["monitor"] == "val_robust_loss" and len(card["history"]["val_robust_loss"]) == 1
    assert card["best_val_loss"] == card["history"]["val_robust_loss"][0]  # the kept epoch follows it
    from core.train import defence_summary

    assert defence_summary(card) == ("PGD-AT at ε = 0.02 (5.1/255), 1 step; kept the epoch with the lowest robust "
                                     "validation loss (epoch 1)")
    assert defence_summary({"config": TrainConfig().to_dict()}) is None


def test_the_robust_validation_loss_is_the_loss_on_the_training_attacks_examples():
    from core.train.defence import robust_validation_loss

    images, labels, _ = planted_squares(64, seed=3)
    model = _fit("none")
    dataset = tf.data.Dataset.from_tensor_slices((images, keras.utils.to_categorical(labels, 2))).batch(16)
    clean = float(keras.losses.CategoricalCrossentropy()(keras.utils.to_categorical(labels, 2),
                                                         predict(model, images)))
    config = TrainConfig(defence="pgd-at", defence_epsilon=EPSILON, defence_steps=5)
    assert robust_validation_loss(model, dataset, config) > clean + 1.0  # the undefended model: fooled
    assert robust_validation_loss(model, dataset, TrainConfig(defence="pgd-at", defence_epsilon=1e-7)) == (
        pytest.approx(clean, rel=1e-3))  # no room to move: the clean loss
    weighted = dataset.map(lambda x, y: (x, y, tf.ones(tf.shape(x)[0]) * 3.0))  # uniform weights: the same mean
    assert robust_validation_loss(model, weighted, TrainConfig(defence="pgd-at", defence_epsilon=1e-7)) == (
        pytest.approx(clean, rel=1e-3))


def test_a_defended_model_can_start_from_its_undefended_twin(tmp_path):
    """Adversarial fine-tuning (Jeddi et al. 2020): init_from="undefended" loads the trained
    undefended model's weights before the first defended epoch."""
    small = dict(max_epochs=1, synthetic_train=32, synthetic_val=16, synthetic_test=16, batch_size=16)
    undefended = ModelSpec("cxr", "resnet50", True)
    defended = ModelSpec("cxr", "resnet50", True, defence="pgd-at")
    with pytest.raises(ValueError, match="init_from: no checkpoint at .*; train demo-cxr-resnet50-attention first"):
        train(defended, TrainConfig(defence="pgd-at", init_from="undefended", **small), root=tmp_path)
    source = train(undefended, TrainConfig(**small), root=tmp_path)
    card = train(defended, TrainConfig(defence="pgd-at", defence_steps=1, init_from="undefended",
                                       learning_rate=1e-12, **small), root=tmp_path)
    assert card["backbone_init"] == "fine-tuned from resnet50_attention.keras"
    assert "; fine-tuned from resnet50_attention.keras; kept the epoch" in __import__("core.train").train.defence_summary(
        card)
    from core.models.zoo import load_checkpoint

    before, after = load_checkpoint(source["checkpoint"]), load_checkpoint(card["checkpoint"])
    for start, tuned in zip(before.trainable_weights, after.trainable_weights):  # a learning rate of ~0
        np.testing.assert_allclose(tuned.numpy(), start.numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="init_from: .* is the undefended model itself"):
        train(undefended, TrainConfig(init_from="undefended", **small), root=tmp_path)
    other = ModelSpec("cxr", "inception_resnet_v2", True, defence="pgd-at")
    with pytest.raises(ValueError, match="holds another architecture"):
        train(other, TrainConfig(defence="pgd-at", init_from=source["checkpoint"], **small), root=tmp_path)


@pytest.mark.parametrize("settings,named", [
    (dict(defence="fgsm-at"), "defence"), (dict(defence_epsilon=0.0), "defence_epsilon"),
    (dict(defence_epsilon=1.5), "defence_epsilon"), (dict(defence_steps=0), "defence_steps"),
    (dict(trades_beta=0.0), "trades_beta"), (dict(trades_beta=-1.0), "trades_beta"),
])
def test_bad_defence_settings_name_the_setting(settings, named):
    with pytest.raises(ValueError, match=f"^{named} is out of range"):
        TrainConfig(**settings)


def test_a_model_named_for_another_defence_is_refused(tmp_path):
    with pytest.raises(ValueError, match="defence must be one of"):
        ModelSpec("cxr", "resnet50", True, defence="adv")
    with pytest.raises(ValueError, match="^defence: the model demo-cxr-resnet50-attention-pgdat"):
        train(ModelSpec("cxr", "resnet50", True, defence="pgd-at"), TrainConfig(), root=tmp_path)


def test_a_defence_on_the_paper_profile_without_a_gpu_is_refused_with_its_cost(tmp_path, monkeypatch):
    from core.train.training import check_defence_affordable

    spec = ModelSpec("cxr", "resnet50", True, "paper", defence="pgd-at")
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: [])  # this machine: no GPU
    with pytest.raises(ValueError, match=r"^defence: pgd-at on the paper profile costs about 8x"):
        train(spec, TrainConfig(defence="pgd-at"), root=tmp_path)
    assert not any(tmp_path.rglob("*.keras"))  # refused before anything was built or written
    check_defence_affordable(spec, TrainConfig(defence="pgd-at", accept_defence_cost=True))  # said so: goes on
    check_defence_affordable(ModelSpec("cxr", "resnet50", True, "demo", defence="pgd-at"),
                             TrainConfig(defence="pgd-at"))  # the demo profile can afford it
    monkeypatch.setattr(tf.config, "list_logical_devices", lambda kind=None: ["/device:GPU:0"])
    check_defence_affordable(spec, TrainConfig(defence="pgd-at"))  # a GPU can
