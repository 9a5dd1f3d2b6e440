"""python -m core.evaluate: every kind of run from the command line, one subcommand each
(core.runs.RUN_KINDS; core.cli.subcommands writes them into the flags below).

    python -m core.evaluate grid --task derm                 the 4 demo models, strong protocol
    python -m core.evaluate grid --task derm --preset paper  the paper's protocol
    python -m core.evaluate fmn --task derm                  each image's smallest adversarial epsilon
    python -m core.evaluate corruptions --task cxr           accuracy under every natural corruption
    python -m core.evaluate patches --task derm --n 100      how often an adversarial patch fools, per area
    python -m core.evaluate mechanism --task cxr             margins, gradients, curvature, CLEVER, loss surfaces
    python -m core.evaluate seeds 0 1 2 --task derm          attention's effect across training seeds
    python -m core.evaluate --task cxr --profile paper --data /data/cxr14 --data-format chestxray14
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from core.attacks import LOSSES, PAPER_REL_STEPSIZE
from core.evaluate.data import evaluation_data, training_config
from core.evaluate.corruption import evaluate_corruptions
from core.evaluate.minimum_norm import evaluate_minimum_norm
from core.evaluate.model import escalation_start, evaluate_model
from core.evaluate.presets import DEFAULT_PRESET, PRESETS, Preset, custom_pgd
from core.evaluate.results import load_results
from core.cli.reports import (corruptions_report, mechanism_report, minimum_norm_report, report, seed_study_report,
                              twins_report)
from core.jobs import Cancelled, ProgressWriter, run_cli
from core.models.backbones import PROFILES
from core.models.spec import DEFENCES, USER_PROFILE, ModelSpec, all_specs
from core.tasks import TASKS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.evaluate", description="Robustness curves.")
    parser.add_argument("--task", required=True, choices=list(TASKS))
    parser.add_argument("--profile", choices=[*PROFILES, USER_PROFILE], default="demo",
                        help="'user': the models imported with python -m core.models.imported")
    parser.add_argument("--model", action="append", help="model id(s), defended models and seed replicas "
                        "included (e.g. demo-cxr-resnet50-attention-pgdat-seed1); default: the task's four and "
                        "its trained defended models")
    parser.add_argument("--data", default="synthetic")
    parser.add_argument("--data-format", default="synthetic")
    parser.add_argument("--n", type=int, help="test images (default: the whole test split)")
    parser.add_argument("--epsilons", type=float, nargs="+", help="default: the task's paper grid")
    parser.add_argument("--preset", choices=[*PRESETS, "custom"], default=DEFAULT_PRESET,
                        help="strong (default): worst case over PGD, APGD and Square; paper: the paper's "
                             "PGD; paper-softmax: the same on the softmax output; custom: PGD with --steps ...")
    parser.add_argument("--norm", choices=["linf", "l2"], default="linf",
                        help="the threat model: linf (the paper's) or l2 (the protocol's L2 counterpart, e.g. "
                             "strong-l2, on the task's L2 grid: each ε's length over a lesion-sized square)")
    parser.add_argument("--steps", type=int, default=40, help="custom: PGD steps")
    parser.add_argument("--rel-stepsize", type=float, default=PAPER_REL_STEPSIZE,
                        help="custom: step as a share of epsilon (paper: 1/30; 2.5/steps reaches the edge)")
    parser.add_argument("--restarts", type=int, default=1, help="custom: random restarts")
    parser.add_argument("--loss", choices=list(LOSSES), default="ce", help="custom: the loss")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset-file", type=Path, help="an evaluation protocol as JSON (Preset.to_dict): "
                        "used instead of --preset and the custom flags")
    parser.add_argument("--fmn", action="store_true",
                        help="instead of the grid: each image's smallest adversarial epsilon (L-inf Fast Minimum "
                             "Norm), which gives the whole curve from one run")
    parser.add_argument("--fmn-steps", type=int, default=100, help="--fmn: iterations per image")
    parser.add_argument("--patches", action="store_true",
                        help="instead of L-inf attacks: how often an adversarial patch of 1, 2, 4 and 8 %% of the "
                             "image fools each model, placed where the task's artefacts sit (core.attacks.patch)")
    parser.add_argument("--universal-patch", action="store_true",
                        help="instead of L-inf attacks: one patch per model and area, learnt on the validation split "
                             "(200 images), pasted on the held-out test images (core.attacks.universal)")
    parser.add_argument("--patch-steps", type=int, default=100, help="sign-gradient steps per patch location")
    parser.add_argument("--corruptions", nargs="*", metavar="NAME",
                        help="instead of attacks: accuracy under natural corruptions at severities 1-5 "
                             "(core.corruptions; no name: every one of the task)")
    parser.add_argument("--mechanism", action="store_true",
                        help="instead of attacks: why a model is easy or hard to fool (core.mechanism): logit margins "
                             "clean and under attack, input-gradient norms, curvature, CLEVER's local Lipschitz "
                             "estimate, attention entropy and loss surfaces, twins compared")
    parser.add_argument("--mechanism-epsilon", type=float, help="--mechanism: the ε (default: the grid's middle)")
    parser.add_argument("--seed-study", type=int, nargs="+", metavar="SEED",
                        help="architecture or seed? the twins' difference across these training seeds (replicas "
                             "trained with python -m core.train --demo-zoo --seed S --split-seed 0): each replica's "
                             "minimum-norm run and its strong result where seed 0's twins are half fooled "
                             "(evaluated where missing), then the mean difference over seeds with its t-interval")
    parser.add_argument("--saved-only", action="store_true",
                        help="--seed-study: evaluate nothing, study the results already saved")
    parser.add_argument("--no-checks", action="store_true")
    parser.add_argument("--force", action="store_true",
                        help="evaluate again even where results for exactly these settings are saved")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--results-root", help="write results here (default: beside each checkpoint)")
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="spread the shards over Ray: 'local' (start Ray here), 'auto' (the running cluster) "
                             "or a cluster address such as ray://head:10001")
    parser.add_argument("--workers", type=int, default=2, help="with --ray: actors (one per GPU or CPU slot)")
    parser.add_argument("--progress-file", type=Path)
    parser.add_argument("--cancel-file", type=Path)
    return parser


def _preset(args):
    if args.preset_file is not None:
        import json

        return Preset.from_dict(json.loads(args.preset_file.read_text()))
    if args.preset == "custom":
        return custom_pgd(steps=args.steps, rel_stepsize=args.rel_stepsize, loss=args.loss,
                          restarts=args.restarts, seed=args.seed, norm=args.norm)
    from dataclasses import replace

    from core.evaluate.presets import for_norm

    return replace(PRESETS[for_norm(args.preset, args.norm)], seed=args.seed)


def _grid(args, spec, attack) -> list[float]:
    """--epsilons, else the task's grid in the protocol's threat model (its L2 radii for L2)."""
    if args.epsilons:
        return list(args.epsilons)
    if attack.norm == "l2":
        from core.attack_settings import l2_grid

        return list(l2_grid(spec.task_info.epsilons, spec.input_size))
    return list(spec.task_info.epsilons)


def selected_specs(profile: str, task: str, model_ids=None, *, root=None) -> list[ModelSpec]:
    """The models `--model` names (any defence, any training seed), in the order given; without
    ids, the task's four undefended models and every defended one trained under `root`."""
    from dataclasses import replace

    from core.models.zoo import available

    if profile == USER_PROFILE:  # imported models: whichever the user's zoo holds
        imported = [s for s in available(profile, root=root) if s.task == task]
        return [s for s in imported if not model_ids or s.model_id in model_ids]
    if not model_ids:
        defended = [s for s in available(profile, root=root) if s.task == task and s.defence != "none"]
        return all_specs(profile, task) + defended
    known = {s.model_id: s for s in all_specs(profile, task, defences=tuple(DEFENCES))}
    found = []
    for model_id in model_ids:
        base, _, seed = model_id.rpartition("-seed")
        if base in known and seed.isdigit():
            found.append(replace(known[base], seed=int(seed)))
        elif model_id in known:
            found.append(known[model_id])
    return found


