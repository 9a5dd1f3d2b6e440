"""Attack explorer (landing page). Placeholder until the engine issues land."""

import streamlit as st

from core.models.spec import all_specs
from core.tasks import TASKS

st.title("Attention under attack")
st.write(
    "How far must an L∞ PGD perturbation go before a medical image classifier changes its "
    "mind, and does a soft-attention block make it harder? The live explorer arrives with "
    "the attack engine; the model zoo below is what it will compare."
)
task = st.selectbox("Task", list(TASKS), format_func=lambda name: TASKS[name].title)
st.table({"model": [s.title for s in all_specs("demo", task)],
          "classes": [", ".join(TASKS[task].classes)] * 4})
