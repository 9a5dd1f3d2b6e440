"""bench/record.py and bench/history.py: the docs' benchmark tables come from saved runs."""

import datetime as dt
import json

import pytest

from bench import history, record


def test_the_docs_tables_are_drawn_from_the_saved_runs():
    stale = history.write(check=True)
    assert stale == [], f"run .venv/bin/python bench/history.py: {stale} differ from bench/results"


def test_every_saved_run_names_only_figures_its_table_has():
    for bench, (_, rows) in history.TABLES.items():
        known = {row[0] for row in rows}
        for run in record.load(bench):
            assert set(run["figures"]) <= known, (bench, run["measured_at"], set(run["figures"]) - known)


def _save(tmp_path, when, values, **kwargs):
    moment = dt.datetime(2026, 12, when, 10, 0, tzinfo=dt.timezone.utc)
    return record.save("interaction", values, results=tmp_path, when=moment, load=0.5, **kwargs)


def test_a_saved_run_is_read_back_and_drawn_as_a_column(tmp_path):
    path = _save(tmp_path, 1, {"first_paint": 5.43, "seen": [0.3, 0.5, 0.4]}, label="a try")
    saved = json.loads(path.read_text())
    assert saved["figures"] == {"first_paint": [5.43], "seen": [0.3, 0.5, 0.4]}
    assert saved["load_before"] == 0.5 and saved["label"] == "a try" and saved["measured_at"] == "2026-12-01T10:00:00Z"
    _save(tmp_path, 2, {"first_paint": [5.0, 6.0]})
    lines = history.table("interaction", results=tmp_path).splitlines()
    assert lines[0].startswith("| | 2026-12-01 10:00 UTC") and "load 0.5: a try" in lines[0]
    assert "2026-12-02 10:00 UTC" in lines[0]  # oldest first
    rows = {line.split(" | ")[0].strip("| "): line for line in lines[2:]}
    assert set(rows) == {"first paint", "ε change, value seen before"}  # rows nobody measured are left out
    assert "| 5.4 s | 5.0 and 6.0 s |" in rows["first paint"]
    assert "| median 0.40 s (0.30-0.50) |  |" in rows["ε change, value seen before"]  # not measured: blank


def test_only_the_newest_runs_are_columns(tmp_path):
    for day in range(1, history.MAX_COLUMNS + 3):
        _save(tmp_path, day, {"first_paint": day})
    header = history.table("interaction", results=tmp_path).splitlines()[0]
    assert header.count("UTC") == history.MAX_COLUMNS and "2026-12-01 " not in header and "2026-12-09 " in header


@pytest.mark.parametrize("bad", [float("nan"), -1.0, [], float("inf")])
def test_a_figure_that_is_not_a_time_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="first_paint"):
        _save(tmp_path, 1, {"first_paint": bad})


def test_a_document_without_its_markers_is_refused():
    with pytest.raises(ValueError, match="bench:interaction"):
        history.rewritten("no table here", "interaction")


def test_a_row_in_milliseconds_or_per_second_says_so(tmp_path):
    moment = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)
    record.save("attack_speed", {"pass_per_image": 0.00312, "live": [0.41, 0.43]}, results=tmp_path, when=moment,
                load=1.0)
    record.save("scale", {"one_process": 420.4, "ray_ratio": 1.007}, results=tmp_path, when=moment, load=1.0)
    speed = history.table("attack_speed", results=tmp_path)
    assert "| one forward+backward pass, per image | 3.1 ms |" in speed and "| 410 and 430 ms |" in speed
    scale = history.table("scale", results=tmp_path)
    assert "| 420 per s |" in scale and "| Ray ÷ one process | 1.01x |" in scale


def test_the_sweep_cost_is_counted_from_the_protocols_and_the_real_test_sets():
    from core.tasks import TASKS

    derm = TASKS["derm"]
    assert history.test_images(derm) == 2003 and history.test_images(TASKS["cxr"]) == 25_596
    rows = {line.split(" | ")[0].strip("| "): line for line in history.sweep_cost_table().splitlines()[2:]}
    ham = rows["HAM10000, 2,003 test images × 4 ε"]
    # 4 models × 2,003 images × 4 ε × 40 PGD steps; the strong protocol at most 530 passes (DLR on 7 classes)
    assert "| 1.3 M passes | 17 M |" in ham and "paper 21 min / 2.7 min / 20 s" in ham
