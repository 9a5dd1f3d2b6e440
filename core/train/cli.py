"""python -m core.train: train one model, or the bundled demo zoo."""

from __future__ import annotations

import argparse
from dataclasses import fields, replace
from pathlib import Path

from core.jobs import ProgressWriter
from core.models.backbones import PROFILES
from core.models.spec import ModelSpec, all_specs
from core.tasks import TASKS
from core.train.config import DEMO_ZOO_CONFIG, TrainConfig
from core.train.training import train


def add_config_arguments(parser: argparse.ArgumentParser, defaults: TrainConfig) -> None:
    """One --option per TrainConfig field (--learning-rate 0.01 ...), typed by its default."""
    for f in fields(TrainConfig):
        default = getattr(defaults, f.name)
        flag = "--" + f.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, type=lambda v: v.lower() in ("1", "true", "yes"), default=None,
                                metavar="BOOL")
        else:
            kind = type(default) if default is not None else {"epoch_fraction": float, "split_seed": int}.get(f.name, str)
            parser.add_argument(flag, type=kind, default=None, metavar=kind.__name__.upper())


def config_from_arguments(args, base: TrainConfig) -> TrainConfig:
    """`base` with every option the user gave on the command line."""
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name) is not None}
    return replace(base, **given)


def demo_zoo_specs(task: str | None = None, backbone: str | None = None) -> list[ModelSpec]:
    """The bundled zoo's models, of one task and one backbone where given (a backbone's
    vanilla and attentive twins train in one process while another trains the other's)."""
    return [spec for spec in all_specs("demo", task) if backbone in (None, spec.backbone)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.train", description="Train zoo models "
                                     "(defaults: the paper's recipe, section 3.3).")
    parser.add_argument("--task", choices=list(TASKS))
    parser.add_argument("--backbone", choices=["resnet50", "inception_resnet_v2"])
    parser.add_argument("--attention", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--profile", choices=list(PROFILES), default="demo")
    parser.add_argument("--demo-zoo", action="store_true",
                        help="train the 12 demo models with DEMO_ZOO_CONFIG (the bundled zoo); with --task, "
                             "that task's 4; with --backbone, that backbone's twins (one process per core)")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--resume", action="store_true", help="continue from the last finished epoch")
    parser.add_argument("--config", type=Path, help="a TrainConfig as JSON (TrainConfig.to_dict); flags given "
                        "beside it override its fields")
    parser.add_argument("--progress-file", type=Path, help="write progress JSON here (for jobs)")
    parser.add_argument("--cancel-file", type=Path, help="stop cleanly when this file appears")
    add_config_arguments(parser, TrainConfig())
    args = parser.parse_args(argv)
    if args.demo_zoo:
        specs, base = demo_zoo_specs(args.task, args.backbone), DEMO_ZOO_CONFIG
    elif args.task and args.backbone:
        specs, base = [ModelSpec(args.task, args.backbone, args.attention, args.profile)], TrainConfig()
    else:
        parser.error("give --task and --backbone, or --demo-zoo")
    if args.config is not None:
        import json

        try:
            base = TrainConfig.from_dict(json.loads(args.config.read_text()))
        except (OSError, json.JSONDecodeError) as error:
            parser.error(f"--config {args.config}: {error}")
    config = config_from_arguments(args, base)
    # a defended model has its own id, and so has a replica trained with another seed
    specs = [replace(spec, defence=config.defence, seed=config.seed) for spec in specs]
    writer = ProgressWriter(args.progress_file)
    cancel = (lambda: args.cancel_file.exists()) if args.cancel_file else None
    for index, spec in enumerate(specs, start=1):
        print(f"[{index}/{len(specs)}] {spec.model_id}", flush=True)

        def progress(event, spec=spec):
            writer.update(model=spec.model_id, **event)
            if event["phase"] == "epoch":
                print(f"  epoch {event['epoch']:3d}  loss {event['loss']:.4f}  acc {event['accuracy']:.3f}  "
                      f"val_loss {event['val_loss']:.4f}  val_acc {event['val_accuracy']:.3f}  "
                      f"{event['elapsed_s']:.0f}s", flush=True)

        card = train(spec, config, root=args.root, progress=progress, cancel=cancel, resume=args.resume)
        metrics = card.get("metrics", {})
        auc = f", AUC {metrics['auc']:.3f}" if "auc" in metrics else ""
        print(f"  {card['status']}: test accuracy {metrics.get('clean_accuracy', float('nan')):.3f} "
              f"({metrics.get('weighting', 'plain')}; balanced {metrics.get('balanced_accuracy', float('nan')):.3f}"
              f"{auc}) after {card.get('epochs_trained', 0)} epochs -> {card['checkpoint']}", flush=True)
        if card["status"] == "cancelled":
            writer.finish("cancelled", message="cancelled by the user")
            return 0
    writer.finish("done", message=f"trained {len(specs)} model(s)")
    return 0

