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
    assert written.parent == bundled and written.name.endswith("-v2.npz")
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


def test_puts_list_the_folder_only_when_the_bound_may_be_passed(tmp_path, monkeypatch):
    """A put adds its size to a running total: the folder (1,700 entries near the bound) is
    listed on the first put, when the total passes the bound, and every RESCAN_EVERY puts."""
    from core.engine import cache as caching

    cache = ExplorationCache(tmp_path / "cache")
    listings = []
    original = cache.entries
    monkeypatch.setattr(cache, "entries", lambda: listings.append(1) or original())
    for index in range(2 * caching.RESCAN_EVERY + 10):
        cache.put(f"explore:{index}", np.zeros(100, np.uint8))
    assert len(listings) == 3  # the first put, then after 64 and 128 more
    cache.max_bytes = 1  # smaller than any entry: the next put passes the bound and lists
    cache.put("explore:last", np.zeros(100, np.uint8))
    assert len(listings) == 4 and len(original()) == 0


def test_what_another_process_wrote_is_counted_at_the_next_listing(tmp_path, monkeypatch):
    from core.engine import cache as caching

    monkeypatch.setattr(caching, "RESCAN_EVERY", 4)
    ours, theirs = ExplorationCache(tmp_path / "cache"), ExplorationCache(tmp_path / "cache")
    ours.put("explore:0", np.zeros(1000, np.uint8))  # the first put lists the folder
    ours.max_bytes = int(6.5 * ours._path("explore:0").stat().st_size)  # room for six entries
    for name in "abcdef":  # another server on the same folder: our running total does not see them
        theirs.put(f"explore:{name}", np.zeros(1000, np.uint8))
    for index in range(1, 4):  # our own total, four entries, stays under the bound: no listing
        ours.put(f"explore:{index}", np.zeros(1000, np.uint8))
    assert len(ours.entries()) == 10
    ours.put("explore:4", np.zeros(1000, np.uint8))  # the fourth put since the listing lists again
    kept = ours.entries()  # past the bound: cut to LOW_WATER of it, room for 5.85 entries
    assert len(kept) == 5 and sum(path.stat().st_size for path in kept) <= caching.LOW_WATER * ours.max_bytes
    assert kept[-1] == ours._path("explore:4")  # the least recently used went, the newest stayed


def test_the_server_shares_one_cache_object_per_folder(tmp_path, monkeypatch):
    from core.engine import default_cache

    monkeypatch.setenv("ADVATTN_CACHE", str(tmp_path / "one"))
    first = default_cache()
    assert default_cache() is first  # one running size total for every request
    monkeypatch.setenv("ADVATTN_CACHE", str(tmp_path / "two"))
    assert default_cache() is not first and default_cache().root == tmp_path / "two"


def test_a_write_left_to_the_background_is_served_from_memory_until_it_is_on_disk(tmp_path, monkeypatch):
    import threading

    cache, written = ExplorationCache(tmp_path / "cache"), threading.Event()
    put = cache.put
    monkeypatch.setattr(cache, "put", lambda key, reply: written.wait(30) and put(key, reply))  # a slow disk
    done = cache.put_later("explore:k", {"outcome": 1})
    assert "explore:k" in cache and cache.get("explore:k") == {"outcome": 1}  # the write has not happened
    assert not cache._path("explore:k").exists()
    written.set()
    assert done.result(30) is True
    cache.flush()
    assert ExplorationCache(tmp_path / "cache").get("explore:k") == {"outcome": 1}  # on disk, for another server


def test_a_background_write_that_fails_says_why_and_forgets_the_reply(tmp_path):
    (tmp_path / "file").write_text("a file where the cache folder should be")
    cache = ExplorationCache(tmp_path / "file" / "cache")
    assert cache.put_later("explore:k", {"outcome": 1}).result(30) is False
    cache.flush()
    assert "cannot be written" in cache.problem
    assert "explore:k" not in cache and cache.get("explore:k") is None
