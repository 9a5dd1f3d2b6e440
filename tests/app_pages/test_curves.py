"""The robustness curves page (app_pages/curves.py) under AppTest, on the bundled results."""

import numpy as np
import pytest

from core.data.synthetic import split_description
from tests.app_pages.apptest import open_app, problems, texts


def _bundled_zoo_without(tmp_path, monkeypatch, *kinds):
    """The app's bundled zoo, less its saved runs of `kinds` (e.g. "fmn", "mechanism") and, with
    "defended", its adversarially trained models and their runs: a copy of checkpoints/ made of
    links, so that a page test of a missing run, or one that counts the task's models, does not
    depend on what happens to be bundled."""
    import os
    import shutil

    from core.models.spec import DEFENCES
    from core.models.zoo import CHECKPOINT_ROOT

    defended = tuple(f"_{tag}" for tag, _ in DEFENCES.values() if tag) if "defended" in kinds else ()
    l2_keys = _l2_keys() if "threats" in kinds else ()
    kinds = kinds + (("patches", "universal") if "threats" in kinds else ())  # the threats beyond the L∞ ball

    def hidden(folder, names):  # a model's run (<stem>-fmn-<key>.json) or a task's (seeds-<key>.json)
        runs = {n for n in names if any(f"-{kind}-" in n or n.startswith(f"{kind}-") for kind in kinds)
                or any(n.endswith((f"-{key}.json", f"-{key}.csv")) for key in l2_keys)}
        models = {n for n in names if defended and any(f"{tag}." in n or f"{tag}-" in n or f"{tag}_" in n
                                                       for tag in defended)}
        return runs | models | ({"user"} if folder == str(CHECKPOINT_ROOT) else set())

    copy = tmp_path / "checkpoints"
    shutil.copytree(CHECKPOINT_ROOT, copy, ignore=hidden, copy_function=os.symlink)
    monkeypatch.setattr("app_pages.common.CHECKPOINT_ROOT", copy)
    return copy


def _l2_keys() -> tuple:
    """The keys of the bundled L2 curves (grid results: no kind in their names)."""
    from core.attack_settings import l2_grid
    from core.evaluate import PRESETS, results_key
    from core.tasks import TASKS

    return tuple(results_key(split_description(t), 100, list(l2_grid(TASKS[t].epsilons, 96)), PRESETS["strong-l2"])
                 for t in TASKS)


def test_bundled_zoo_without_hides_only_the_named_runs(tmp_path, monkeypatch):
    from app_pages.common import CHECKPOINT_ROOT as bundled

    copy = _bundled_zoo_without(tmp_path, monkeypatch, "fmn")
    results = sorted(p.name for p in (bundled / "demo" / "derm" / "results").iterdir())
    kept = sorted(p.name for p in (copy / "demo" / "derm" / "results").iterdir())
    assert any("-fmn-" in n for n in results) and kept == [n for n in results if "-fmn-" not in n]
    assert __import__("app_pages.common").common.CHECKPOINT_ROOT == copy
    undefended = _bundled_zoo_without(tmp_path / "undefended", monkeypatch, "defended")
    from core.models.zoo import available

    assert all(s.defence == "none" for s in available("demo", root=undefended))
    assert len(available("demo", root=undefended)) == 12  # the paper's four per task
    l2 = {task: sorted((bundled / "demo" / task / "results").glob(f"*-{key}.json"))
          for task, key in zip(__import__("core.tasks").tasks.TASKS, _l2_keys())}
    for task, curves in l2.items():  # every bundled model, undefended and PGD-AT, has its L2 curve
        models = sorted((bundled / "demo" / task).glob("*.keras"))
        assert [p.name.rsplit("-", 1)[0] for p in curves] == [m.stem for m in models] and len(models) == 8, task
    without = _bundled_zoo_without(tmp_path / "threats", monkeypatch, "threats")  # hidden with the threats
    assert not any((without / "demo" / task / "results" / p.name).exists() for task in l2 for p in l2[task])


