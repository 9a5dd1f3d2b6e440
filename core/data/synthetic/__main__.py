"""python -m core.data.synthetic: preview the synthetic images, or write the gallery."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2

from core.data.synthetic import preview_grid, write_gallery
from core.tasks import TASKS, get_task


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Preview synthetic images, or write the gallery.")
    parser.add_argument("--task", required=True, choices=list(TASKS))
    parser.add_argument("--preview", type=Path, help="write a grid (one row per class) to this PNG")
    parser.add_argument("--gallery", type=Path, help="write the fixed examples under this folder")
    parser.add_argument("--per-class", type=int, default=6)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args(argv)
    if not args.preview and not args.gallery:
        parser.error("give --preview PNG and/or --gallery FOLDER")
    if args.preview:
        grid = preview_grid(args.task, per_class=args.per_class, size=args.size)
        cv2.imwrite(str(args.preview), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        print(f"wrote {args.preview}: rows are {', '.join(get_task(args.task).classes)}")
    if args.gallery:
        paths = write_gallery(args.task, args.gallery, per_class=args.per_class, size=args.size)
        print(f"wrote {len(paths)} examples under {args.gallery / args.task}")


if __name__ == "__main__":
    main()
