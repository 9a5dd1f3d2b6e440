"""The first synthetic generators (v1), kept while the bundled demo zoo is still the one trained
on them: balanced classes, each differing from the others by one exaggerated feature, so every
demo model scores 99-100 % (issue 21). `core.data.synthetic.split` and `gallery` serve v1
while a task's DEMO_VERSIONS entry is 1, so the bundled models, their saved results and the app stay
consistent; retraining the zoo on v2 (`python -m core.train --demo-zoo`) and regenerating its
results flips its task's DEMO_VERSIONS entry; the last flip deletes this package.
"""

from core.data.synthetic.v1 import cxr, derm, fundus

RENDERERS = {"derm": derm.render, "fundus": fundus.render, "cxr": cxr.render}
