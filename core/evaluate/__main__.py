"""python -m core.evaluate (see core.evaluate.cli)."""

from core.evaluate.cli import main
from core.jobs import run_cli

raise SystemExit(run_cli(main))
