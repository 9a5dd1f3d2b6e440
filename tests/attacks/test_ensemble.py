"""The worst case over an ensemble (AutoAttack's protocol)."""

import numpy as np

from core.attacks import worst_case
from core.attacks.ensemble import CLEAN_WRONG, ROBUST


class _Scripted:
    """An 'attack' that replaces the chosen images (by their first pixel tag) with a fooling
    image and leaves the others unchanged; records which images it was given."""

    def __init__(self, fooled_tags, fooling_image):
        self.fooled_tags, self.fooling_image, self.seen = set(fooled_tags), fooling_image, []

    def __call__(self, model, images, labels, *, epsilon, seed=None):
        tags = [int(round(float(x[0, 0, 0]) * 100)) for x in images]
        self.seen.append(tags)
        out = images.copy()
        for i, tag in enumerate(tags):
            if tag in self.fooled_tags:
                out[i] = self.fooling_image
        return out


def test_an_image_that_survives_one_attack_but_not_the_next_counts_as_fooled(tiny):
    model, images, labels, _ = tiny
    chosen = np.flatnonzero(labels == 1)[:4]  # four squares the model finds
    tagged = images[chosen].copy()
    for i in range(4):
        tagged[i, 0, 0, 0] = (i + 1) / 100  # tags 1..4
    blank = images[np.flatnonzero(labels == 0)[0]]  # noise only: predicted class 0
    first, second = _Scripted({1}, blank), _Scripted({3}, blank)
    result = worst_case(model, tagged, labels[chosen], epsilon=1.0, attacks=[first, second])
    assert list(result.robust) == [False, True, False, True]
    assert list(result.fooled_by) == [0, ROBUST, 1, ROBUST]
    assert first.seen == [[1, 2, 3, 4]] and second.seen == [[2, 3, 4]]  # later attacks see survivors only
    assert result.fooled_count(0) == 1 and result.fooled_count(1) == 1
    np.testing.assert_array_equal(result.adversarial[2], blank)


def test_clean_mistakes_are_never_attacked(tiny):
    model, images, labels, _ = tiny
    wrong = 1 - labels[:3]
    attack = _Scripted(set(), images[0])
    result = worst_case(model, images[:3], wrong, epsilon=0.1, attacks=[attack])
    assert not result.robust.any() and (result.fooled_by == CLEAN_WRONG).all()
    assert attack.seen == []  # nobody left to attack
