"""What the pages share about figures (not a page itself): the figures themselves are core's
(core.figures, which the report draws too); here the ε-scale note and the table formats."""

from __future__ import annotations

import streamlit as st

SCALE_NOTE = (
    "**ε is on the [0, 1] pixel scale**: ε = 0.01 is 2.55/255, under three grey levels of an 8-bit image; the "
    "paper's largest ε, 0.32, is 81.6/255, a third of the whole range. At that size a converged L∞ attack "
    "fools any undefended classifier, so the paper's fundus and chest x-ray accuracies of 0.2–0.8 at ε = 0.32 "
    "cannot come from a converged attack on this scale. The *paper-softmax* protocol reproduces the likely "
    "cause: foolbox's cross-entropy applied to the softmax output of a Keras model, whose gradient vanishes "
    "once the softmax saturates, so PGD stalls and both twins 'meet' on a plateau.")


def curve_columns(frame) -> dict:
    """Column formats of a curve table (core.figures.curve_formats, as the report shows it):
    epsilon exactly as given (0.00125, never the dataframe's rounded 0.0013), accuracies,
    recalls and AUCs with three decimals."""
    from app_pages.blocks import printf_format
    from core.figures import curve_formats

    return {column: st.column_config.NumberColumn(format=printf_format(frame[column], given, given=True))
            for column, given in curve_formats(frame).items()}
