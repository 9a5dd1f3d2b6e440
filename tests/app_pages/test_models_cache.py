"""The server's warm model cache is bounded: one version per checkpoint file, at most
MAX_MODELS files, least recently used evicted."""

from app_pages import models


def test_the_model_cache_keeps_one_version_per_file_and_a_bounded_count(monkeypatch):
    monkeypatch.setattr(models, "_MODELS", models.OrderedDict())
    for epoch in range(5):  # a training job rewriting its checkpoint every improving epoch
        models._remember(("user/cxr/resnet50_attention.keras", float(epoch)), object())
    assert list(models._MODELS) == [("user/cxr/resnet50_attention.keras", 4.0)]
    for index in range(models.MAX_MODELS + 3):
        models._remember((f"demo/{index}.keras", 1.0), object())
    assert len(models._MODELS) == models.MAX_MODELS
    assert ("demo/0.keras", 1.0) not in models._MODELS and ("demo/14.keras", 1.0) in models._MODELS
    models._remember(("demo/3.keras", 1.0), models._MODELS[("demo/3.keras", 1.0)])  # used again: kept
    models._remember(("demo/99.keras", 1.0), object())
    assert ("demo/3.keras", 1.0) in models._MODELS and ("demo/4.keras", 1.0) not in models._MODELS
