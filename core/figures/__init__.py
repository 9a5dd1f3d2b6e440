"""Plotly figures and tables built from saved results: what the pages show and the report
embeds (core never imports streamlit; these need only plotly and pandas).

    curves_figure, tradeoff_figure, curves_table, curve_formats,
    history_figure                                                 core.figures.curves
    corruption_figure                                              core.figures.corruptions
    operating_point_figure, confusion_figure                       core.figures.which_way
    mechanism_figure, surface_figure                               core.figures.mechanism
    seed_figure                                                    core.figures.seeds
    patch_figure, patch_twin_rows                                  core.figures.patches
"""

from core.figures.corruptions import corruption_figure
from core.figures.curves import curve_formats, curves_figure, curves_table, history_figure, tradeoff_figure
from core.figures.mechanism import mechanism_figure, surface_figure
from core.figures.patches import patch_figure, patch_twin_rows
from core.figures.seeds import seed_figure
from core.figures.style import PERCENT_AXIS, SYMBOLS
from core.figures.which_way import confusion_figure, operating_point_figure

__all__ = ["PERCENT_AXIS", "SYMBOLS", "confusion_figure", "corruption_figure", "curve_formats", "curves_figure",
           "curves_table",
           "history_figure", "mechanism_figure", "operating_point_figure", "patch_figure", "patch_twin_rows",
           "seed_figure", "surface_figure", "tradeoff_figure"]