def _bundled_curves_with_labels(tmp_path, task="cxr", predicted=None):
    """The bundled strong curves of `task`, copied into the user's results folder with the
    test images' labels (results saved before labels were kept lack them; the page then says
    to evaluate again)."""
    from core.atomic import write_json
    from core.data import synthetic
    from core.evaluate import PRESETS, load_results, results_key, results_path
    from core.encoding import labels_to_text, text_to_flags
    from core.models.spec import all_specs
    from core.models.zoo import CHECKPOINT_ROOT

    _, labels = synthetic.split(task, "test", 200, size=32)
    for spec in all_specs("demo", task):
        result = load_results(spec, data=synthetic.split_description(task), n=200, epsilons=spec.task_info.epsilons,
                              attack=PRESETS["strong"], root=CHECKPOINT_ROOT)
        result.setdefault("labels", labels_to_text(labels))
        for row in result["curve"] if predicted else ():  # made up here: what each fooled image became
            row.setdefault("predicted", labels_to_text(predicted(labels, text_to_flags(row["robust"]))))
        key = results_key(result["data"], 200, spec.task_info.epsilons, PRESETS["strong"])
        write_json(results_path(spec, key, root=tmp_path / "models"), result)


def test_curves_page_shows_intervals_the_paper_beside_strong_the_twin_test_and_checks(tmp_path, monkeypatch):
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "threats", "defended")  # the grid's part
    _bundled_curves_with_labels(tmp_path)
    app = open_app("app_pages/curves.py", task="cxr")
    assert not problems(app), problems(app)
    charts = app.get("plotly_chart")
    assert len(charts) == 4  # accuracy, on a binary task AUC under attack, the clean/robust trade-off, which way
    tradeoff = __import__("json").loads(charts[2].proto.spec)
    assert app.select_slider(key="tradeoff_epsilon").value == 0.02  # the task's defence ε, as the report (not 0.04)
    points = [t for t in tradeoff["data"] if t.get("mode") == "markers"]
    assert len(points) == 4 and all(t["error_x"]["array"] and t["error_y"]["array"] for t in points)
    looks = {t["name"]: (t["marker"]["color"], t["marker"]["symbol"]) for t in points}
    assert len(set(looks.values())) == 4  # every model told apart, and twins by more than colour:
    assert looks["ResNet-50 + attention"] == (looks["ResNet-50"][0], "circle-open")  # their pair's colour, open
    assert looks["InceptionResNetV2"][0] != looks["ResNet-50"][0]
    figure = __import__("json").loads(charts[0].proto.spec)
    assert not [t for t in figure["data"] if "paper's PGD" in t.get("name", "")]  # one click away, not by default
    assert sum("vs its twin: At ε = 0.04" in m for m in texts(app.markdown)) == 2  # each pair's test under the chart
    assert sum("vs its twin" in m and "Along the curve (Holm's adjustment over its 8 ε)" in m
               for m in texts(app.markdown)) == 2  # and where along the curve they differ
    app.toggle(key="curve_compare").set_value(True).run()
    figure = __import__("json").loads(app.get("plotly_chart")[0].proto.spec)
    bands = [t for t in figure["data"] if t.get("fill") == "toself"]
    paper = [t for t in figure["data"] if "paper's PGD" in t.get("name", "")]
    assert len(bands) == 4 and len(paper) == 4  # a 95 % band per model; the paper's protocol beside
    pairs = {}
    for trace in figure["data"]:
        if trace.get("mode") == "lines+markers":
            pairs.setdefault(trace["line"]["color"], set()).add(trace["line"]["dash"])
    assert len(pairs) == 2 and all(dashes == {"solid", "dash"} for dashes in pairs.values())  # twins: one colour
    assert all(t["mode"] == "lines" for t in bands)  # an area, no stray dots at its edges
    assert all("clean" in t["name"] for t in figure["data"] if t.get("mode") == "lines+markers")
    assert figure["layout"]["legend"]["y"] < 0  # below the plot: the x-axis title stays readable
    tables = app.dataframe
    assert len(tables[0].value) == 4 * 9 and "95 % CI" in tables[0].value.columns
    formats = __import__("json").loads(tables[0].proto.columns)
    assert formats["ε"]["type_config"]["format"] == "%g"  # 0.00125 as given, not the table's 0.0013
    assert len(tables) == 3  # the curves, then one twin table per family
    assert any("soft attention changes" in m and "McNemar" in m for m in texts(app.markdown))  # the report's section
    assert any("stratified exact McNemar test" in c for c in texts(app.caption))
    assert any("ε is on the [0, 1] pixel scale" in m for m in texts(app.info))
    assert sum(e.label.startswith(("Trustworthy", "Usable", "Not trustworthy")) or ": " in e.label
               for e in app.expander) >= 4
    which_way = __import__("json").loads(charts[3].proto.spec)  # sensitivity and specificity at the threshold
    assert [a["text"] for a in which_way["layout"]["annotations"]][0].startswith("Sensitivity")
    assert len([t for t in which_way["data"] if t.get("mode") == "lines+markers"]) == 8  # 4 models x 2 panels
    harms = [m for m in texts(app.markdown) if "hidden in" in m]
    assert len(harms) == 4 and all("invented in" in m and " of 100 positive images" in m for m in harms)
    gaps = [c for c in texts(app.caption) if "an upper bound; with them turned it would be" in c]
    assert gaps and all("does not attack an image again once it is fooled" in c for c in gaps)  # the bound is said


