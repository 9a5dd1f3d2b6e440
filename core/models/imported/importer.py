"""import_model: a foreign classifier file -> a model of the user's zoo, verified."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from core.models.imported.settings import ImportSettings, ModelImportError, slug
from core.models.spec import USER_PROFILE, ModelSpec

MAX_MODEL_BYTES = 1 << 30  # 1 GiB: a file or SavedModel folder over this is refused (README, "Your own model")


def import_model(path, *, task: str, output: str, preprocessing: str, class_names=None, finding=None,
                 name: str | None = None, input_size: int | None = None, saliency_layer: str | None = None,
                 twin_of: str | None = None, root=None) -> ModelSpec:
    """Import the classifier at `path` (a `.keras` or `.h5` file, a SavedModel folder or an
    `.onnx` file) into the user's zoo under `root` (None: the repository's checkpoints/) and
    return its spec. Verified first: on synthetic images of the task, its probabilities must
    equal the original runtime's within 1e-4. ModelImportError (a ValueError) says why a file
    is refused; nothing is written then."""
    from core.models.zoo import available

    settings = ImportSettings(task=task, output=output, preprocessing=preprocessing,
                              class_names=tuple(class_names) if class_names is not None else None, finding=finding,
                              name=name, input_size=input_size, saliency_layer=saliency_layer, twin_of=twin_of)
    path = Path(path)
    _check_file(path)
    name = settings.name or slug(path.stem if path.is_file() else path.name)
    zoo = [s for s in available(USER_PROFILE, root=root) if s.task == task]
    twin = _twin(settings, zoo)
    if any(s.backbone == name for s in zoo):
        raise ModelImportError(f"an imported model named {name!r} already exists for {task}: delete it first "
                               "or choose another name")
    from core.models.imported.assemble import input_layout
    from core.models.imported.sources import open_source

    source = open_source(path)
    layout, size = input_layout(source.dims, settings, path.name)
    spec = ModelSpec(task, twin.backbone if twin else name, twin is not None, USER_PROFILE, size=size)
    return _build_verify_save(source, settings, layout, spec, path, name, root)


def _check_file(path: Path) -> None:
    if not path.exists():
        raise ModelImportError(f"no model at {path}")
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelImportError(f"{path.name} is {size / 2**20:,.0f} MiB; models up to {MAX_MODEL_BYTES >> 20:,} MiB "
                               "are imported")


def _twin(settings: ImportSettings, zoo: list[ModelSpec]) -> ModelSpec | None:
    if settings.twin_of is None:
        return None
    firsts = {s.backbone: s for s in zoo if not s.attention}
    if settings.twin_of not in firsts:
        raise ModelImportError(f"twin_of {settings.twin_of!r} is not an imported model of {settings.task} "
                               f"(imported: {', '.join(sorted(firsts)) or 'none yet'})")
    first = firsts[settings.twin_of]
    if first.twin() in zoo:
        raise ModelImportError(f"{settings.twin_of!r} already has a twin: delete it first")
    return first


def sha256(path: Path) -> str:
    """The file's SHA-256, or for a folder the SHA-256 of its files' names and contents."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _build_verify_save(source, settings, layout, spec, path, name, root) -> ModelSpec:
    from core.data import synthetic
    from core.models.imported.assemble import assemble
    from core.models.imported.verify import TOLERANCE, VERIFY_IMAGES, difference
    from core.models.zoo import checkpoint_path, load_checkpoint, save_checkpoint

    target = checkpoint_path(spec, root=root)
    kept = target.with_suffix(".savedmodel") if source.copy_from is not None else None
    staging = target.parent / f".{target.stem}.importing.savedmodel" if kept else None
    moved = False
    try:
        if kept:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(source.copy_from, staging)
        model, mapping = assemble(source, settings, layout, spec, folder=staging)
        images, labels = synthetic.generate(settings.task, VERIFY_IMAGES, size=spec.input_size, seed=0,
                                            priors="balanced")
        with tempfile.TemporaryDirectory(prefix="advattn-import-") as work:
            model.save(Path(work) / "imported.keras")
            reloaded = load_checkpoint(Path(work) / "imported.keras")
            gap = difference(reloaded, source.reference, images, layout=layout, output=mapping["verified_as"],
                             units=mapping["units"])
            preview = _preview(reloaded, images, labels, settings.task_info)
            pass_seconds = _pass_seconds(reloaded, images)
        if not gap <= TOLERANCE:
            raise ModelImportError(f"the imported model's probabilities differ from {source.runtime}'s by up to "
                                   f"{gap:.2g} on the task's images (more than {TOLERANCE:g}): the conversion is not "
                                   "exact, so the model was not imported")
        if kept:
            shutil.rmtree(kept, ignore_errors=True)
            staging.rename(kept)
            moved = True
            model, mapping = assemble(source, settings, layout, spec, folder=kept)
        card = {"imported": {
            "name": name, "source": path.name, "format": source.format, "sha256": sha256(path),
            "converter": source.converter, "reference_runtime": source.runtime,
            "max_probability_difference": gap, "verified_on": f"{VERIFY_IMAGES} synthetic {settings.task} images",
            "output": settings.output, "preprocessing": settings.preprocessing,
            "input": {**layout, "size": spec.input_size},
            "class_names": list(settings.class_names) if settings.class_names else None, "finding": settings.finding,
            "restricted": mapping["restricted"], "scores": mapping["scores"], "twin_of": settings.twin_of,
            "saliency_layer": mapping["saliency_layer"], "saliency_layers": mapping["saliency_layers"], "preview": preview, "pass_seconds": pass_seconds,
        }}
        save_checkpoint(model, spec, root=root, card=card)
    except BaseException:  # nothing of a refused or interrupted import stays
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if moved:
            shutil.rmtree(kept, ignore_errors=True)
        raise
    return spec


def _preview(model, images, labels, task) -> list[dict]:
    """The imported model's clean answers on the synthetic images it was checked on (shown on
    its card, which says plainly that these are not its data)."""
    import numpy as np

    probabilities = np.asarray(model(images, training=False))
    return [{"true": task.classes[int(label)], "predicted": task.classes[int(p.argmax())],
             "probability": round(float(p.max()), 4)} for p, label in zip(probabilities, labels)]


def _pass_seconds(model, images) -> float:
    """Seconds per image of one compiled forward+backward pass on this machine, at a batch of
    the verification images, after a warm call: what the curves page prices an evaluation at."""
    import time

    import numpy as np
    import tensorflow as tf

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.math.log(model(x, training=False) + 1e-12))
        return tape.gradient(loss, x)

    batch = tf.constant(images)
    step(batch)
    started = time.perf_counter()
    np.asarray(step(batch))
    return round((time.perf_counter() - started) / len(images), 6)
