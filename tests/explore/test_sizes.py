"""One picked image for models of different input sizes: each request carries it at its
model's size, masks stay masks, and the page draws each column on the image its model saw."""

import numpy as np

from core.engine.requests import ModelRef
from core.engine.stream import explore_requests
from core.explore import Exploration, ModelOutcome, explorer_attack, fit_image, fit_mask
from core.models.zoo import all_specs


def test_each_model_is_sent_the_image_at_its_own_size():
    image = np.random.default_rng(0).random((224, 224, 3), dtype=np.float32)
    mask = np.zeros((224, 224), np.float32)
    mask[50:150, 60:160] = 1
    from core.models.spec import ModelSpec

    small = all_specs("demo", "derm")[0]
    large = ModelSpec("derm", "mine", True, profile="user", size=224)  # an imported model beside the bundled 96 px
    refs = [ModelRef(small, "a.keras", "a"), ModelRef(large, "b.keras", "b")]
    requests = {r.model.spec.input_size: r for r in explore_requests(
        refs, image, epsilon=0.01, attack=explorer_attack(2), truth={"lesion": mask, "shortcut": None}, transfer=True)}
    assert requests[224].image is not None and np.array_equal(requests[224].image, image)  # its own size: unchanged
    assert requests[96].image.shape == (96, 96, 3) and 0 <= requests[96].image.min() <= requests[96].image.max() <= 1
    np.testing.assert_allclose(requests[96].image.mean(), image.mean(), atol=2e-3)  # area averaging keeps the mean
    assert set(np.unique(requests[96].truth["lesion"])) == {0.0, 1.0}  # nearest neighbour: still a mask


def test_a_column_is_drawn_on_the_image_its_model_saw():
    image = np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)
    spec = all_specs("demo", "cxr")[0]
    seen = fit_image(image, 32)
    outcome = ModelOutcome(spec, np.array([0.6, 0.4]), np.array([0.4, 0.6]), seen, np.zeros_like(seen),
                           np.zeros((32, 32)), np.zeros((32, 32)), {}, None)
    result = Exploration(image, None, 0.01, explorer_attack(2), 0, False)
    np.testing.assert_array_equal(result.image_for(outcome), seen)
    np.testing.assert_array_equal(fit_mask(np.eye(8, dtype=np.float32), 8), np.eye(8))  # its size: unchanged


def test_a_patch_region_is_the_box_of_what_changed_and_is_outlined_around_it():
    from core.explore.regions import changed_region, outlined

    change = np.zeros((16, 16, 3), np.float32)
    change[3:7, 9:14, 1] = 0.5
    change[5, 10] = 0  # a patch pixel that happens to equal the image: still inside the square
    region = changed_region(change)
    assert region.sum() == 4 * 5 and region[3:7, 9:14].all()
    framed = outlined(np.zeros((16, 16, 3), np.uint8), region)  # an overlay tile: 8-bit, stays 8-bit
    assert framed.dtype == np.uint8 and framed[3, 9:14].min() == 255 and framed[4:6, 10:13].max() == 0
    assert not changed_region(np.zeros((4, 4, 3))).any()


def test_a_findings_mask_is_drawn_as_a_dotted_outline_on_its_border_only():
    from core.explore.regions import dotted

    mask = np.zeros((16, 16), np.float32)
    mask[4:12, 4:12] = 0.92  # a soft synthetic mask: inside is > 0.5
    drawn = dotted(np.zeros((16, 16, 3), np.uint8), mask)
    white = (drawn == 255).all(axis=-1)
    border = np.zeros((16, 16), bool)
    border[4:12, 4:12] = True
    border[5:11, 5:11] = False
    assert white.any() and not (white & ~border).any()  # on the border, nowhere else
    assert 0.4 <= white.sum() / border.sum() <= 0.6  # every other pixel: dotted, the map still shows between
    assert not dotted(np.zeros((16, 16, 3), np.uint8), np.zeros((16, 16))).any()  # no finding, nothing drawn
