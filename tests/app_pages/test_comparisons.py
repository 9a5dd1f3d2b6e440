"""Attention against adversarial training on the curves page, from constructed results."""

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import numpy as np

    from app_pages.comparisons import defences_ui, tradeoff_ui
    from core.evaluate.encoding import flags_to_text, labels_to_text
    from core.models.spec import ModelSpec

    index = np.arange(100)

    def result(robust):
        clean = np.ones(100, bool)
        return {"data": "d", "n": 100, "epsilons": [0.0, 0.02], "attack": {}, "spec": {"task": "cxr"},
                "labels": labels_to_text(index % 2),
                "curve": [{"epsilon": 0.0, "robust": flags_to_text(clean), "accuracy": 1.0, "accuracy_low": 0.96,
                           "accuracy_high": 1.0},
                          {"epsilon": 0.02, "robust": flags_to_text(robust), "accuracy": robust.mean(),
                           "accuracy_low": robust.mean() - 0.05, "accuracy_high": robust.mean() + 0.05}]}

    spec = ModelSpec("cxr", "resnet50", False)
    results = {spec: result(index < 20), spec.twin(): result(index < 50),
               ModelSpec("cxr", "resnet50", False, defence="pgd-at"): result(index < 70),
               ModelSpec("cxr", "resnet50", True, defence="pgd-at"): result(index < 72)}
    tradeoff_ui(results, [0.0, 0.02])
    defences_ui(results)


def test_attention_is_compared_with_pgd_at_and_their_interaction_is_stated():
    app = AppTest.from_function(_script, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    captions = [c.value for c in app.caption]
    assert any("ResNet-50 (compact) + soft attention is 20.0 points less robust than ResNet-50 (compact) · PGD-AT"
               in c for c in captions), captions
    assert any("attention adds less on top of PGD-AT than alone" in c for c in captions)
    assert len(app.get("plotly_chart")) == 1