def test_the_curves_page_opens_on_the_four_undefended_models():
    app = open_app("app_pages/curves.py", task="cxr")
    assert not problems(app), problems(app)
    shown = app.multiselect(key="curve_models_False").value
    assert len(shown) == 4 and all(s.defence == "none" for s in shown)
    legend = [t["name"] for t in __import__("json").loads(app.get("plotly_chart")[0].proto.spec)["data"]
              if t.get("mode") == "lines+markers"]
    assert len(legend) == 4 and all(len(name) < 45 for name in legend)  # short enough to read
    app.toggle(key="curve_defended").set_value(True).run()
    assert len(app.multiselect(key="curve_models_True").value) == 8


def test_curves_page_shows_which_class_each_class_becomes_under_attack(tmp_path):
    from core.tasks import get_task

    derm = get_task("derm")
    mel, nv = derm.class_index("mel"), derm.class_index("nv")
    _bundled_curves_with_labels(tmp_path, "derm", predicted=lambda labels, robust: np.where(
        robust, labels, np.where(labels == mel, nv, mel)))  # fooled melanomas read as naevi, the rest as melanoma
    app = open_app("app_pages/curves.py", task="derm")
    assert not problems(app), problems(app)
    figures = [__import__("json").loads(c.proto.spec) for c in app.get("plotly_chart")]
    heatmap, = [f["data"][0] for f in figures if f["data"] and f["data"][0]["type"] == "heatmap"]
    assert heatmap["type"] == "heatmap" and heatmap["y"] == list(derm.classes)
    assert sum(map(int, sum(heatmap["text"], []))) == 200  # every image of the sample, once
    became = [m for m in texts(app.markdown) if "kept their class" in m]
    assert len(became) == 7 and became[0].startswith("Melanoma:") and "Melanocytic naevus" in became[0]
    # the bundled patch runs: success against area with Wilson bands, and the twins per area
    assert "Adversarial patches: a visible square where an artefact would sit" in texts(app.subheader)
    patch = [f for f in figures if f["layout"].get("xaxis", {}).get("title", {}).get("text", "").startswith("patch area")]
    assert len(patch) == 2  # the per-image patches, then one universal patch learnt on other images
    assert all(sum(t.get("mode") == "lines+markers" for t in figure["data"]) == 4 for figure in patch)


def test_curves_page_writes_the_report_in_one_click(tmp_path, monkeypatch):
    monkeypatch.setattr("core.report.print_pdf", lambda path: None)  # printing is tested in tests/test_report.py
    app = open_app("app_pages/curves.py", task="cxr")
    # the bundled L2 curves (the ResNet-50 twins): against the radius, the pair's test where the vanilla twin is
    # halfway down, and one sentence across L∞, L2 and the patch
    figures = [__import__("json").loads(c.proto.spec) for c in app.get("plotly_chart")]
    l2 = [f for f in figures if f["layout"].get("xaxis", {}).get("title", {}).get("text", "").startswith("L2 radius")]
    assert len(l2) == 1 and sum(t.get("mode") == "lines+markers" for t in l2[0]["data"]) >= 2
    markdown = texts(app.markdown)
    assert any("vs its twin: At L2 radius" in m for m in markdown)
    assert any("under L2 at radius" in m and "under a 2 % patch" in m for m in markdown)
    app.button(key="write_report").click().run()
    assert not problems(app), problems(app)
    written = tmp_path / "runs" / "reports" / "cxr-bundled-demo-200.html"
    assert written.is_file() and "<h2>Robustness curves" in written.read_text(encoding="utf-8")
    assert any("No PDF: Chromium is not installed" in c for c in texts(app.caption))
    app.number_input(key="curve_n").set_value(37).run()  # no results on 37 images: a message, no report
    app.button(key="write_report").click().run()
    assert any("run python -m core.evaluate --task cxr --n 37 first" in e for e in problems(app))


