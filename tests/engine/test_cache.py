"""The explorations' disk cache: keyed by content, bounded, oldest evicted."""

import os

import numpy as np
import pytest

from core.attack_settings import PGD
from core.engine import ExplorationCache, Explore, ModelRef, Warm
from core.models.spec import ModelSpec

SPEC = ModelSpec("cxr", "resnet50", True)
IMAGE = np.random.default_rng(0).random((8, 8, 3), dtype=np.float32)


def _ref(tmp_path, content: bytes = b"weights") -> ModelRef:
    path = tmp_path / "model.keras"
    path.write_bytes(content)
    from core.engine.requests import file_digest

    return ModelRef(SPEC, str(path), file_digest(path))


def _request(ref, image=IMAGE, **changes) -> Explore:
    settings = dict(epsilon=0.01, attack=PGD(steps=2), label=None, seed=0, method="grad_cam")
    settings.update(changes)
    return Explore(ref, image, **settings)


def test_the_key_names_everything_the_reply_depends_on(tmp_path):
    ref = _ref(tmp_path)
    same = _request(ref).key()
    assert _request(ref, IMAGE.copy()).key() == same  # equal content, another array
    changed = [_request(ref, IMAGE + 0.001), _request(ref, epsilon=0.02), _request(ref, attack=PGD(steps=3)),
               _request(ref, seed=1), _request(ref, label=1), _request(ref, method="grad_cam_pp"),
               _request(ref, truth={"lesion": np.ones((8, 8))}), _request(ref, source=_request(ref))]
    assert len({r.key() for r in changed} | {same}) == len(changed) + 1


def test_a_retrained_checkpoint_misses_and_the_same_one_hits(tmp_path):
    cache = ExplorationCache(tmp_path / "cache")
    ref = _ref(tmp_path, b"epoch 3")
    cache.put(_request(ref).key(), {"outcome": 1})
    assert cache.get(_request(ref).key()) == {"outcome": 1}
    os.utime(ref.path, ns=(1, 1))  # touched, same bytes: the same model
    assert cache.get(_request(_ref(tmp_path, b"epoch 3")).key()) == {"outcome": 1}
    retrained = _ref(tmp_path, b"epoch 4")  # same file, new weights
    assert retrained.path == ref.path and cache.get(_request(retrained).key()) is None


def test_the_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path):
    cache = ExplorationCache(tmp_path / "cache")
    blob = np.zeros(1000, np.uint8)
    for name in "abc":
        cache.put(f"explore:{name}", blob)
    cache.max_bytes = int(3.5 * cache._path("explore:a").stat().st_size)  # room for three entries
    for age, name in enumerate("abc"):  # a, then b, then c, a second apart
        os.utime(cache._path(f"explore:{name}"), ns=(10**9 * (age + 1),) * 2)
    assert cache.get("explore:a") is not None  # used again: now the most recent
    cache.put("explore:d", blob)
    assert cache.get("explore:b") is None  # the least recently used went
    assert all(cache.get(f"explore:{k}") is not None for k in "acd")
    assert sum(p.stat().st_size for p in cache.entries()) <= cache.max_bytes


def test_a_damaged_entry_is_a_miss_and_is_removed(tmp_path):
    cache = ExplorationCache(tmp_path / "cache")
    cache.put("explore:x", [1, 2])
    cache._path("explore:x").write_bytes(b"not a pickle")
    assert cache.get("explore:x") is None and not cache._path("explore:x").exists()
    with pytest.raises(ValueError, match="max_bytes must be positive"):
        ExplorationCache(tmp_path, max_bytes=0)


def test_warm_requests_are_keyed_by_content(tmp_path):
    assert Warm(_ref(tmp_path, b"a")).key() != Warm(_ref(tmp_path, b"b")).key()


def test_bundled_views_are_read_after_the_saved_ones_and_never_changed(tmp_path):
    bundled = tmp_path / "bundled"
    cache = ExplorationCache(tmp_path / "cache", bundled=bundled)
    ref = _ref(tmp_path)
    key = _request(ref).key()
    assert key not in cache and cache.get(key) is None
    written = cache.bundle(key, {"outcome": "bundled"})
    assert written.parent == bundled and written.name.endswith(".pkl.gz")
    assert key in cache and cache.get(key) == {"outcome": "bundled"}
    assert cache.entries() == []  # bundled views are not the user's entries: never evicted, never cleared
    cache.put(key, {"outcome": "saved"})
    assert cache.get(key) == {"outcome": "saved"}  # the user's own entry first
    assert cache.clear() == 1 and cache.get(key) == {"outcome": "bundled"} and written.exists()
    assert cache.get(_request(_ref(tmp_path, b"retrained")).key()) is None  # a changed checkpoint: not found


def test_an_unreadable_bundled_view_is_skipped_and_kept(tmp_path):
    cache = ExplorationCache(tmp_path / "cache", bundled=tmp_path / "bundled")
    key = _request(_ref(tmp_path)).key()
    path = cache.bundle(key, {"outcome": 1})
    path.write_bytes(b"not gzip")
    assert cache.get(key) is None and path.exists()
    with pytest.raises(ValueError, match="no bundled folder"):
        ExplorationCache(tmp_path / "other").bundle(key, {})
