"""TrainConfig: everything that decides a training run; the paper's recipe by default (3.3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from core.models.spec import DEFENCES

PAPER_EPOCH_FRACTION = {"derm": 0.1}  # section 3.3: derm sees 10 % of its data per epoch


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. Defaults: the paper, section 3.3."""

    learning_rate: float = 0.01  # Adam eta
    adam_epsilon: float = 0.1  # Adam epsilon
    max_epochs: int = 300
    patience: int = 40  # early stopping on validation loss
    min_delta: float = 0.001
    lr_decay_patience: int = 0  # 0: a constant learning rate (the paper); else epochs without improvement
    lr_decay_factor: float = 0.3  # ...after which the learning rate is multiplied by this (Keras ReduceLROnPlateau)
    epoch_fraction: float | None = None  # share of the training set per epoch; None: paper's per task
    class_weighting: bool = True  # inverse-frequency class weights
    augment: bool = False  # random flips of training images, and transposes on derm (not in the paper)
    weighted_validation: bool = False  # early stopping on the class-weighted validation loss (the paper: unweighted)
    batch_size: int = 32
    seed: int = 0  # weights, batch order, flips
    split_seed: int | None = None  # real datasets' train/val/test split; None: `seed` (as before), a seed study fixes it
    # data: "synthetic", or a dataset path with its format
    data: str = "synthetic"
    data_format: str = "synthetic"  # synthetic | ham10000 | kaggle_dr | chestxray14 | medmnist | folder
    synthetic_train: int = 1400  # images per split of the synthetic demo data
    synthetic_val: int = 300
    synthetic_test: int = 400
    val_fraction: float = 0.1  # real datasets without an official split
    test_fraction: float = 0.2
    weights: str | None = None  # backbone init: None, "imagenet" or a no-top weights file
    # start from a trained checkpoint of the same architecture instead (adversarial fine-tuning,
    # Jeddi et al. 2020): a .keras path, or "undefended" for the same model's undefended checkpoint
    init_from: str | None = None
    cache_dir: str | None = None  # on-disk cache of prepared images (real datasets)
    distribute: str = "auto"  # auto | none | mirrored | multi-worker (distribution_strategy)
    # adversarial training (core.train.defence); "none" is the paper's standard training
    defence: str = "none"  # none | pgd-at (Madry et al. 2018) | trades (Zhang et al. 2019)
    defence_epsilon: float = 0.02  # L-inf radius of the training attack, [0, 1] pixel scale
    defence_steps: int = 7  # PGD steps of the training attack (Madry et al.: 7), 2.5 eps / steps each
    trades_beta: float = 6.0  # TRADES: weight of KL(clean || adversarial) (Zhang et al.: 6)
    accept_defence_cost: bool = False  # train a defended paper-profile model without a GPU anyway (days)

    def __post_init__(self):
        checks = {
            "learning_rate": self.learning_rate > 0, "adam_epsilon": self.adam_epsilon > 0,
            "max_epochs": self.max_epochs >= 1, "patience": self.patience >= 0,
            "min_delta": self.min_delta >= 0, "batch_size": self.batch_size >= 1,
            "lr_decay_patience": self.lr_decay_patience >= 0, "lr_decay_factor": 0 < self.lr_decay_factor < 1,
            "epoch_fraction": self.epoch_fraction is None or 0 < self.epoch_fraction <= 1,
            "synthetic_train": self.synthetic_train >= 2, "synthetic_val": self.synthetic_val >= 2,
            "synthetic_test": self.synthetic_test >= 1, "seed": self.seed >= 0,
            "split_seed": self.split_seed is None or self.split_seed >= 0,
            "defence": self.defence in DEFENCES, "defence_epsilon": 0 < self.defence_epsilon <= 1,
            "defence_steps": self.defence_steps >= 1, "trades_beta": self.trades_beta > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"{name} is out of range: got {getattr(self, name)!r}")

    @property
    def data_split_seed(self) -> int:
        """The seed that draws a real dataset's train/val/test split: split_seed, else seed. Replicas
        of a seed study (core.evaluate.seeds) train with other seeds on the same split."""
        return self.seed if self.split_seed is None else self.split_seed

    def to_dict(self) -> dict:
        """JSON-ready: every field (saved in the model card, and passed to jobs as --config)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        """The TrainConfig `data` describes; ValueError naming any unknown or mistyped setting
        (then __post_init__ checks the ranges)."""
        if not isinstance(data, dict):
            raise ValueError(f"a training configuration is a JSON object, got {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown training setting(s) {unknown}; known: {sorted(known)}")
        for name, value in data.items():
            default = getattr(cls, name, None)
            expected = type(default) if default is not None else None
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                continue  # 1 stands for 1.0 in JSON
            if expected is not None and not isinstance(value, expected):
                raise ValueError(f"{name} must be a {expected.__name__}, got {value!r}")
        return cls(**data)

    def fraction_for(self, task: str) -> float:
        if self.epoch_fraction is not None:
            return self.epoch_fraction
        return PAPER_EPOCH_FRACTION.get(task, 1.0)


def defence_summary(card: dict) -> str | None:
    """One line on how a model was defended, from its card; None for an undefended model. e.g.
    "PGD-AT at ε = 0.02 (5.1/255), 7 steps; fine-tuned from resnet50_attention.keras; kept the
    epoch with the lowest robust validation loss (epoch 6)"."""
    config = card.get("config", {})
    defence = config.get("defence", "none")
    if defence == "none":
        return None
    epsilon = config.get("defence_epsilon", 0.0)
    name = {"pgd-at": "PGD-AT", "trades": f"TRADES (β = {config.get('trades_beta', '?')})"}.get(defence, defence)
    steps = config.get("defence_steps", "?")
    parts = [f"{name} at ε = {epsilon:g} ({epsilon * 255:.2g}/255), {steps} step{'' if steps == 1 else 's'}"]
    if str(card.get("backbone_init", "")).startswith("fine-tuned"):
        parts.append(card["backbone_init"])
    kept = "robust validation loss" if card.get("monitor") == "val_robust_loss" else "clean validation loss"
    parts.append(f"kept the epoch with the lowest {kept} (epoch {card.get('best_epoch', '?')})")
    return "; ".join(parts)


