"""core.figures.curves: the robustness curves' axis and the curve table's formats."""

import pandas as pd


def test_a_curve_table_shows_epsilon_as_given_and_estimates_at_their_intervals_decimals():
    """The findings once read ε 0.000, 0.0025, 0.005, 0.010 in one column and a robust accuracy
    of 0.00196 beside its interval 0.000–0.033."""
    from core.figures import curve_formats
    from core.report.parts import cells

    frame = pd.DataFrame({"ε": [0.0, 0.0025, 0.01], "robust accuracy": [0.805, 0.00196, 0.0],
                          "recall no pneumothorax": [0.9, 0.0096, 0.0], "McNemar p": [1.0, 1.4e-14, 0.5]})
    shown = cells(frame, formats=curve_formats(frame))
    assert list(shown["ε"]) == ["0", "0.0025", "0.01"]
    assert list(shown["robust accuracy"]) == ["0.805", "0.002", "0.000"]
    assert list(shown["recall no pneumothorax"]) == ["0.900", "0.010", "0.000"]
    assert list(shown["McNemar p"]) == ["1.000", "1.4e-14", "0.500"]  # not named: small values keep their digits


def test_a_wide_epsilon_grid_is_drawn_on_a_log_axis_with_clean_at_its_left():
    """The binary tasks' grid doubles from 0.0025 to 0.32: linearly, every undefended curve fell
    in the chart's first 3 %. derm's 0.00125 to 0.01 stays linear."""
    from core.figures import curves_figure
    from core.models.spec import ModelSpec

    def result(epsilons):
        return {"curve": [{"epsilon": e, "accuracy": 0.9 / (1 + 100 * e), "accuracy_low": 0.0, "accuracy_high": 1.0}
                          for e in epsilons]}

    binary = (0.0, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)
    layout = curves_figure({ModelSpec("cxr", "resnet50", False): result(binary)}).to_plotly_json()
    axis, [band, line] = layout["layout"]["xaxis"], layout["data"]
    assert axis["type"] == "log" and axis["ticktext"][0] == "0" and axis["tickvals"][0] == 0.00125
    assert list(line["x"])[:2] == [0.00125, 0.0025] and line["customdata"][0][0] == 0.0  # the hover says ε 0
    assert "log scale" in axis["title"]["text"]
    derm = curves_figure({ModelSpec("derm", "resnet50", False): result((0.0, 0.00125, 0.0025, 0.005, 0.01))})
    assert derm.to_plotly_json()["layout"]["xaxis"].get("type") is None and derm.data[1].x[0] == 0.0
