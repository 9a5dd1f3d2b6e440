"""python -m core.ood --demo-zoo: (re)compute the out-of-distribution statistics of the 12
bundled demo models from their synthetic training and validation splits (models you train get
theirs at the end of training). An entry point: it reads the demo zoo's training configuration,
which core.ood itself must not import (core.train imports core.ood)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.ood import fit, save


def fit_demo_zoo(root=None) -> list[Path]:
    """Statistics for the bundled demo models, from their synthetic training and validation splits."""
    from core.data import synthetic
    from core.models.zoo import all_specs, checkpoint_path, load_model
    from core.train.config import DEMO_ZOO_CONFIG

    written = []
    for spec in all_specs("demo"):
        images, labels = synthetic.split(spec.task, "train", DEMO_ZOO_CONFIG.synthetic_train, size=spec.input_size)
        held_out, _ = synthetic.split(spec.task, "val", DEMO_ZOO_CONFIG.synthetic_val, size=spec.input_size)
        stats = fit(load_model(spec, root=root), images, labels, held_out)
        written.append(save(stats, checkpoint_path(spec, root=root)))
        print(f"{spec.model_id}: threshold {stats.threshold:.2f} ({stats.means.shape[1]} features)", flush=True)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.ood", description="out-of-distribution statistics of the demo zoo")
    parser.add_argument("--demo-zoo", action="store_true", help="the 12 bundled demo models")
    parser.add_argument("--root", help="checkpoint folder (default: the repository's checkpoints/)")
    args = parser.parse_args(argv)
    if not args.demo_zoo:
        parser.error("give --demo-zoo (models you train get their statistics at the end of training)")
    fit_demo_zoo(args.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
