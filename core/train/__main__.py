"""python -m core.train (see core.train.cli)."""

from core.jobs import run_cli
from core.train.cli import main

raise SystemExit(run_cli(main))
