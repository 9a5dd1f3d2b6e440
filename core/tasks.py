"""The paper's three classification tasks as a frozen registry (paper section 3.1-3.2).

Each task says what its classes are, how the original labels were binarised, which
epsilons the paper attacked it with (section 3.4 / Fig. 3, 5, 7), and whether the chest
x-ray Gaussian filter (section 3.2) applies to its images.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """One classification task of the paper."""

    name: str  # short key used everywhere: "derm", "fundus", "cxr"
    title: str  # what a person reads in the UI
    modality: str  # imaging modality, for labels and the synthetic generator
    dataset: str  # the real dataset the paper used
    classes: tuple[str, ...]  # class keys in label-index order
    class_names: tuple[str, ...]  # human-readable class names, same order
    # What verdicts, tables and sentences print, same order: short, in words (the keys stay the
    # identifiers in saved results, exports and the command line).
    short_names: tuple[str, ...]
    labelling: str  # how the dataset's labels become these classes
    epsilons: tuple[float, ...]  # default L-inf PGD grid on the [0, 1] pixel scale
    class_counts: tuple[int, ...]  # images per class in the real dataset (its class mix)
    cxr_filter: bool = False  # apply the paper's 4x - 4 blur(x) + 128 filter
    # The epsilon adversarial training (PGD-AT, TRADES) defaults to on this task: the grid's
    # middle where a model can still learn there (derm 0.005, cxr 0.02). On fundus a 3-epoch
    # PGD-AT pilot from the demo ResNet-50 collapsed it to one answer at 0.02 and 0.005
    # (balanced accuracy 0.50) and kept it learning at 0.0025 (0.60, AUC 0.70): its undefended
    # models are fooled at a median of 0.13-0.38/255.
    defence_epsilon: float = 0.02
    # The explorer's ε slider: its largest value and its step (the grid's values stay presets).
    # derm's grid stops at 0.01, so its slider goes to 0.02 in steps of 1/16 of 1/255.
    slider_max: float = 0.32
    slider_step: float = 0.0005
    # The class a reader of the results looks for first (listed first where classes are listed):
    # the one whose miss costs most. None: the task's order.
    critical_class: str | None = None

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def is_binary(self) -> bool:
        return self.num_classes == 2

    @property
    def priors(self) -> tuple[float, ...]:
        """The real dataset's class shares, in class order (what the paper's unweighted
        accuracy is averaged over)."""
        total = sum(self.class_counts)
        return tuple(count / total for count in self.class_counts)

    @property
    def middle_epsilon(self) -> float:
        """The middle of the attacked grid (derm 0.005, the binary tasks 0.04): where a single
        ε stands for the curve (mechanism runs, audits, the seed study)."""
        return middle_epsilon(self.epsilons)

    def short_name(self, key: str) -> str:
        """What a person reads for class `key` (short_names); a key not of this task is shown as given."""
        return self.short_names[self.classes.index(key)] if key in self.classes else key

    def class_index(self, key: str) -> int:
        """Index of class `key`; ValueError names the valid keys."""
        if key not in self.classes:
            raise ValueError(f"unknown class {key!r} for task {self.name!r}; expected one of {self.classes}")
        return self.classes.index(key)


def middle_epsilon(epsilons) -> float:
    """The middle of the attacked (non-zero) epsilons, the upper one of two middles;
    ValueError when none is attacked."""
    attacked = [float(e) for e in epsilons if e > 0]
    if not attacked:
        raise ValueError(f"no attacked epsilon in {list(epsilons)}: give at least one above 0")
    return attacked[len(attacked) // 2]


_BINARY_GRID = (0.0, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32)

TASKS: dict[str, Task] = {
    "derm": Task(
        name="derm",
        title="Skin lesion classification (dermatoscopy)",
        modality="dermatoscopy",
        dataset="HAM10000",
        classes=("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"),
        class_names=(
            "Actinic keratosis / intraepithelial carcinoma",
            "Basal cell carcinoma",
            "Benign keratosis-like lesion",
            "Dermatofibroma",
            "Melanoma",
            "Melanocytic naevus",
            "Vascular lesion",
        ),
        short_names=("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"),  # the dermatologists' own abbreviations
        labelling="HAM10000 'dx' column, seven classes, no relabelling",
        epsilons=(0.0, 0.00125, 0.0025, 0.005, 0.01),
        # HAM10000 (Tschandl et al. 2018, Sci. Data 5:180161), 10,015 images: nv 66.9 %
        class_counts=(327, 514, 1099, 115, 1113, 6705, 142),
        defence_epsilon=0.005,
        slider_max=0.02,
        slider_step=0.00025,
        critical_class="mel",
    ),
    "fundus": Task(
        name="fundus",
        title="Diabetic retinopathy detection (fundoscopy)",
        modality="fundoscopy",
        dataset="Kaggle Diabetic Retinopathy Detection",
        classes=("no_referable_dr", "referable_dr"),
        class_names=("No or mild DR (levels 0-1)", "Moderate, severe or proliferative DR (levels 2-4)"),
        short_names=("no referable DR", "referable DR"),
        labelling="Kaggle 'level' 0-1 negative, 2-4 positive",
        epsilons=_BINARY_GRID,
        # Kaggle DR training labels by level 0-4: 25,810 / 2,443 / 5,292 / 873 / 708 (19.6 % referable)
        class_counts=(25_810 + 2_443, 5_292 + 873 + 708),
        defence_epsilon=0.0025,
        critical_class="referable_dr",
    ),
    "cxr": Task(
        name="cxr",
        title="Pneumothorax detection (chest x-ray)",
        modality="chest x-ray",
        dataset="ChestX-ray14",
        classes=("no_pneumothorax", "pneumothorax"),
        class_names=("No pneumothorax", "Pneumothorax"),
        short_names=("no pneumothorax", "pneumothorax"),
        labelling="'Pneumothorax' in 'Finding Labels' positive, everything else negative",
        epsilons=_BINARY_GRID,
        # ChestX-ray14 (Wang et al. 2017): 5,302 of 112,120 films mention pneumothorax (4.7 %)
        class_counts=(112_120 - 5_302, 5_302),
        cxr_filter=True,
        critical_class="pneumothorax",
    ),
}


def get_task(name: str) -> Task:
    """The task called `name`; ValueError lists the valid names."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; expected one of {sorted(TASKS)}") from None