def test_curves_page_shows_why_one_twin_is_harder_to_fool(tmp_path, monkeypatch):
    """Saved mechanism profiles (made up here, saved where core.evaluate --mechanism saves them)
    give the measures' distributions, the twins' paired tests with sentences and the loss
    surface; a missing one is a button that starts the --mechanism job."""
    from core.atomic import write_json
    from core.data.synthetic import split_description
    from core.data import synthetic
    from core.evaluate import minimum_norm_result, results_path, save_minimum_norm
    from core.mechanism import mechanism_key, mechanism_twin_tests
    from core.models.spec import ModelSpec

    rng = np.random.default_rng(0)
    attacked = [e for e in ModelSpec("cxr", "resnet50", True).task_info.epsilons if e > 0]
    key = mechanism_key(split_description("cxr"), 200, attacked[len(attacked) // 2], 0)  # the grid's middle ε
    steps = list(np.linspace(-1, 1, 11))
    profiles = {}
    for attention in (False, True):
        spec = ModelSpec("cxr", "resnet50", attention)
        measures = {"margin_clean": rng.uniform(1, 5, 200) * (2 if attention else 1), "gradient_norm": rng.uniform(1, 9, 200)}
        profiles[attention] = {"model_id": spec.model_id, "spec": spec.to_dict(), "n": 200, "epsilon": 0.01,
                               "measures": {k: list(v) for k, v in measures.items()},
                               "surfaces": [{"steps": steps, "adversarial": list(np.exp(steps)), "random": [1.0] * 11,
                                             "surface": None}]}
    profiles[True]["twin_test"] = mechanism_twin_tests(profiles[True], profiles[False])
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "threats", "defended")  # only these runs
    for attention, profile in profiles.items():
        write_json(results_path(ModelSpec("cxr", "resnet50", attention), key, root=tmp_path / "models"), profile)
        spec, labels = ModelSpec("cxr", "resnet50", attention), synthetic.split("cxr", "test", 200, size=32)[1]
        stars = rng.uniform(0.001, 0.01, 200) * (2 if attention else 1)  # attention helps over the whole curve
        save_minimum_norm(spec, minimum_norm_result(spec, stars, labels, data=split_description("cxr"), steps=100),
                          root=tmp_path / "models")
    app = open_app("app_pages/curves.py", task="cxr")
    assert not problems(app), problems(app)
    markdown = texts(app.markdown)  # the report's section (core.report.sections.mechanism_blocks)
    assert any("logit margin, clean" in m and "harder to fool by this measure" in m for m in markdown)
    assert "**Which measure follows robustness?**" in markdown
    assert any(m.startswith("Attention makes the ResNet-50 twin harder") for m in markdown)
    assert any(m.startswith("The logit margin, clean points the way robustness does on 1 of the 1") for m in markdown)
    table = app.dataframe[-1].value
    assert set(table["measure"]) == {"logit margin, clean", "input-gradient L1 norm"}
    assert {"Wilcoxon p", "Holm p"} <= set(table.columns)
    surface = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)
    assert len(surface["data"]) == 4  # two models x (adversarial, random)
    boxes = [t for c in app.get("plotly_chart") for t in __import__("json").loads(c.proto.spec)["data"]
             if t.get("type") == "box" and t.get("showlegend") is not False]
    assert {b["name"] for b in boxes} == {"ResNet-50", "ResNet-50 + attention"}
    assert len({b["marker"]["color"] for b in boxes}) == 1 and len({b["fillcolor"] for b in boxes}) == 2  # twins
    started = []
    monkeypatch.setattr("app_pages.mechanism.start_job", lambda kind, key, arguments, **_: started.append(
        " ".join(arguments)))
    app.button(key="run_mechanism").click().run()
    assert started and "--mechanism" in started[0] and started[0].count("--model") == 2  # the IRv2 twins


