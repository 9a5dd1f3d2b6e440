"""Checkpoints: atomic save, safe load, typed errors, discovery."""

import json

import keras
import numpy as np
import pytest

from core.models.zoo import (CheckpointError, ModelSpec, available, build_model, card_path,
                             checkpoint_path, defence_epsilon, delete_checkpoint, load_checkpoint, load_model, read_card,
                             save_checkpoint, scan, stale_temporaries, sweep_temporaries)

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


def test_a_checkpoint_is_saved_deflated(saved):
    import zipfile

    root, model, path = saved
    with zipfile.ZipFile(path) as archive:
        assert {e.compress_type for e in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        weights = next(e for e in archive.infolist() if e.filename.endswith(".h5"))
        assert weights.compress_size < 0.95 * weights.file_size  # float32 weights still deflate


def test_card_records_spec_metrics_versions(saved):
    _, model, path = saved
    card = read_card(path)
    assert ModelSpec.from_dict(card["spec"]) == SPEC
    assert card["metrics"] == {"clean_accuracy": 0.5}
    assert card["parameters"] == model.count_params()
    assert card["feature_layer"] == "stage3_block1_out"
    assert {"tensorflow", "keras", "numpy"} <= set(card["versions"]) and card["created_at"]


def test_the_training_epsilon_of_a_defended_model_is_read_from_its_card(tmp_path):
    defended = ModelSpec("derm", "resnet50", True, defence="pgd-at")
    save_checkpoint(build_model(defended), defended, root=tmp_path, card={"config": {"defence_epsilon": 0.005}})
    assert defence_epsilon(defended, root=tmp_path) == 0.005
    assert defence_epsilon(SPEC, root=tmp_path) is None  # undefended
    assert defence_epsilon(ModelSpec("cxr", "resnet50", True, defence="pgd-at"), root=tmp_path) is None  # absent


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
    _, model, path = saved
    copy = tmp_path / path.name
    model.save(copy)  # a plain Keras file: no card inside, so the card beside it is read
    with pytest.raises(CheckpointError, match="no card"):
        read_card(copy)
    card_path(copy).write_text("{")
    with pytest.raises(CheckpointError, match="unreadable"):
        read_card(copy)
    card_path(copy).write_text(json.dumps({"format": "other"}))
    with pytest.raises(CheckpointError, match="not a card of this tool"):
        read_card(copy)


def test_the_model_and_its_card_are_replaced_as_one_unit(tmp_path, monkeypatch, rng):
    """A kill after the model file was replaced but before the card beside it was rewritten
    (simulated by a failing write) still leaves the model with its own card."""
    from core.models import zoo

    first, second = build_model(SPEC), build_model(SPEC)
    path = save_checkpoint(first, SPEC, root=tmp_path, card={"metrics": {"clean_accuracy": 0.1}})

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(zoo.saving, "write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(second, SPEC, root=tmp_path, card={"metrics": {"clean_accuracy": 0.9}})
    assert json.loads(card_path(path).read_text())["metrics"]["clean_accuracy"] == 0.1  # the copy is stale
    assert read_card(path)["metrics"]["clean_accuracy"] == 0.9  # the card inside the model wins
    images = rng.random((2, 96, 96, 3), dtype=np.float32)
    np.testing.assert_array_equal(load_checkpoint(path).predict(images, verbose=0), second.predict(images, verbose=0))


def test_stale_temporaries_are_found_and_swept(saved, tmp_path):
    _, model, _ = saved
    path = save_checkpoint(model, SPEC, root=tmp_path)
    stale = [path.parent / f".{path.stem}.abc123.tmp.keras", path.parent / f".{path.stem}.resume.x1.tmp.keras"]
    for file in stale:
        file.write_bytes(b"half a model")
    other = path.parent / ".inception_resnet_v2_attention.zz.tmp.keras"
    other.write_bytes(b"another model's")
    assert stale_temporaries(SPEC, root=tmp_path) == sorted(stale)
    assert sweep_temporaries(SPEC, root=tmp_path) == sorted(stale) and other.exists()
    stale[0].write_bytes(b"again")
    assert stale[0] in delete_checkpoint(SPEC, root=tmp_path) and not path.exists()


def test_delete_stays_inside_the_checkpoint_folder(saved, tmp_path):
    _, model, _ = saved
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    precious = outside / f"{checkpoint_path(SPEC, root=tmp_path / 'zoo').stem}-abc.json"
    precious.write_text("{}")
    path = save_checkpoint(model, SPEC, root=tmp_path / "zoo")
    (path.parent / "results").symlink_to(outside)
    deleted = delete_checkpoint(SPEC, root=tmp_path / "zoo")
    assert path in deleted and precious.exists()


def test_scan_lists_broken_checkpoints_with_the_reason(saved, tmp_path):
    _, model, _ = saved
    path = save_checkpoint(model, SPEC, root=tmp_path)
    path.write_bytes(path.read_bytes()[:3000])
    [(spec, found, problem)] = scan("demo", root=tmp_path)
    assert spec == SPEC and found == path and "truncated or corrupt" in problem
    assert available("demo", root=tmp_path) == []


def test_load_errors_never_advise_unsafe_loading(tmp_path):
    inputs = keras.Input((4,))
    logits = keras.layers.Dense(2, name="logits")(inputs)
    outputs = keras.layers.Lambda(lambda x: x * 2, name="probabilities")(logits)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert "safe_mode" not in str(error.value) and "unsafe" not in str(error.value)


def test_a_rewritten_checkpoint_is_read_again_and_a_card_is_never_shared(tmp_path):
    """Every page rerun scans the zoo, so each archive is read once per version of the file:
    a checkpoint rewritten in place (a training epoch) must show its new card."""
    import os
    import zipfile

    from core.models.zoo import CARD_FORMAT, EMBEDDED_CARD, read_card

    path = tmp_path / "model.keras"

    def write(epoch: int) -> None:
        temporary = tmp_path / f".model.{epoch}.keras"
        with zipfile.ZipFile(temporary, "w") as archive:
            archive.writestr("config.json", "{}")
            archive.writestr("model.weights.h5", b"")
            archive.writestr(EMBEDDED_CARD, json.dumps({"format": CARD_FORMAT, "epochs_trained": epoch}))
        os.replace(temporary, path)  # as save_checkpoint does: a new file over the old

    write(1)
    first = read_card(path)
    assert first["epochs_trained"] == 1
    first["epochs_trained"] = 99  # a caller changing its copy changes nothing for the next
    assert read_card(path)["epochs_trained"] == 1
    write(2)
    assert read_card(path)["epochs_trained"] == 2
