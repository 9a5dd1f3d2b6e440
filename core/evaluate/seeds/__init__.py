"""Architecture or seed? The attentive-vs-vanilla difference across training seeds (issue 23).

One trained model per configuration answers for that pair of trained models only: a McNemar
test covers which test images were drawn, not which weights training happened to find, and
training randomness alone moves a demo model by several points. So each configuration is
trained again with other seeds (replicas, `ModelSpec.seed`, same data and recipe), each seed's
twins are compared on the same images as usual, and the k per-seed differences give the
architecture's effect: their mean with a Student-t interval on k - 1 degrees of freedom
(Bouthillier et al. 2021, "Accounting for variance in machine learning benchmarks"). With k = 3
that interval is wide (t = 4.30): it says honestly how little three seeds can settle.

    replicas.py   which models a study needs and which are trained (replica_specs, trained_replicas)
    study.py      per family: each seed's twin tests, then the mean over seeds (seed_study,
                  mean_interval, study_epsilon, study_sentence)
    evaluation.py evaluate what is missing and save the study (evaluate_seed_study,
                  latest_seed_study, study_key)

Per replica the study reads two saved results on the same test images: the minimum-norm run
(each image's ε*: the median, the twins' Wilcoxon test), the cheap whole-curve summary, and the
`strong` protocol at one ε per backbone family (grid [0, ε]: clean and robust accuracy, the
twins' paired test). That ε is where the family's seed-0 twins are half fooled: the median of
their pooled ε* (study_epsilon). A fixed grid point does not work on every task: on the binary
tasks every demo model is at 0 % from the paper's ε = 0.01 on, where a difference of 0 would say
nothing; a paired comparison of proportions has most power where they are near one half, and a
median over both twins favours neither.
"""

from core.evaluate.seeds.replicas import (STUDY_SEEDS, replica_cards, replica_specs, train_command, trained_replicas,
                                          training_status)
from core.evaluate.seeds.evaluation import evaluate_seed_study, latest_seed_study, study_key
from core.evaluate.seeds.study import mean_interval, seed_study, study_epsilon, study_sentence

__all__ = ["STUDY_SEEDS", "evaluate_seed_study", "latest_seed_study", "mean_interval", "replica_cards", "replica_specs",
           "seed_study", "study_epsilon", "study_key", "study_sentence", "train_command", "trained_replicas",
           "training_status"]
