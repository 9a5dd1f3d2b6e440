"""The registry of run kinds (issue 41): every kind with its settings type, key, run, twin
comparison and summary; keys the same as the files already saved; each kind run on a bundled
model through the store, the twin test landing in the attentive result whichever twin runs
second."""

import pytest

from core.data.synthetic import split_description
from core.models.spec import ModelSpec
from core.runs import RUN_KINDS
from core.store import load

ATTENTIVE, VANILLA = ModelSpec("cxr", "resnet50", True), ModelSpec("cxr", "resnet50", False)
DATA = split_description("cxr")


def _settings():
    from core.runs.corruptions import CorruptionSettings
    from core.runs.fmn import FmnSettings
    from core.runs.grid import GridSettings
    from core.runs.mechanism import MechanismSettings
    from core.runs.patches import PatchSettings
    from core.runs.universal import UniversalSettings

    return {"patches": PatchSettings(DATA, 6, (0.02, 0.08), steps=10),
            "universal": UniversalSettings(DATA, 6, n_learn=16, areas=(0.02,), steps=3),  # learnt on the val split
            "grid": GridSettings(DATA, 8, (0.0, 0.02), preset="paper", checks=False),
            "fmn": FmnSettings(DATA, 8, steps=10),
            "corruptions": CorruptionSettings(DATA, 8, ("gaussian_noise",)),
            "mechanism": MechanismSettings(DATA, 4, 0.02)}  # CLEVER and the surfaces cost most: four images


def test_the_registry_holds_every_kind_and_each_keys_as_before():
    from core.evaluate import PRESETS, corruptions_key, minimum_norm_key, results_key
    from core.evaluate.seeds.evaluation import study_key
    from core.mechanism import mechanism_key
    from core.runs.seeds import SeedSettings

    assert list(RUN_KINDS) == ["grid", "fmn", "corruptions", "mechanism", "seeds", "patches", "universal"]
    settings = _settings()
    assert RUN_KINDS["grid"].key(settings["grid"]) == results_key(DATA, 8, [0.0, 0.02], PRESETS["paper"])
    assert RUN_KINDS["fmn"].key(settings["fmn"]) == minimum_norm_key(DATA, 8, 10)
    assert RUN_KINDS["corruptions"].key(settings["corruptions"]) == corruptions_key(DATA, 8, ["gaussian_noise"], 0)
    assert RUN_KINDS["mechanism"].key(settings["mechanism"]) == mechanism_key(DATA, 4, 0.02, 0)
    from core.evaluate.patches import patches_key

    assert RUN_KINDS["patches"].key(settings["patches"]) == patches_key(DATA, 6, [0.08, 0.02], "task", 10, 0)
    from core.evaluate.universal import universal_key
    from core.runs.universal import UniversalSettings

    universal = UniversalSettings("synthetic v1 cxr test split", 6, n_learn=16, areas=(0.08, 0.02), steps=10)
    assert RUN_KINDS["universal"].key(universal) == universal_key(  # learnt on the same data's validation split
        "synthetic v1 cxr test split", 6, "synthetic v1 cxr val split", 16, [0.02, 0.08], "task", 10, 0)
    seeds = SeedSettings(DATA, 200, "strong", "fmn-x", (2, 0, 1))
    assert RUN_KINDS["seeds"].key(seeds) == study_key(DATA, 200, "strong", "fmn-x", [0, 1, 2])
    with pytest.raises(TypeError, match="the fmn run takes FmnSettings, got GridSettings"):
        RUN_KINDS["fmn"].key(settings["grid"])
    with pytest.raises(ValueError, match="the fmn run has no setting 'stepz'"):
        RUN_KINDS["fmn"].settings_from({"data": DATA, "n": 8, "stepz": 3})


@pytest.mark.parametrize("name", ["grid", "fmn", "corruptions", "mechanism", "patches", "universal"])
def test_each_kind_runs_a_model_through_the_store_and_compares_the_twins(tmp_path, name):
    from core.data import synthetic

    kind, settings = RUN_KINDS[name], _settings()[name]
    images, labels = synthetic.split("cxr", "test", settings.n, size=96)
    for spec in (ATTENTIVE, VANILLA):  # the attentive twin first: its test is written when the vanilla one lands
        kind.run(spec, settings, images=images, labels=labels, results_root=tmp_path)
    attentive = kind.load(ATTENTIVE, settings, results_root=tmp_path)
    assert attentive is not None and "twin_test" in attentive
    assert "twin_test" not in kind.load(VANILLA, settings, results_root=tmp_path)
    assert kind.summarise(attentive) and load(ATTENTIVE, kind.key(settings), results_root=tmp_path) == attentive


