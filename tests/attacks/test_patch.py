"""core.attacks.patch: a visible square of free pixels where an artefact would sit."""

import numpy as np
import pytest

from core.attacks import patch, predict
from core.attacks.patch import AREAS, candidate_corners, patch_side


def test_the_patch_changes_only_its_square_and_fools(tiny):
    model, images, labels, _ = tiny
    correct = predict(model, images).argmax(axis=1) == labels
    x, y = images[correct][:12], labels[correct][:12]
    fooled = []
    for area in (0.02, 0.08):
        adversarial, masks = patch(model, x, y, area=area, placement="centre", steps=40, seed=0)
        side = patch_side(area, x.shape[1])
        assert masks.shape == x.shape[:3] and np.all(masks.sum(axis=(1, 2)) == side * side)
        assert np.abs((adversarial - x) * (1 - masks[..., None])).max() == 0  # nothing outside the patch
        assert adversarial.min() >= 0 and adversarial.max() <= 1
        fooled.append(int((predict(model, adversarial).argmax(axis=1) != y).sum()))
    assert fooled[1] > 0  # a patch of 8 % over the planted square fools the detector
    assert fooled[1] >= fooled[0]


@pytest.mark.parametrize("task", ["derm", "cxr", "fundus"])
def test_the_task_places_patches_where_its_artefacts_sit(task):
    size, side = 96, patch_side(0.04, 96)
    corners = candidate_corners(task, size, side, "task")
    assert len(corners) == 4 and all(0 <= r <= size - side and 0 <= c <= size - side for r, c in corners)
    centre = size / 2
    for row, column in corners:
        middle = (row + side / 2, column + side / 2)
        assert abs(middle[0] - centre) + abs(middle[1] - centre) > side  # never over the centre's lesion
        if task == "fundus":  # the synthetic optic disc sits on the horizontal through the centre
            assert abs(middle[0] - centre) >= 0.15 * size


def test_bad_settings_are_refused(tiny):
    model, images, labels, _ = tiny
    with pytest.raises(ValueError, match="area must be a share"):
        patch(model, images[:1], labels[:1], area=0.9)
    with pytest.raises(ValueError, match="placement must be one of"):
        patch(model, images[:1], labels[:1], area=AREAS[0], placement="anywhere")