# The bundled demo zoo: the paper's optimiser and weighting, fewer epochs for a 2-core CPU. With
# few epochs and 1,400 images at the real class mixes (15 dermatofibromas), the paper's
# constant learning rate of 0.01 leaves the validation loss swinging from epoch to epoch (the
# class weights of rare classes reach 13); it is cut to 0.3x after 2 epochs without improvement.
# Early stopping watches the loss on the synthetic validation split, which is class-balanced
# (core.data.synthetic.SPLIT_PRIORS): the balanced mix's loss is what the class-weighted training
# loss estimates, so it is watched unweighted. (At the real mix it needed the class weights, and
# with 3 dermatofibromas weighing 13 each, which epoch was kept was a lottery: one architecture
# moved by 7 points between two nearly identical derm datasets.)
# 1,400 images are few for 12 architectures at once: without augmentation the compact
# Inception-ResNet overfitted fundus (0.69) while the vanilla ResNet stopped early on derm (0.79).
# Random flips (the dihedral group on dermoscopy, which has no up; left-right on radiographs, as
# CheXNet trained) multiply the views of each lesion, and the learning rate is cut after 3 epochs
# without improvement, with 8 of patience, so a noisy epoch does not end the run. With flips, 30
# epochs were too few: the vanilla ResNet's derm validation loss was still falling at epoch 30.
DEMO_ZOO_CONFIG = TrainConfig(max_epochs=60, patience=8, epoch_fraction=1.0, lr_decay_patience=3, augment=True)
