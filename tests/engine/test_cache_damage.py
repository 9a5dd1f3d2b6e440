"""A cache on a failing disk (issue 40): damaged entries are found by their digest and computed
again, never shown wrong and never a traceback; a full disk loses no result; stray folders are
passed over."""

import glob
from pathlib import Path

import numpy as np
import pytest

from core.engine.cache import ExplorationCache
from core.engine.codec import DamagedEntry, decode, encode
from core.explore.outcome import ModelOutcome
from core.models.spec import ModelSpec

VIEWS = Path(__file__).resolve().parents[2] / "checkpoints" / "demo" / "views"


def _outcome(seed: int = 0) -> ModelOutcome:
    rng = np.random.default_rng(seed)
    image = rng.random((8, 8, 3), dtype=np.float32)
    return ModelOutcome(ModelSpec("derm", "resnet50", True), rng.random(7, dtype=np.float32),
                        rng.random(7, dtype=np.float32), image, image - 0.5, rng.random((8, 8), dtype=np.float32),
                        rng.random((8, 8), dtype=np.float32), {"pearson": 0.5, "top20_iou": np.float32(0.25)},
                        {"ssim": 0.9, "psnr_db": float("inf")}, ood={"flagged": False, "reasons": ["a", "b"]})


def _same(a: ModelOutcome, b: ModelOutcome) -> bool:
    return (a.spec == b.spec and a.cam_shift == b.cam_shift and a.ood == b.ood
            and all(np.array_equal(getattr(a, f), getattr(b, f)) for f in
                    ("clean_probabilities", "adversarial", "perturbation", "clean_cam", "adversarial_cam")))


def test_an_outcome_round_trips_exactly():
    assert _same(decode(encode(_outcome())), _outcome())


def test_no_altered_entry_is_shown_wrong_or_raises(tmp_path):
    """Every single-byte change of an entry: either refused (and removed), or read back equal."""
    cache = ExplorationCache(tmp_path)
    cache.put("explore:k", _outcome())
    path = cache._path("explore:k")
    original = path.read_bytes()
    positions = np.random.default_rng(1).choice(len(original), 300, replace=False)
    refused = 0
    for position in positions:
        altered = bytearray(original)
        altered[position] ^= 0x5A
        path.write_bytes(bytes(altered))
        reply = cache.get("explore:k")
        if reply is None:
            refused += 1
            assert not path.exists()
        else:
            assert _same(reply, _outcome())
    assert refused > 150  # most bytes matter; those that do not (zip timestamps) change nothing shown


@pytest.mark.parametrize("content", [b"\xff\xfe" * 50, b"", b"PK\x03\x04" + bytes(40)])
def test_a_garbage_entry_is_dropped_and_missed(tmp_path, content):
    cache = ExplorationCache(tmp_path)
    cache._path("explore:k").write_bytes(content)
    assert cache.get("explore:k") is None and not cache._path("explore:k").exists()


def test_a_damaged_bundled_view_is_skipped(tmp_path):
    cache = ExplorationCache(tmp_path / "cache", bundled=tmp_path / "bundled")
    path = cache.bundle("explore:k", _outcome())
    path.write_bytes(path.read_bytes()[:-40])
    assert cache.get("explore:k") is None and path.exists()


def test_a_pickle_is_never_loaded(tmp_path):
    import pickle

    class Boom:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "ran",))

    with pytest.raises(DamagedEntry):
        decode(pickle.dumps(Boom()))
    assert not (tmp_path / "ran").exists()


def test_a_cache_that_cannot_be_written_keeps_the_result_and_says_so(tmp_path):
    (tmp_path / "file").write_text("a file where the cache folder should be")
    cache = ExplorationCache(tmp_path / "file" / "cache")
    assert cache.put("explore:k", _outcome()) is False
    assert "cannot be written" in cache.problem and "not kept" in cache.problem
    assert cache.get("explore:k") is None  # and nothing raised


def test_a_folder_named_like_an_entry_is_passed_over(tmp_path):
    cache = ExplorationCache(tmp_path, max_bytes=1)
    cache._path("explore:folder").mkdir()
    cache.put("explore:k", _outcome())  # evicts: the folder is no entry
    cache.evict()
    assert cache.get("explore:folder") is None and cache._path("explore:folder").is_dir()
    assert cache.clear() == 0


def test_the_bundled_views_are_checked_archives():
    files = glob.glob(str(VIEWS / "*.npz"))
    assert files and not glob.glob(str(VIEWS / "*.pkl*"))
    for file in files:
        assert isinstance(decode(Path(file).read_bytes()), ModelOutcome)