@pytest.mark.parametrize("argv, flags", [
    (["grid", "--task", "derm", "--n", "200"], ["--task", "derm", "--n", "200"]),
    (["fmn", "--task", "derm", "--steps", "50"], ["--task", "derm", "--fmn-steps", "50", "--fmn"]),
    (["corruptions", "--task", "cxr"], ["--task", "cxr", "--corruptions"]),
    (["mechanism", "--task", "cxr", "--epsilon", "0.04", "--seed", "1"],
     ["--task", "cxr", "--mechanism-epsilon", "0.04", "--seed", "1", "--mechanism"]),
    (["seeds", "0", "1", "2", "--task", "derm"], ["--task", "derm", "--seed-study", "0", "1", "2"]),
    (["patches", "--task", "derm", "--steps", "50"], ["--task", "derm", "--patch-steps", "50", "--patches"]),
])
def test_a_subcommand_is_its_kinds_flags(argv, flags):
    from core.cli.subcommands import to_flags

    assert to_flags(argv) == flags


def test_a_settings_file_gives_the_kinds_settings_and_a_wrong_one_is_named(tmp_path):
    from core.cli.subcommands import to_flags

    good, bad = tmp_path / "fmn.json", tmp_path / "bad.json"
    good.write_text('{"n": 64, "steps": 20}')
    bad.write_text('{"n": 64, "stepz": 20}')
    assert to_flags(["fmn", "--task", "cxr", "--settings", str(good)]) == [
        "--task", "cxr", "--n", "64", "--fmn-steps", "20", "--fmn"]
    with pytest.raises(ValueError, match="the fmn run has no setting 'stepz'"):
        to_flags(["fmn", "--task", "cxr", "--settings", str(bad)])


def test_the_fmn_subcommand_runs_and_saves_through_the_store(tmp_path, capsys):
    from core.cli.evaluate import main
    from core.runs.fmn import FmnSettings

    assert main(["fmn", "--task", "cxr", "--n", "8", "--steps", "5", "--results-root", str(tmp_path),
                 "--model", "demo-cxr-resnet50-vanilla", "--model", "demo-cxr-resnet50-attention"]) == 0
    saved = RUN_KINDS["fmn"].load(ATTENTIVE, FmnSettings(DATA, 8, steps=5), results_root=tmp_path)
    assert saved is not None and "twin_test" in saved


def _parsed(flags):
    from core.cli.evaluate import _parser

    return _parser().parse_args(["--task", "derm", *flags])


@pytest.mark.parametrize("kind, values, expected", [
    ("grid", dict(n=64, epsilons=(0.0, 0.005), preset="paper"),
     {"n": 64, "epsilons": [0.0, 0.005], "preset": "paper", "fmn": False, "corruptions": None}),
    ("fmn", dict(n=64, steps=20), {"n": 64, "fmn": True, "fmn_steps": 20}),
    ("corruptions", dict(n=64, corruptions=("jpeg", "gamma"), seed=2), {"n": 64, "corruptions": ["jpeg", "gamma"],
                                                                        "seed": 2}),
    ("mechanism", dict(n=64, epsilon=0.0025), {"n": 64, "mechanism": True, "mechanism_epsilon": 0.0025}),
    ("seeds", dict(n=64, protocol="strong", fmn_key="k", seeds=(0, 1, 2)), {"n": 64, "seed_study": [0, 1, 2]}),
    ("patches", dict(n=64, steps=30), {"n": 64, "patches": True, "patch_steps": 30}),
    ("universal", dict(n=64, steps=30), {"n": 64, "universal_patch": True, "patch_steps": 30}),
])
def test_a_jobs_flags_come_from_its_settings_and_the_command_line_reads_them_back(kind, values, expected):
    """What the app's buttons start: the settings type's flags, which the evaluation's parser
    turns back into the same values."""
    from core.runs import RUN_KINDS
    from core.runs.kind import kind_of

    settings = RUN_KINDS[kind].settings(data="synthetic derm test", **values)
    assert kind_of(settings) is RUN_KINDS[kind]
    args = _parsed(RUN_KINDS[kind].arguments(settings))
    assert {name: getattr(args, name) for name in expected} == expected


def test_a_setting_the_command_line_cannot_carry_is_refused_not_dropped():
    from core.runs.kind import kind_of
    from core.runs.patches import PatchSettings

    settings = PatchSettings(data="d", n=64, areas=(0.5,))
    with pytest.raises(ValueError, match="cannot set the patches run's areas"):
        kind_of(settings).arguments(settings)
    with pytest.raises(TypeError, match="not the settings of any kind"):
        kind_of({"n": 64})
