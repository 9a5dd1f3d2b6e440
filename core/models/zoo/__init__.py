"""The model zoo: specs, building, and checkpoints on disk.

A checkpoint is two files side by side:

    <root>/<profile>/<task>/<backbone>_<variant>.keras   the Keras model (safe_mode loadable),
                                                         with its card inside (advattn_card.json)
    <root>/<profile>/<task>/<backbone>_<variant>.json    a copy of the card for people and tools:
                                                         spec, training config, metrics, history,
                                                         versions, date

The model and its card are replaced as ONE file (temporary file + rename), so a process
killed at any moment leaves the previous checkpoint, with its own card, loadable; the copy
beside it is refreshed afterwards and the card inside the model wins if they differ.
Temporary files an interrupted write leaves behind are swept at the next training start
and by Delete.

One module per idea: paths (where each file lives), cards (reading a card, a cheap look at an
archive), saving, loading, listing (the zoo page's scan, stale temporaries, deleting). Keras is
imported only where a model is built, saved or loaded: listing checkpoints stays light.
"""

from core.models.spec import ModelSpec, all_specs
from core.models.zoo.cards import CARD_FORMAT, EMBEDDED_CARD, CheckpointError, defence_epsilon, read_card
from core.models.zoo.listing import available, delete_checkpoint, scan, stale_temporaries, sweep_temporaries
from core.models.zoo.loading import load_checkpoint, load_model, load_training_state
from core.models.zoo.paths import CHECKPOINT_ROOT, card_path, checkpoint_path, user_models_root
from core.models.zoo.saving import build_model, save_checkpoint

__all__ = [
    "CARD_FORMAT", "CHECKPOINT_ROOT", "EMBEDDED_CARD", "CheckpointError", "ModelSpec", "all_specs", "available",
    "build_model", "card_path", "checkpoint_path", "defence_epsilon", "delete_checkpoint", "load_checkpoint",
    "load_model", "load_training_state", "read_card", "save_checkpoint", "scan", "stale_temporaries",
    "sweep_temporaries", "user_models_root",
]