def test_curves_page_evaluates_the_bundled_zoo_into_the_users_folder(tmp_path):
    from core.jobs import cancel_job, list_jobs, wait_for

    app = open_app("app_pages/curves.py", task="cxr")
    app.segmented_control(key="curve_preset").set_value("custom").run()
    app.number_input(key="curve_steps").set_value(2).run()
    app.button(key="run_eval").click().run()
    assert not app.exception and not problems(app), problems(app)
    job = list_jobs()[0]
    command = " ".join(__import__("json").load(open(tmp_path / "runs" / job.key / "job.json"))["command"])
    assert f"--results-root {tmp_path / 'models'}" in command  # never into checkpoints/demo
    from core.evaluate import Preset

    sent = Preset.from_dict(__import__("json").loads((tmp_path / "runs" / job.key / "preset-file.json").read_text()))
    assert sent.name == "custom" and sent.attacks[0].steps == 2 and "--preset-file" in command  # whole preset
    cancel_job(job.key, grace_s=60)
    wait_for(job.key, timeout_s=120)


def test_curves_page_draws_whole_curves_from_each_images_smallest_epsilon(tmp_path, monkeypatch):
    """Saved minimum-norm runs (written as core.evaluate writes them, eps* made up here) give a
    chart, the medians with intervals, the twins' Wilcoxon sentence and the combined curve; a
    missing one is a button that starts the --fmn job into the user's folder."""
    from core.data import synthetic
    from core.data.synthetic import split_description
    from core.evaluate import PRESETS, load_results, minimum_norm_result, save_minimum_norm
    from core.models.spec import all_specs
    from core.models.zoo import CHECKPOINT_ROOT

    rng = np.random.default_rng(0)
    specs = sorted(all_specs("demo", "cxr"), key=lambda s: s.attention)  # vanilla first: the twin test needs it
    _, labels = synthetic.split("cxr", "test", 200, size=32)  # the images the bundled grid curves were run on
    for spec in specs[:3]:  # the last one stays missing
        grid = load_results(spec, data=split_description("cxr"), n=200, epsilons=spec.task_info.epsilons,
                            attack=PRESETS["strong"], root=CHECKPOINT_ROOT)
        stars = rng.uniform(0, 0.04, grid["n"]) * (1.5 if spec.attention else 1.0)
        result = minimum_norm_result(spec, stars, labels, data=grid["data"], steps=100)
        save_minimum_norm(spec, result, root=tmp_path / "models")
    _bundled_curves_with_labels(tmp_path)
    _bundled_zoo_without(tmp_path, monkeypatch, "fmn", "mechanism", "seeds", "threats", "defended")  # only these runs
    app = open_app("app_pages/curves.py", task="cxr")
    assert not problems(app), problems(app)
    assert len(app.get("plotly_chart")) == 5  # accuracy, AUC, trade-off, the whole curves, then which way
    assert any("(Wilcoxon signed-rank p = " in m for m in texts(app.markdown))  # the report's section
    tables = app.dataframe
    assert "median smallest ε (×1/255)" in tables[-2].value.columns and len(tables[-2].value) == 3
    combined = tables[-1].value
    assert (combined["both (stands behind)"] <= combined["grid protocol"] + 1e-12).all()
    assert any("No smallest-ε run for" in m for m in texts(app.info))
    started = []  # the job runner itself is tested with the grid's evaluation job above
    monkeypatch.setattr("app_pages.minimum_norm.start_job", lambda kind, key, arguments, **_: started.append(
        (kind, key, " ".join(arguments))))
    app.button(key="run_fmn").click().run()
    assert not app.exception
    [(kind, key, command)] = started
    assert kind == "evaluate" and key.startswith("fmn-") and "--fmn" in command
    assert f"--results-root {tmp_path / 'models'}" in command and command.count("--model") == 1  # only the missing


