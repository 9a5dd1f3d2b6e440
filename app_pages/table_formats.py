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


def curve_columns() -> dict:
    """Column formats of the curve tables: epsilon exactly as given (0.00125, never the
    dataframe's rounded 0.0013), accuracies and AUCs with three decimals."""
    three = st.column_config.NumberColumn(format="%.3f")
    return {"ε": st.column_config.NumberColumn(format="%g"), "robust accuracy": three,
            "attack at this ε alone": three, "AUC": three}
