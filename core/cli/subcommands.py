"""`python -m core.evaluate KIND ...`: one subcommand per kind of run (core.runs.RUN_KINDS),
each taking its settings as flags or as one JSON file (--settings run.json, the fields of the
kind's settings type).

    python -m core.evaluate grid --task derm --n 200 [--preset paper] [--epsilons ...]
    python -m core.evaluate fmn --task derm --n 200 [--steps 100]
    python -m core.evaluate corruptions --task cxr [--corruptions gaussian_noise motion_blur]
    python -m core.evaluate mechanism --task cxr [--epsilon 0.04] [--seed 1]
    python -m core.evaluate seeds 0 1 2 --task derm
    python -m core.evaluate fmn --task derm --settings fmn.json

A subcommand is written into the flags of the evaluation's command line (core.cli.evaluate),
which runs every kind with its progress, cancellation, Ray and escalation; the old flags
(--fmn, --corruptions, --mechanism, --seed-study) still work.
"""

from __future__ import annotations

import json
from pathlib import Path

def is_subcommand(argv) -> bool:
    from core.runs import RUN_KINDS

    return bool(argv) and argv[0] in RUN_KINDS


def to_flags(argv: list[str]) -> list[str]:
    """The evaluation's flags for `KIND [args...]` (each kind's mode_flag, field_flags and
    renamed: core.runs.kind.RunKind); ValueError naming a setting the kind does not have."""
    from core.runs import RUN_KINDS

    kind, rest = RUN_KINDS[argv[0]], list(argv[1:])
    flag, fields = kind.mode_flag, kind.field_flags
    if "--settings" in rest:
        at = rest.index("--settings")
        if at + 1 >= len(rest):
            raise ValueError("--settings needs the path of a JSON file")
        rest[at:at + 2] = _settings_flags(kind.name, Path(rest[at + 1]), fields)
    rest = [kind.renamed.get(arg, arg) for arg in rest]
    if kind.name == "seeds":  # seeds 0 1 2 --task derm: the leading numbers are the seeds
        seeds = []
        while rest and rest[0].isdigit():
            seeds.append(rest.pop(0))
        return [*rest, flag, *seeds] if seeds else rest
    if flag is None or flag in rest:
        return rest
    return [*rest, flag]


def _settings_flags(kind: str, path: Path, fields: dict) -> list[str]:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read the settings file {path}: {error}") from None
    if not isinstance(values, dict):
        raise ValueError(f"{path} must hold one JSON object of settings")
    flags = []
    for name, value in values.items():
        if name not in fields:
            raise ValueError(f"the {kind} run has no setting {name!r}; it takes {sorted(fields)}")
        flags.append(fields[name])
        flags += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return flags
