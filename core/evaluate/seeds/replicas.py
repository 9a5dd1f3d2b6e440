"""The replicas of a seed study: each of a task's four configurations trained again with other
seeds (ModelSpec.seed, same data and recipe), found by their cards (their weights need not be
bundled)."""

from __future__ import annotations

from core.models.backbones import FAMILIES
from core.models.spec import ModelSpec

STUDY_SEEDS = (0, 1, 2)  # the minimum: three trained models per configuration


def replica_specs(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo") -> list[ModelSpec]:
    """The paper's four configurations of `task`, each at every training seed of `seeds`."""
    seeds = sorted({int(s) for s in seeds})
    if len(seeds) < 2:
        raise ValueError(f"a seed study needs at least 2 training seeds, got {seeds}")
    return [ModelSpec(task, family, attention, profile, seed=seed)
            for seed in seeds for family in FAMILIES for attention in (False, True)]



def train_command(task: str, seed: int, profile: str = "demo") -> str:
    """How to train the replicas of `task` at `seed` (the demo zoo's recipe, the same split)."""
    zoo = "--demo-zoo " if profile == "demo" else f"--profile {profile} "
    return f"python -m core.train {zoo}--task {task} --seed {seed} --split-seed 0"



def replica_cards(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo", root=None) -> dict[ModelSpec, dict | None]:
    """{replica: its card}, None where neither its weights nor its card are here (the card
    says whether training is done: a replica still training has a checkpoint on disk)."""
    from core.models.zoo import CheckpointError, card_path, checkpoint_path, read_card

    cards = {}
    for spec in replica_specs(task, seeds, profile=profile):
        checkpoint = checkpoint_path(spec, root=root)
        try:
            found = checkpoint.is_file() or card_path(checkpoint).is_file()
            cards[spec] = read_card(checkpoint) if found else None
        except CheckpointError:
            cards[spec] = None
    return cards


def training_status(card: dict | None) -> str | None:
    """"done", "training", "cancelled", ... (cards older than the status field: done); None
    without a card."""
    return None if card is None else card.get("status", "done")


def trained_replicas(task: str, seeds=STUDY_SEEDS, *, profile: str = "demo", root=None) -> list[ModelSpec]:
    """The replicas whose training is done (their weights may be gone: not bundled)."""
    return [spec for spec, card in replica_cards(task, seeds, profile=profile, root=root).items()
            if training_status(card) == "done"]

