"""python -m core.evaluate (see core.cli.evaluate)."""

from core.cli.evaluate import main
from core.jobs import run_cli

raise SystemExit(run_cli(main))
