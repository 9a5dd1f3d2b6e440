"""RunKind: what every kind of saved run is, so that the store, the command line and the
pages treat them alike."""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Callable


@dataclass(frozen=True)
class RunKind:
    """One kind of run: its settings type, its key, how it runs a model, how it compares twins,
    how it summarises a result in one line."""

    name: str  # the command line's subcommand: "grid", "fmn", ...
    title: str  # what a person reads
    prefix: str  # its saved files' key prefix (core.store.run_key; "" for the grid curve, as it always was)
    settings: type  # a frozen dataclass with material(): the dict its key hashes
    run: Callable  # run(spec, settings, *, images, labels, root=None, results_root=None) -> the saved result
    compare: Callable | None  # compare(attentive result, vanilla result) -> the twin test (None: no twin test)
    summarise: Callable  # summarise(result) -> one line
    # The evaluation command line's flag that selects this kind (None: the grid, its default),
    # each settings field's flag there, and the subcommand's own flags it renames
    # (python -m core.evaluate KIND ...: core.cli.subcommands).
    mode_flag: str | None = None
    field_flags: dict = field(default_factory=dict)
    renamed: dict = field(default_factory=dict)
    # Settings the command line works out itself (from the task, --data, the protocol), not flags.
    implied: tuple = ("data",)

    def key(self, settings) -> str:
        """The saved file's key for `settings` (core.store.run_key)."""
        from core.store import run_key

        if not isinstance(settings, self.settings):
            raise TypeError(f"the {self.name} run takes {self.settings.__name__}, got {type(settings).__name__}")
        return run_key(self.prefix, settings.material())

    def load(self, spec, settings, *, root=None, results_root=None) -> dict | None:
        """The saved result of `spec` under `settings`, or None."""
        from core.store import load

        return load(spec, self.key(settings), root=root, results_root=results_root)

    def settings_from(self, values: dict):
        """`settings` from a plain dict (a JSON file, the command line's flags); ValueError naming
        an unknown field."""
        fields = set(self.settings.__dataclass_fields__)
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ValueError(f"the {self.name} run has no setting {unknown[0]!r}; it takes {sorted(fields)}")
        return self.settings(**values)

    @staticmethod
    def settings_dict(settings) -> dict:
        return asdict(settings)

    def arguments(self, settings) -> list[str]:
        """The evaluation command line's flags that run this kind with `settings` (what the app's
        jobs pass: python -m core.evaluate plus these, the task's and the models'). The images'
        description is not a flag: the task and --data decide it."""
        if not isinstance(settings, self.settings):
            raise TypeError(f"the {self.name} run takes {self.settings.__name__}, got {type(settings).__name__}")
        values = asdict(settings)
        for known in fields(settings):
            unset = known.default is MISSING or values[known.name] == known.default
            if known.name not in self.field_flags and known.name not in self.implied and not unset:
                raise ValueError(f"the command line cannot set the {self.name} run's {known.name} "
                                 f"({values[known.name]!r}; it runs {known.default!r})")
        flags = [] if self.mode_flag is None or self.mode_flag in self.field_flags.values() else [self.mode_flag]
        for name, flag in self.field_flags.items():
            value = values[name]
            flags += [flag, *map(str, value)] if isinstance(value, (tuple, list)) else [flag, str(value)]
        return flags


def kind_of(settings) -> RunKind:
    """The registered kind whose settings type `settings` is; TypeError for another object."""
    from core.runs import RUN_KINDS

    for kind in RUN_KINDS.values():
        if isinstance(settings, kind.settings):
            return kind
    raise TypeError(f"{type(settings).__name__} is not the settings of any kind of run")