def test_curves_page_shows_accuracy_under_each_corruption_with_the_twins_paired(tmp_path, monkeypatch):
    from core.data import synthetic
    from core.evaluate import evaluate_corruptions
    from core.models.spec import ModelSpec

    _bundled_zoo_without(tmp_path, monkeypatch, "seeds", "threats", "defended")  # charts counted from the end

    images, labels = synthetic.split("cxr", "test", 12, size=96)
    for attention in (False, True):  # vanilla first: the twin test needs it
        evaluate_corruptions(ModelSpec("cxr", "resnet50", attention), images, labels,
                             data=synthetic.split_description("cxr"), names=["jpeg", "cxr_grid_lines"],
                             results_root=tmp_path / "models")
    app = open_app("app_pages/curves.py", task="cxr")
    app.number_input(key="curve_n").set_value(12).run()
    assert not problems(app), problems(app)
    figure = __import__("json").loads(app.get("plotly_chart")[-2].proto.spec)
    titles = [a["text"] for a in figure["layout"]["annotations"]]
    assert titles == ["Anti-scatter grid lines", "JPEG compression"]  # one panel per corruption
    assert len([t for t in figure["data"] if t.get("mode") == "lines+markers"]) == 4  # 2 models x 2 panels
    harms = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)  # at the cards' operating points
    assert harms["layout"]["xaxis"]["title"]["text"] == "severity"
    at_three = app.dataframe[-1].value
    assert len(at_three) == 4 and {"sensitivity", "specificity 95 % CI"} <= set(at_three.columns)
    twins = app.dataframe[-2].value
    assert sorted(twins["corruption"]) == ["Anti-scatter grid lines", "JPEG compression"]
    assert "McNemar p" in twins.columns and twins["family"].str.endswith("+ soft attention").all()
    started = []
    monkeypatch.setattr("app_pages.corruption_curves.start_job",
                        lambda kind, key, arguments, **_: started.append(" ".join(arguments)))
    app.button(key="run_corruptions").click().run()
    assert started and "--corruptions" in started[0] and started[0].count("--model") == 2  # the IRv2 twins


def test_curves_page_says_whether_attentions_effect_outlives_the_training_seed(tmp_path, monkeypatch):
    """A saved seed study (built from made-up replica results, saved where core.evaluate
    --seed-study saves it) gives the forest plot, one sentence per family and the replicas'
    table; without one the page says how to train and evaluate the replicas."""
    from core.atomic import write_json
    from core.store import results_folder
    from core.evaluate.seeds import seed_study
    from core.models.spec import ModelSpec
    from tests.evaluate.test_seeds import EPSILON, _replicas

    _bundled_zoo_without(tmp_path, monkeypatch, "seeds")  # only the study made up here
    app = open_app("app_pages/curves.py", task="cxr")
    assert any("Train the other seeds' replicas" in m for m in texts(app.info))
    assert any("--task cxr --seed 2 --split-seed 0" in c.value and "core.evaluate seeds 0 1 2 --task cxr" in c.value
               for c in app.code)
    families = seed_study(_replicas({0: (60, 30), 1: (30, 40), 2: (50, 40)}), epsilons={"resnet50": EPSILON})
    replicas = [{"model_id": f"demo-cxr-resnet50-vanilla-seed{s}", "seed": s, "clean": 0.9, "robust": 0.3,
                 "trained": {"epochs_trained": 20}} for s in (0, 1, 2)]
    study = {"task": "cxr", "profile": "demo", "epsilons": {"resnet50": EPSILON}, "n": 100, "seeds": [0, 1, 2],
             "replicas": replicas, "missing": [], "families": families, "created_at": "2026-12-02T00:00:00+00:00"}
    write_json(results_folder(ModelSpec("cxr", "resnet50", False), root=tmp_path / "models") / "seeds-x.json", study)
    app = open_app("app_pages/curves.py", task="cxr")
    assert not problems(app), problems(app)
    forest = __import__("json").loads(app.get("plotly_chart")[-1].proto.spec)
    means = [t for t in forest["data"] if t["marker"]["symbol"] == "diamond"]
    assert len(forest["data"]) == 4 and len(means) == 1 and means[0]["x"] == [pytest.approx(10.0)]
    assert any("the sign changes with the training seed" in m for m in texts(app.markdown))
    assert any("spans" in m and "only the training seed changed" in m for m in texts(app.markdown))  # the report's
    assert list(app.dataframe[-1].value["seed"]) == [0, 1, 2]
    assert not any("Train the other seeds' replicas" in m for m in texts(app.info))
