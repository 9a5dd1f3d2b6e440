"""Attention against adversarial training on the curves page, from constructed results."""

from streamlit.testing.v1 import AppTest

from tests.app_pages.apptest import texts


def _script() -> None:
    import numpy as np

    from app_pages.comparisons import tradeoff_ui
    from core.encoding import flags_to_text, labels_to_text
    from core.models.spec import ModelSpec

    index = np.arange(100)

    def point(epsilon, robust):
        return {"epsilon": epsilon, "robust": flags_to_text(robust), "accuracy": robust.mean(),
                "accuracy_low": robust.mean() - 0.05, "accuracy_high": robust.mean() + 0.05}

    def result(robust):  # at 0.04 nothing survives: the comparisons are empty there
        return {"data": "d", "n": 100, "epsilons": [0.0, 0.02, 0.04], "attack": {}, "spec": {"task": "cxr"},
                "labels": labels_to_text(index % 2),
                "curve": [point(0.0, np.ones(100, bool)), point(0.02, robust), point(0.04, np.zeros(100, bool))]}

    spec = ModelSpec("cxr", "resnet50", False)
    results = {spec: result(index < 20), spec.twin(): result(index < 50),
               ModelSpec("cxr", "resnet50", False, defence="pgd-at"): result(index < 70),
               ModelSpec("cxr", "resnet50", True, defence="pgd-at"): result(index < 72)}
    tradeoff_ui(results, [0.0, 0.02, 0.04], default=0.02)  # the defended models' training epsilon


def test_attention_is_compared_with_pgd_at_and_their_interaction_is_stated():
    app = AppTest.from_function(_script, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    sentences, captions = texts(app.markdown), texts(app.caption)  # the report's blocks
    assert any("ResNet-50 (compact) + soft attention is 20.0 points less robust than ResNet-50 (compact) · PGD-AT"
               in m for m in sentences), sentences
    assert any("attention adds less on top of PGD-AT than alone" in m for m in sentences)
    assert "**Attention against adversarial training: ResNet-50**" in sentences
    assert len(app.get("plotly_chart")) == 1
    assert app.select_slider(key="tradeoff_epsilon").value == 0.02
    assert any("trained at ε = 0.02" in c for c in captions)


def test_the_comparisons_follow_the_chosen_epsilon():
    app = AppTest.from_function(_script, default_timeout=60)
    app.run()
    app.select_slider(key="tradeoff_epsilon").set_value(0.04).run()
    assert not app.exception, app.exception
    sentences = texts(app.markdown)
    assert any(m.startswith("At ε = 0.04") and "no difference detected; the data allow from" in m
               for m in sentences), sentences
    assert not any("20.0 points less robust" in m for m in sentences)
