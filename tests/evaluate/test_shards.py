"""A saved shard that cannot be read is run again, whatever is wrong with it (issue 40)."""

import numpy as np
import pytest

from core.evaluate.shards import load_shard, save_shard


def _outcomes():
    return [{"epsilon": e, "robust": np.array([True, False]), "scores": np.zeros((2, 3)), "fooled_by": {"PGD": 1},
             "robust_this_epsilon": None} for e in (0.0, 0.01)]


def test_a_shard_round_trips(tmp_path):
    loaded = load_shard(save_shard(tmp_path / "shard-00000.npz", _outcomes()))
    assert [o["epsilon"] for o in loaded] == [0.0, 0.01] and loaded[1]["fooled_by"] == {"PGD": 1}


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.1])
def test_a_truncated_shard_is_run_again(tmp_path, cut):
    path = save_shard(tmp_path / "shard-00000.npz", _outcomes())
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * cut)])
    assert load_shard(path) is None
