"""python -m core.explain.audit --task T: audit every saliency method on the task's models and
save the result beside each checkpoint (core.explain.audit holds the audit itself). An entry
point: it draws each model's test images through core.evaluate, which core.explain must not
import (core.evaluate's packages import core.explain)."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone

from core.atomic import write_json
from core.explain.audit import AUDIT_IMAGES, GROUNDING_IMAGES, audit_model, audit_path
from core.tasks import TASKS


def run(spec, *, root=None, n: int = AUDIT_IMAGES) -> dict:
    """Audit every method of the registry on `spec`'s checkpoint and save the result."""
    from core.evaluate import evaluation_data
    from core.explain import METHODS
    from core.models.zoo import load_model

    started = time.monotonic()
    model = load_model(spec, root=root)
    images, labels, description = evaluation_data(spec, n=n)
    epsilon = spec.task_info.middle_epsilon
    result = {"model_id": spec.model_id, "data": description, "n": int(len(labels)),
              "methods": audit_model(model, images, labels, methods=METHODS, epsilon=epsilon),
              "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    from core.data import synthetic

    if description.startswith("synthetic"):  # the demo's ground truth exists:
        from core.explain.grounding import grounding_rates  # does each map point at the finding?

        images, labels, truth = synthetic.split(spec.task, "test", GROUNDING_IMAGES, size=spec.input_size,
                                                with_truth=True)
        result["localisation"] = grounding_rates(model, images, labels, truth, methods=METHODS,
                                                 epsilons=spec.task_info.epsilons)
        result["localisation_images"] = GROUNDING_IMAGES
    result["seconds"] = round(time.monotonic() - started, 1)
    write_json(audit_path(spec, root=root), result, compact=True)
    return result


def main(argv=None) -> int:
    from core.models.backbones import PROFILES
    from core.models.zoo import available

    parser = argparse.ArgumentParser(prog="python -m core.explain.audit", description="audit every saliency method on a task's models")
    parser.add_argument("--task", required=True, choices=list(TASKS))
    parser.add_argument("--profile", choices=list(PROFILES), default="demo")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    parser.add_argument("--n", type=int, default=AUDIT_IMAGES)
    args = parser.parse_args(argv)
    for spec in (s for s in available(args.profile, root=args.root) if s.task == args.task):
        result = run(spec, root=args.root, n=args.n)
        badges = ", ".join(f"{name} {m['sanity']['status']}/{m['faithfulness']['status']}"
                           for name, m in result["methods"].items())
        print(f"{spec.model_id} ({result['seconds']:.0f} s): {badges}", flush=True)
    return 0


if __name__ == "__main__":
    from core.jobs import run_cli

    raise SystemExit(run_cli(main))
