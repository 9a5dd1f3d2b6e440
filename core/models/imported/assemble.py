"""The imported model's graph: image in [0, 1] -> InputScaling -> the foreign model ->
ClassScores ("logits") -> softmax ("probabilities"), the shape every model of this tool has."""

from __future__ import annotations

from core.models.imported.settings import ImportSettings, ModelImportError, class_indices, finding_unit

GREY, RGB = 1, 3


def input_layout(dims: list, settings: ImportSettings, label: str) -> tuple[dict, int]:
    """({mode, channels, channels_first}, size) for a model input of `dims` (no batch)."""
    if len(dims) != 3:
        raise ModelImportError(f"{label} takes a {len(dims) + 1}-dimensional input {['N', *dims]}; an image "
                               "classifier takes N x H x W x C or N x C x H x W")
    first = dims[0] in (GREY, RGB) and dims[2] not in (GREY, RGB)
    channels, height, width = (dims[0], dims[1], dims[2]) if first else (dims[2], dims[0], dims[1])
    if channels not in (GREY, RGB):
        raise ModelImportError(f"{label} takes images of {channels} channels; this tool feeds 1 (grey) or 3 (RGB)")
    if settings.preprocessing == "caffe" and channels == GREY:
        raise ModelImportError("caffe preprocessing is for BGR models; a grey model takes unit, symmetric, "
                               "imagenet or uint8")
    if height != width:
        raise ModelImportError(f"{label} takes {height} x {width} images; this tool feeds square images")
    if height is None:
        if settings.input_size is None:
            raise ModelImportError(f"{label} accepts any image size: give input_size, the size it was trained at")
        height = int(settings.input_size)
    elif settings.input_size is not None and int(settings.input_size) != height:
        raise ModelImportError(f"{label} takes {height} x {height} images, not input_size {settings.input_size}")
    return {"mode": settings.preprocessing, "channels": int(channels), "channels_first": bool(first)}, int(height)


def _mapping(settings: ImportSettings, units: int, last_activation: str | None) -> dict:
    """Which units become the task's logits, and how (see layers.ClassScores)."""
    task = settings.task_info
    output = settings.output
    if output == "logits" and last_activation == "Softmax":
        raise ModelImportError("the model ends in a softmax, so its outputs are probabilities: import it with "
                               "output='softmax'")
    if output == "logits" and units == 1 and task.is_binary:  # one logit unit (BCEWithLogits)
        return {"layer": ("sigmoid", (0,), True), "units": (0,), "verified_as": "logit", "restricted": False,
                "scores": "the model's one logit z, as [0, z]"}
    if output == "sigmoid":
        unit = finding_unit(settings, units)
        strip = last_activation == "Sigmoid"
        return {"layer": ("sigmoid", (unit,), strip), "units": (unit,), "verified_as": "sigmoid",
                "restricted": units > 1, "strip": strip,
                "scores": "the unit's logit before the model's sigmoid" if strip else "log s - log(1 - s) of the unit"}
    chosen = class_indices(settings, units)
    strip = output == "softmax" and last_activation == "Softmax"
    scores = ("the logits before the model's softmax" if strip else
              "log-probabilities" if output == "softmax" else "the model's logits")
    return {"layer": (output, chosen, strip), "units": chosen, "verified_as": output, "restricted": units > len(chosen),
            "strip": strip, "scores": scores}


def _units(tensor) -> int:
    import math

    dims = tensor.shape[1:]
    if any(d is None for d in dims):
        raise ModelImportError(f"the model's output has a dynamic shape {list(tensor.shape)}")
    return int(math.prod(dims))


def assemble(source, settings: ImportSettings, layout: dict, spec, *, folder=None):
    """(the Keras model, the output mapping) for `source` (core.models.imported.sources)."""
    import keras

    from core.models.adapters import INPUT_LAYER, ClassScores, InputScaling, SavedModelCall
    from core.models.build import LOGITS_LAYER, PROBABILITIES_LAYER, SALIENCY_LAYER

    size = spec.input_size

    def front():
        image = keras.Input((size, size, 3), name="image")
        return image, InputScaling(layout["mode"], layout["channels"], layout["channels_first"], name=INPUT_LAYER)(image)

    if source.format == "savedmodel":
        name, input_name, output_name = source.signature
        image, x = front()
        raw = SavedModelCall(str(folder), name, input_name, output_name, name="savedmodel")(x)
        mapping = _mapping(settings, _units(raw), None)
        chosen_layer, markers = None, {}
    else:
        seen = []
        image, x = front()
        raw = source.apply(x, lambda key, out: seen.append((key, out)) and None, False)
        mapping = _mapping(settings, _units(raw), source.last_activation)
        chosen_layer = _saliency_choice(seen, source, settings.saliency_layer)
        markers = saliency_markers(seen, source, chosen_layer, SALIENCY_LAYER)

        def mark(key, out):
            if key in markers:
                return source.to_saliency(out, markers[key])[1]
            return None

        image, x = front()
        raw = source.apply(x, mark, mapping.get("strip", False))
    kind, units, before = mapping["layer"]
    logits = ClassScores(kind, units, before, name=LOGITS_LAYER)(raw)
    probabilities = keras.layers.Softmax(name=PROBABILITIES_LAYER)(logits)
    mapping["saliency_layer"] = chosen_layer
    mapping["saliency_layers"] = [{"layer": key, "marker": marker} for key, marker in markers.items()]
    return keras.Model(image, probabilities, name=spec.model_id), mapping


# Besides the chosen layer, the last feature map at each of this many larger scales is marked
# too, so the explorer can show a finer Grad-CAM (an earlier layer) without importing again.
MARKED_SCALES = 3


def saliency_markers(seen: list, source, chosen: str | None, default_marker: str) -> dict:
    """{layer key: marker layer name}: `chosen` marked `default_marker`, then the last feature
    map of each of the next MARKED_SCALES larger spatial sizes (earlier, finer maps), marked
    f"{default_marker}_<H>x<W>"; deepest first."""
    if chosen is None:
        return {}
    keys = [key for key, _ in seen]
    markers = {chosen: default_marker}
    sizes = {source.spatial(seen[keys.index(chosen)][1])}
    for key, tensor in reversed(seen[:keys.index(chosen)]):
        size = source.spatial(tensor)
        if size and size not in sizes and len(markers) <= MARKED_SCALES:
            sizes.add(size)
            markers[key] = f"{default_marker}_{size[0]}x{size[1]}"
    return markers


def _saliency_choice(seen: list, source, wanted: str | None) -> str | None:
    """Grad-CAM's layer: `wanted`, or the last output with a spatial map larger than 1 x 1."""
    maps = [key for key, tensor in seen if source.spatial(tensor)]
    if wanted is not None:
        if wanted not in {key for key, _ in seen}:
            raise ModelImportError(f"saliency_layer {wanted!r} is not a layer of the model; the last feature maps are "
                                   f"{', '.join(maps[-6:]) or 'none'}")
        if wanted not in maps:
            raise ModelImportError(f"saliency_layer {wanted!r} has no spatial map larger than 1 x 1; the last feature "
                                   f"maps are {', '.join(maps[-6:]) or 'none'}")
        return wanted
    return maps[-1] if maps else None
