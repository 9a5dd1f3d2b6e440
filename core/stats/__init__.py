"""Statistics for every number the tool shows: an interval for each estimate, a test for
each difference.

    proportion_ci(k, n)                 Wilson score interval (Wilson 1927)
    paired_difference(robust_a, robust_b)
                                        difference of two paired proportions on the same
                                        images: Newcombe's hybrid score interval (1998,
                                        method 10) and the exact McNemar test
    auc(scores, labels), auc_ci(...)    ROC AUC (Mann-Whitney) with a seeded, class-
                                        stratified percentile bootstrap interval
    class_accuracy(correct, labels, shares)
                                        accuracy of a class-stratified sample re-weighted to
                                        class shares (the real prior, or 1/K: balanced), with
                                        each class's recall and Wilson interval; MOVER interval
    weighted_paired_difference(a, b, labels, shares)
                                        the paired difference at those shares: MOVER over the
                                        per-class Newcombe intervals, stratified exact McNemar
    interaction(vanilla, attentive, defended, defended_attentive, ...)
                                        the 2 x 2 interaction of two factors (attention x a
                                        defence) on the same images, with a class-stratified
                                        bootstrap interval
    possible_difference(interval)       an interval of a difference of accuracies cut to [-1, 1]
    holm(p_values)                      Holm's adjustment of a family of tests
    paired_wilcoxon(a, b)               Wilcoxon signed-rank test of paired measures

One module per idea: proportions (Wilson, class mixes), paired (the twin tests), auc,
interaction, family (the significance level and Holm's adjustment).
"""

from core.stats.auc import auc, auc_ci
from core.stats.family import SIGNIFICANCE, holm
from core.stats.interaction import interaction
from core.stats.paired import (EXACT_LIMIT, mcnemar_exact, paired_difference, paired_wilcoxon,
                               possible_difference, weighted_paired_difference)
from core.stats.proportions import class_accuracy, proportion_ci

__all__ = ["EXACT_LIMIT", "SIGNIFICANCE", "auc", "auc_ci", "class_accuracy", "holm", "interaction", "mcnemar_exact",
           "paired_difference", "paired_wilcoxon", "possible_difference", "proportion_ci", "weighted_paired_difference"]
