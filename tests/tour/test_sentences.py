"""core.tour: what each lesson says from the numbers it was given; every estimate with its interval."""

from core.tour import not_the_same_push, the_standard_defence


def test_the_defence_lesson_gives_each_accuracy_its_interval():
    clean = {"ResNet-50": {"accuracy": 0.94, "low": 0.876, "high": 0.972},
             "ResNet-50 · PGD-AT": {"accuracy": 0.96, "low": 0.91, "high": 0.98}}
    robust = {"ResNet-50": {"accuracy": 0.0, "low": 0.0, "high": 0.035},
              "ResNet-50 · PGD-AT": {"accuracy": 0.9, "low": 0.83, "high": 0.94}}
    lines = the_standard_defence({"ResNet-50": False, "ResNet-50 · PGD-AT": True}, clean, robust, 0.02)
    assert lines[0] == "At 5.1 grey levels: ResNet-50 lost its answer; ResNet-50 · PGD-AT kept its answer."
    assert lines[1] == ("ResNet-50: 94% (95 % CI 88–97%) right on clean test images, 0% (95 % CI 0–4%) under "
                        "attack.")
    assert "90% (95 % CI 83–94%) under attack" in lines[2]


def test_the_push_lesson_orders_the_medians_and_gives_their_intervals():
    medians = {"B": {"median": 2.2 / 255, "low": 1.9 / 255, "high": 2.6 / 255},
               "A": {"median": 0.92 / 255, "low": 0.82 / 255, "high": 1.08 / 255}}
    lines = not_the_same_push({"A": 0.004, "B": None}, medians, None)
    assert lines[1] == "B did not flip within the search."
    assert lines[2] == ("Over the saved test images, the median push that flips each model: A 0.92 grey levels "
                        "(95 % CI 0.82–1.1); B 2.2 grey levels (95 % CI 1.9–2.6).")


def test_nature_and_the_attack_are_compared_at_the_same_total_change():
    from core.tour import nature_is_not_an_attacker

    lines = nature_is_not_an_attacker("Gaussian noise", 0.41, 0.89, 6.12, 190.0, 23.4)
    assert lines[0] == ("Gaussian noise and the attack changed the image by the same total amount (an L2 length of "
                        "6.12); the corruption moved single pixels by up to 190 grey levels, the attack by up to 23.")
    assert "by 41%; the attack, by 89%: the attack moved it more" in lines[1]
