"""One store for every kind of run (issue 41): one key function that names every saved file as
before, atomic saves, the twin test attached the same way whichever twin is saved second, and an
index of what is saved that needs no TensorFlow."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.models.spec import ModelSpec
from core.store import index, latest, load, results_path, run_key, save

ROOT = Path(__file__).resolve().parents[2]
ATTENTIVE, VANILLA = ModelSpec("cxr", "resnet50", True), ModelSpec("cxr", "resnet50", False)


def _compare(attentive, vanilla):
    return {"difference": attentive["score"] - vanilla["score"]}


def test_every_kind_keeps_the_name_its_files_were_saved_under():
    """The five helpers now call run_key: the bundled zoo's files are found under the same names."""
    from core.data.synthetic import split_description
    from core.evaluate import PRESETS, minimum_norm_key, results_key
    from core.evaluate.minimum_norm import FMN_STEPS
    from core.models.zoo import CHECKPOINT_ROOT

    data = split_description("cxr")
    for key in (results_key(data, 200, ATTENTIVE.task_info.epsilons, PRESETS["strong"]),
                minimum_norm_key(data, 200, FMN_STEPS)):
        assert results_path(ATTENTIVE, key, root=CHECKPOINT_ROOT).is_file(), key
    assert run_key("fmn", {"a": 1}).startswith("fmn-") and len(run_key("", {"a": 1})) == 12
    assert run_key("x", {"a": 1, "b": 2}) == run_key("x", {"b": 2, "a": 1}) != run_key("x", {"a": 2, "b": 2})


@pytest.mark.parametrize("order", [(ATTENTIVE, VANILLA), (VANILLA, ATTENTIVE)], ids=["attentive first", "vanilla first"])
def test_the_twin_test_lands_in_the_attentive_result_whichever_twin_is_saved_second(tmp_path, order):
    scores = {ATTENTIVE: 5, VANILLA: 3}
    for spec in order:
        save(spec, "kind-abc", {"score": scores[spec], "created_at": "2026-12-06"}, compare=_compare, root=tmp_path)
    assert load(ATTENTIVE, "kind-abc", root=tmp_path)["twin_test"] == {"difference": 2}
    assert "twin_test" not in load(VANILLA, "kind-abc", root=tmp_path)
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]  # atomic: no temporary left behind


def test_results_for_the_bundled_zoo_go_to_the_users_folder_and_are_found_there_first(tmp_path):
    bundled, mine = tmp_path / "bundled", tmp_path / "mine"
    save(VANILLA, "kind-k", {"score": 1}, root=bundled)
    save(ATTENTIVE, "kind-k", {"score": 4}, compare=_compare, root=bundled, results_root=mine)
    assert not results_path(ATTENTIVE, "kind-k", root=bundled).exists()
    assert load(ATTENTIVE, "kind-k", root=bundled, results_root=mine)["twin_test"] == {"difference": 3}


def test_latest_finds_the_newest_run_of_a_kind_on_these_images(tmp_path):
    for key, created, n in (("fmn-1", "2026-12-01", 200), ("fmn-2", "2026-12-05", 200), ("fmn-3", "2026-12-06", 50)):
        save(VANILLA, key, {"n": n, "created_at": created}, root=tmp_path)
    save(VANILLA, "abcdef123456", {"n": 200, "created_at": "2026-12-07"}, root=tmp_path)  # a grid curve
    assert latest(VANILLA, "fmn", root=tmp_path, n=200)["created_at"] == "2026-12-05"
    assert latest(VANILLA, "", root=tmp_path)["created_at"] == "2026-12-07"
    assert latest(VANILLA, "mechanism", root=tmp_path) is None


def test_the_index_lists_the_bundled_runs_without_tensorflow():
    script = ("import json, sys\nfrom core.store import index\nrows = index('cxr')\n"
              "print(json.dumps({'kinds': sorted({r['kind'] for r in rows}), 'models': len({r['model'] for r in rows}),"
              " 'tensorflow': 'tensorflow' in sys.modules}))")
    out = json.loads(subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                                    check=True).stdout)
    assert {"grid", "fmn"} <= set(out["kinds"]) and out["models"] >= 4 and not out["tensorflow"]
    assert index("cxr", root=ROOT / "no-such-folder") == []
