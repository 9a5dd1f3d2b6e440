"""Training as the paper did it (section 3.3), for any model of the zoo.

    python -m core.train --task derm --backbone resnet50 --attention          one model
    python -m core.train --demo-zoo                                            the 12 demo models

Defaults are the paper's: Adam(lr 0.01, epsilon 0.1), categorical cross-entropy, class
weights inverse to class frequency, at most 300 epochs, early stopping on validation loss
(patience 40, min_delta 0.001, best weights restored), and derm sees 10 % of its training
set per epoch. Every value can be overridden; the config is saved in the checkpoint card
with the history and the final metrics. The best model so far is checkpointed atomically
after every improving epoch, so a killed run leaves a loadable model; `resume=True` picks
up a run from its last finished epoch. Several GPUs (MirroredStrategy) or machines
(MultiWorkerMirroredStrategy from TF_CONFIG) are used through tf.distribute.
"""

from core.lazy import lazy_exports

# Imported on first use: the configuration is read by the app's training form without
# TensorFlow; the training loop needs it.
__getattr__, __dir__ = lazy_exports(__name__, {
    "config": ["DEMO_ZOO_CONFIG", "PAPER_EPOCH_FRACTION", "TrainConfig", "defence_summary"],
    "data": ["OOD_HELD_OUT", "OOD_TRAIN", "Splits", "load_splits"],
    "distribute": ["DISTRIBUTE", "distribution_strategy", "is_chief"],
    "training": ["train"],
    "tracker": ["resume_path"],
})

__all__ = ["DEMO_ZOO_CONFIG", "DISTRIBUTE", "OOD_HELD_OUT", "OOD_TRAIN", "PAPER_EPOCH_FRACTION", "Splits",
           "TrainConfig", "defence_summary", "distribution_strategy", "is_chief", "load_splits", "resume_path", "train"]
