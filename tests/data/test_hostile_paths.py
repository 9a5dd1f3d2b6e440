"""What a hostile tester typed into the app's path boxes, or left in its data folder (issue 40):
each is a named error in words, never a traceback, a hang or a file shown from outside."""

import os
import threading

import numpy as np
import pytest
from PIL import Image

from core.data.datasets import DatasetError, open_dataset
from core.data.paths import DataRootError, confined


def _medmnist(path, n=4):
    arrays = {}
    for split in ("train", "val", "test"):
        arrays[f"{split}_images"] = np.zeros((n, 28, 28), np.uint8)
        arrays[f"{split}_labels"] = np.zeros((n, 1), np.uint8)
    np.savez(path, **arrays)
    return path


def _within(seconds, call):
    """Run `call` in a thread; fail (instead of hanging the suite) if it does not return in time."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_a_npy_named_npz_is_named(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 28, 28), np.uint8))
    os.rename(tmp_path / "x.npy", tmp_path / "dermamnist.npz")
    with pytest.raises(DatasetError, match="holds one NumPy array"):
        open_dataset(str(tmp_path / "dermamnist.npz"), "medmnist", "derm", root=tmp_path)


def test_a_truncated_npz_is_named(tmp_path):
    path = _medmnist(tmp_path / "dermamnist.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DatasetError, match="not a readable .npz file"):
        open_dataset(str(path), "medmnist", "derm", root=tmp_path)


@pytest.mark.parametrize("images", [np.array(3, np.uint8), np.zeros((4, 2, 2, 2, 2), np.uint8)], ids=["0-d", "5-d"])
def test_an_images_array_of_the_wrong_shape_is_named(tmp_path, images):
    arrays = {f"{s}_images": images for s in ("train", "val", "test")}
    arrays.update({f"{s}_labels": np.zeros((4, 1), np.uint8) for s in ("train", "val", "test")})
    np.savez(tmp_path / "dermamnist.npz", **arrays)
    with pytest.raises(DatasetError, match="not N grey or RGB images"):
        open_dataset(str(tmp_path / "dermamnist.npz"), "medmnist", "derm", root=tmp_path)


def test_a_nul_byte_in_a_path_is_a_data_root_error(tmp_path):
    with pytest.raises(DataRootError, match="NUL character"):
        confined("data\x00set", root=tmp_path)


@pytest.mark.parametrize("name, data_format", [("fifo.npz", "medmnist"), ("HAM10000_metadata.csv", "ham10000")])
def test_a_fifo_in_the_data_folder_is_refused_without_hanging(tmp_path, name, data_format):
    os.mkfifo(tmp_path / name)
    target = tmp_path / name if data_format == "medmnist" else tmp_path
    with pytest.raises(DatasetError, match=r"named pipe \(FIFO\)"):
        _within(5, lambda: open_dataset(str(target), data_format, "derm", root=tmp_path))


def test_an_image_that_links_outside_the_data_folder_is_left_out(tmp_path):
    root, outside = tmp_path / "data", tmp_path / "secret"
    (root / "set" / "mel").mkdir(parents=True)
    outside.mkdir()
    for name in ("a.png", "b.png"):
        Image.new("RGB", (16, 16), 9).save(outside / name if name == "a.png" else root / "set" / "mel" / name)
    (root / "set" / "mel" / "a.png").symlink_to(outside / "a.png")
    dataset = open_dataset(str(root / "set"), "folder", "derm", root=root)
    assert [os.path.basename(item) for item in dataset.items] == ["b.png"]
    assert dataset.skipped == {"outside the data folder": 1}


def test_a_metadata_file_that_links_outside_is_refused(tmp_path):
    root, outside = tmp_path / "data", tmp_path / "secret"
    (root / "ham").mkdir(parents=True)
    outside.mkdir()
    (outside / "HAM10000_metadata.csv").write_text("lesion_id,image_id,dx\n")
    (root / "ham" / "HAM10000_metadata.csv").symlink_to(outside / "HAM10000_metadata.csv")
    with pytest.raises(DataRootError, match="outside the data folder"):
        open_dataset(str(root / "ham"), "ham10000", "derm", root=root)
