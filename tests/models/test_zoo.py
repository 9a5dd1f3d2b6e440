"""Checkpoints: atomic save, safe load, typed errors, discovery."""

import json

import keras
import numpy as np
import pytest

from core.models.zoo import (CheckpointError, ModelSpec, available, build_model, card_path,
                             checkpoint_path, load_checkpoint, load_model, read_card,
                             save_checkpoint)

SPEC = ModelSpec("derm", "resnet50", True)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("zoo")
    model = build_model(SPEC)
    path = save_checkpoint(model, SPEC, root=root, card={"metrics": {"clean_accuracy": 0.5}})
    return root, model, path


def test_save_then_load_gives_identical_outputs(saved, rng):
    root, model, path = saved
    images = rng.random((3, 96, 96, 3), dtype=np.float32)
    loaded = load_model(SPEC, root=root)
    np.testing.assert_array_equal(loaded.predict(images, verbose=0), model.predict(images, verbose=0))
    assert path == checkpoint_path(SPEC, root=root)
    assert not [p for p in path.parent.iterdir() if ".tmp" in p.name], "temporary files left"


def test_card_records_spec_metrics_versions(saved):
    _, model, path = saved
    card = read_card(path)
    assert ModelSpec.from_dict(card["spec"]) == SPEC
    assert card["metrics"] == {"clean_accuracy": 0.5}
    assert card["parameters"] == model.count_params()
    assert card["feature_layer"] == "stage3_block1_out"
    assert {"tensorflow", "keras", "numpy"} <= set(card["versions"]) and card["created_at"]


def test_available_lists_only_complete_checkpoints(saved, tmp_path):
    root, _, _ = saved
    assert available("demo", root=root) == [SPEC]
    assert available("paper", root=root) == []
    assert available("demo", root=tmp_path) == []


def test_missing_checkpoint_says_to_train(tmp_path):
    with pytest.raises(CheckpointError, match="train the model first"):
        load_model(SPEC, root=tmp_path)


def test_truncated_checkpoint_is_a_typed_error(saved, tmp_path):
    _, _, path = saved
    broken = tmp_path / "broken.keras"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load_checkpoint(broken)


def test_garbage_inside_a_valid_zip_is_a_typed_error(tmp_path):
    import zipfile

    bad = tmp_path / "bad.keras"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("config.json", "{not json")
    with pytest.raises(CheckpointError, match="could not be loaded"):
        load_checkpoint(bad)


def test_foreign_keras_model_is_refused(tmp_path):
    inputs = keras.Input((4,))
    foreign = keras.Model(inputs, keras.layers.Dense(2, name="out")(inputs))
    path = tmp_path / "foreign.keras"
    foreign.save(path)
    with pytest.raises(CheckpointError, match="not one of this tool's"):
        load_checkpoint(path)


def test_unreadable_card_is_a_typed_error(saved, tmp_path):
    _, _, path = saved
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    with pytest.raises(CheckpointError, match="no card"):
        read_card(copy)
    card_path(copy).write_text("{")
    with pytest.raises(CheckpointError, match="unreadable"):
        read_card(copy)
    card_path(copy).write_text(json.dumps({"format": "other"}))
    with pytest.raises(CheckpointError, match="not a card of this tool"):
        read_card(copy)
