"""core.formatting: how numbers read everywhere."""

from core.formatting import epsilon_255, epsilon_text, measure_text


def test_a_measure_reads_as_a_person_writes_it():
    """The mechanism sentences read "attentive 3.9e+03, vanilla 4.17e+03"."""
    assert [measure_text(v) for v in (3900.0, 4170.4, 0.000509, -48.31, 99.96, 154.0)] == [
        "3,900", "4,170", "0.000509", "-48.3", "100", "154"]
    assert measure_text(1e-5) == "1e-05" and measure_text(2.5e7) == "2.5e+07"  # scientific only far out
    assert measure_text(0.0) == "0" and measure_text(float("nan")) == "nan"


def test_epsilon_on_the_8_bit_scale_rounds_half_up():
    assert epsilon_255(0.005) == "1.28/255" and epsilon_255(0.0025) == "0.64/255" and epsilon_255(0.32) == "81.6/255"


def test_epsilon_text_keeps_the_grid_and_slider_values_and_rounds_a_fraction_of_255():
    assert epsilon_text(0.00125) == "ε = 0.00125 (0.32/255)" and epsilon_text(0.01025) == "ε = 0.01025 (2.61/255)"
    assert epsilon_text(1 / 255) == "ε = 0.003922 (1/255)"  # the tour's one grey level