def main(argv=None) -> int:
    from core.cli.subcommands import is_subcommand, to_flags

    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if is_subcommand(argv):  # python -m core.evaluate fmn --task derm ...: the kind's flags (core.cli.subcommands)
        try:
            argv = to_flags(argv)
        except ValueError as error:
            parser.error(str(error))
    args = parser.parse_args(argv)
    if args.seed_study:
        from core.evaluate.seeds import evaluate_seed_study

        print(seed_study_report(evaluate_seed_study(
            args.task, args.seed_study, n=args.n, profile=args.profile, root=args.root,
            results_root=args.results_root, fmn_steps=args.fmn_steps, with_checks=not args.no_checks,
            evaluate=not args.saved_only, log=lambda line: print(line, flush=True))), flush=True)
        return 0
    specs = selected_specs(args.profile, args.task, args.model, root=args.root)
    unknown = [m for m in args.model or () if m not in {s.model_id for s in specs}]
    if unknown or not specs:
        parser.error(f"no {args.profile} model of {args.task} is called {', '.join(unknown or args.model)}")
    attack = _preset(args)
    writer = ProgressWriter(args.progress_file)
    cancel = (lambda: args.cancel_file.exists()) if args.cancel_file else None
    started = time.monotonic()
    pool, curves = None, {}  # the grid curves evaluated or found: their twins are tested at the end
    try:
        if args.ray:
            from core.evaluate.distributed import RayPool

            pool = RayPool(args.ray, workers=args.workers, root=args.root)
        for index, spec in enumerate(specs):
            images, labels, description = evaluation_data(spec, data=args.data, data_format=args.data_format,
                                                          n=args.n, config=training_config(spec, args.root),
                                                          lazy=True)
            if args.mechanism:
                from core.mechanism import evaluate_mechanism

                print(mechanism_report(spec, evaluate_mechanism(
                    spec, images[:len(labels)], labels, data=description, epsilon=args.mechanism_epsilon,
                    seed=args.seed, root=args.root, results_root=args.results_root)), flush=True)
                continue
            if args.patches:
                from core.evaluate.patches import evaluate_patches
                from core.runs import RUN_KINDS

                result = evaluate_patches(spec, images[:len(labels)], labels, data=description, steps=args.patch_steps,
                                          seed=args.seed, root=args.root, results_root=args.results_root)
                print(f"{spec.model_id} ({result['n']} images): {RUN_KINDS['patches'].summarise(result)}", flush=True)
                continue
            if args.universal_patch:
                from core.evaluate.universal import LEARNT_ON, evaluate_universal
                from core.runs import RUN_KINDS

                learn_images, learn_labels, learnt_on = evaluation_data(
                    spec, data=args.data, data_format=args.data_format, n=LEARNT_ON, split="val")
                result = evaluate_universal(spec, learn_images, learn_labels, images[:len(labels)], labels,
                                            data=description, learnt_on=learnt_on, steps=args.patch_steps,
                                            seed=args.seed, root=args.root, results_root=args.results_root)
                print(f"{spec.model_id} ({result['n']} images): {RUN_KINDS['universal'].summarise(result)}",
                      flush=True)
                continue
            saved = None if args.force or args.fmn or args.corruptions is not None else load_results(
                spec, data=description, n=len(labels), epsilons=_grid(args, spec, attack),
                attack=attack, root=args.root, results_root=args.results_root)
            start_factor = escalation_start(saved) if saved is not None else None
            if saved is not None and (args.no_checks or "checks" in saved) and start_factor is None:
                print(f"{spec.model_id}: already evaluated with these settings (--force to run again)", flush=True)
                curves[spec] = saved
                continue
            if start_factor is not None:
                print(f"{spec.model_id}: the saved result did not converge (doubling check); running it again with "
                      f"{start_factor} x the iterations", flush=True)
            if args.corruptions is not None:
                print(corruptions_report(spec, evaluate_corruptions(
                    spec, images[:len(labels)], labels, data=description, names=args.corruptions or None,
                    seed=args.seed, root=args.root, results_root=args.results_root)), flush=True)
                continue
            if args.fmn:
                def counted(done, total, index=index, spec=spec):
                    writer.update(model=spec.model_id, done=round(index + done / total, 4), total=len(specs))

                print(minimum_norm_report(spec, evaluate_minimum_norm(
                    spec, images, labels, data=description, steps=args.fmn_steps, root=args.root,
                    results_root=args.results_root, progress=counted, cancel=cancel)), flush=True)
                continue
            images_before = index * len(labels)

            def progress(done, total, index=index, spec=spec, images_before=images_before, count=len(labels), **_):
                finished = index + done / total
                elapsed = time.monotonic() - started
                eta = elapsed * (len(specs) - finished) / finished if finished else None
                writer.update(model=spec.model_id, done=round(finished, 4), total=len(specs),
                              shards_done=int(done), shards_total=int(total),
                              images_per_s=round((images_before + count * done / total) / elapsed, 2) if elapsed else 0,
                              eta_s=None if eta is None else round(eta, 1))

            result = evaluate_model(spec, images, labels, data=description, epsilons=_grid(args, spec, attack),
                                    attack=attack,
                                    with_checks=not args.no_checks, root=args.root, start_factor=start_factor or 1,
                                    results_root=args.results_root, progress=progress, cancel=cancel, pool=pool)
            print(report(spec, result), flush=True)
            curves[spec] = result
        if curves and (twins := twins_report(curves)):
            print(f"\n{twins}", flush=True)
    except Cancelled:
        writer.finish("cancelled", message="cancelled by the user")
        return 0
    finally:
        if pool is not None:
            pool.shutdown()
    writer.finish("done", message=f"evaluated {len(specs)} model(s) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_cli(main))
