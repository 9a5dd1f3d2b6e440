"""core.figures.which_way: sensitivity and specificity against ε or severity."""


def _rows(values, x):
    return [{x: v, "sensitivity": 0.5, "sensitivity_low": 0.4, "sensitivity_high": 0.6, "specificity": 0.9,
             "specificity_low": 0.8, "specificity_high": 0.95} for v in values]


def test_the_operating_point_against_a_wide_grid_is_on_the_curves_log_axis_and_severity_stays_linear():
    from core.figures import operating_point_figure
    from core.models.spec import ModelSpec

    spec = ModelSpec("cxr", "resnet50", False)
    figure = operating_point_figure({spec: _rows((0.0, 0.0025, 0.01, 0.04, 0.16, 0.32), "epsilon")}).to_plotly_json()
    axes = [figure["layout"][name] for name in ("xaxis", "xaxis2")]
    assert all(a["type"] == "log" and a["ticktext"][0] == "0" for a in axes)
    line = next(t for t in figure["data"] if t.get("mode") == "lines+markers")
    assert list(line["x"])[:2] == [0.00125, 0.0025] and list(line["customdata"])[0] == 0.0  # hover: the real ε
    severity = operating_point_figure({spec: _rows((0, 1, 2, 3, 4, 5), "severity")}, x="severity").to_plotly_json()
    assert severity["layout"]["xaxis"].get("type") is None and severity["layout"]["xaxis"]["dtick"] == 1
