"""app_pages.blocks: a core.report section drawn as Streamlit elements, its texts shown as text."""

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from app_pages.blocks import printf_format


def _page():
    import pandas as pd
    import plotly.graph_objects as go

    from app_pages.blocks import blocks_ui
    from core.report.parts import Figure, Heading, Items, Sentence, Table

    blocks_ui([Heading("Model ![x](http://127.0.0.1/p.png)"), Sentence("A finding: +4.1 points."),
               Sentence("How it was measured.", "note"), Sentence("A caution.", "warn"),
               Items((("[pass] check", "fine"), ("a label", "a text"))), Table(pd.DataFrame({"model": ["a"], "accuracy": [0.91234], "images": [100]})),
               Figure(go.Figure(), "a chart")], key="section")


def test_every_block_is_drawn_and_a_title_from_a_card_stays_text():
    app = AppTest.from_function(_page, default_timeout=60).run()
    assert not app.exception
    shown = [m.value for m in app.markdown]
    assert shown[0].startswith("**Model \\!\\[x\\]\\(http") and "A finding\\: \\+4\\.1 points\\." in shown
    assert app.caption[0].value == "How it was measured\\." and app.warning[0].value == "A caution\\."
    assert app.caption[1].value == "Figure\\: a chart\\."  # a chart is read by its caption too
    assert ":material/check_circle: **check**: fine  \n- **a label**: a text" in shown  # a check's status as its icon
    table = app.dataframe[0]
    assert table.value["accuracy"].tolist() == [0.91234]  # a number: its column sorts by value
    formats = {name: column["type_config"]["format"] for name, column in json.loads(table.proto.columns).items()
               if "type_config" in column}
    assert formats == {"accuracy": "%.3f", "images": "%d"}  # shown as the report shows them
    assert len(app.get("plotly_chart")) == 1


def test_a_tables_number_formats_follow_the_reports():
    assert printf_format(pd.Series([0.91, 0.5]), "{:.3f}") == "%.3f"
    assert printf_format(pd.Series([12.5, 3.0]), "{:.4g}") == "%.4g"
    assert printf_format(pd.Series([0.00125, 0.0025]), "{:.3f}") == "%.3g"  # ε of the derm grid keeps its digits
    assert printf_format(pd.Series([0.0, 0.5]), "{:.3f}") == "%.3f"  # a zero is not small
    assert printf_format(pd.Series([0.00125, 0.01]), "{:g}", given=True) == "%g"  # a column's own format
    assert printf_format(pd.Series([0.8, 0.00196]), "{:.3f}", given=True) == "%.3f"  # an estimate at its decimals

