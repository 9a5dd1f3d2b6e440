"""python -m core.models.imported PATH --task TASK --output OUTPUT --preprocessing MODE [...]

Imports a Keras (.keras, .h5), SavedModel or ONNX classifier into the user's zoo (see
core.models.imported.import_model); prints the model's id and its verification, or one
line saying why it was refused."""

from __future__ import annotations

import argparse
import sys

from core.models.imported.settings import OUTPUTS, PREPROCESSINGS
from core.tasks import TASKS


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m core.models.imported", description=__doc__.split("\n\n")[1])
    cli.add_argument("path", help="a .keras or .h5 file, a SavedModel folder or an .onnx file")
    cli.add_argument("--task", choices=list(TASKS), required=True)
    cli.add_argument("--output", choices=list(OUTPUTS), required=True, help="what the model's last tensor holds")
    cli.add_argument("--preprocessing", choices=list(PREPROCESSINGS), required=True,
                     help="what the model expects: " + "; ".join(f"{k} = {v}" for k, v in PREPROCESSINGS.items()))
    cli.add_argument("--class-names", help="the model's output order, comma-separated (default: the task's)")
    cli.add_argument("--finding", help="a multi-label sigmoid head's unit for the task (index or name)")
    cli.add_argument("--name", help="the name it is listed by (default: from the file's name)")
    cli.add_argument("--input-size", type=int, help="the input size, where the model accepts any")
    cli.add_argument("--saliency-layer", help="Grad-CAM's layer (default: the last with a spatial map > 1 x 1)")
    cli.add_argument("--twin-of", help="an imported model of the task this one is the twin of")
    cli.add_argument("--root", help="the user's models folder (default: $ADVATTN_USER_MODELS or checkpoints/user)")
    cli.add_argument("--progress-file", help=argparse.SUPPRESS)  # a job of the app (core.jobs)
    cli.add_argument("--cancel-file", help=argparse.SUPPRESS)  # an import is not cancelled midway: nothing to keep
    return cli


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    from core.jobs import ProgressWriter
    from core.models.imported import ModelImportError, import_model
    from core.models.zoo import checkpoint_path, read_card

    progress = ProgressWriter(args.progress_file)
    progress.update(stage="importing", model=args.name or args.path)
    try:
        spec = import_model(args.path, task=args.task, output=args.output, preprocessing=args.preprocessing,
                            class_names=[n for n in args.class_names.split(",")] if args.class_names else None,
                            finding=args.finding, name=args.name, input_size=args.input_size,
                            saliency_layer=args.saliency_layer, twin_of=args.twin_of, root=args.root)
    except ModelImportError as error:
        print(f"error: {error}", file=sys.stderr)
        progress.finish("failed", message=str(error))
        return 2
    card = read_card(checkpoint_path(spec, root=args.root))["imported"]
    summary = (f"imported {spec.model_id} ({spec.title}): {card['format']} via {card['converter']}; largest "
               f"probability difference from {card['reference_runtime']}: {card['max_probability_difference']:.1e} "
               f"on {card['verified_on']}; SHA-256 {card['sha256']}")
    print(summary)
    progress.finish("done", message=summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
