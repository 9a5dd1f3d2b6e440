"""What the Start here tour says: "what to notice" sentences built from the numbers a lesson
just computed (never from a script), in plain words for a clinician or a student, and what the
saved results of the bundled zoo add to them. No TensorFlow, no Streamlit: the lessons
(app_pages/lessons.py) compute on the engine, core.tour.saved reads the saved runs, this module
words it."""

from __future__ import annotations

from dataclasses import dataclass

GREY_LEVELS = (0.5, 1, 2, 4, 8)  # the noise lesson's steps, in grey levels of an 8-bit image (ε = levels / 255)

REFERENCES = {
    "finlayson": "Finlayson et al. 2019, Adversarial attacks on medical machine learning, Science 363:1287",
    "madry": "Madry et al. 2018, Towards deep learning models resistant to adversarial attacks, ICLR",
    "croce": "Croce & Hein 2020, Reliable evaluation of adversarial robustness (AutoAttack), ICML",
    "hendrycks": "Hendrycks & Dietterich 2019, Benchmarking robustness to common corruptions, ICLR",
    "datta": "Datta et al. 2021, Soft-attention improves skin cancer classification performance",
}


@dataclass(frozen=True)
class Answer:
    """One model's answer on one image: its title, its class before and after, and the
    probability of the class it gave first, before and after."""

    title: str
    before: str
    after: str
    confidence_before: float
    confidence_after: float

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _share(count: int, total: int) -> str:
    return "all" if count == total and total > 1 else "none" if count == 0 else f"{count} of {total}"


def what_the_model_sees(answers: list[Answer], truth: str | None, on_lesion: dict[str, float]) -> list[str]:
    """Lesson 1: who says what, and where their maps look (`on_lesion`: {title: share of the
    map's energy inside the lesion's mask})."""
    said = {}
    for answer in answers:
        said.setdefault(answer.before, []).append(answer.title)
    lines = []
    if len(said) == 1:
        (label, _), = said.items()
        lines.append(f"All {len(answers)} models say **{label}**"
                     + (f", and the image really is {truth}." if truth == label else
                        f", but the image is {truth}: all of them are wrong here." if truth else "."))
    else:
        parts = [f"{', '.join(titles)}: **{label}**" for label, titles in said.items()]
        lines.append("The models disagree — " + "; ".join(parts) + (f". The image is {truth}." if truth else "."))
    if on_lesion:
        best = max(on_lesion, key=on_lesion.get)
        worst = min(on_lesion, key=on_lesion.get)
        lines.append(f"{best}'s heatmap puts {on_lesion[best]:.0%} of its weight on the lesion; {worst}'s, "
                     f"{on_lesion[worst]:.0%}. A heatmap shows where the answer came from, not whether it is right.")
    return lines


def noise_you_cannot_see(levels: float, answers: list[Answer]) -> list[str]:
    """Lesson 2: what a change of `levels` grey levels per pixel did."""
    flipped = [a for a in answers if a.changed]
    unit = "grey level" if levels == 1 else "grey levels"
    lines = [f"Every pixel moved by at most {levels:g} {unit} out of 255 — less than a monitor, a JPEG file or "
             "your eye can show."]
    if flipped:
        lines.append(f"That changed the answer of {_share(len(flipped), len(answers))} model(s): "
                     + "; ".join(f"{a.title} went from {a.before} to {a.after} "
                                 f"({a.confidence_after:.0%} sure of its first answer now)" for a in flipped) + ".")
    else:
        drops = [a.confidence_before - a.confidence_after for a in answers]
        lines.append(f"No model changed its answer yet; its confidence fell by up to {max(drops):.0%}. "
                     "Try a larger step.")
    return lines


def not_the_same_push(smallest: dict[str, float | None], medians: dict[str, dict],
                      seed_sentence: str | None) -> list[str]:
    """Lesson 3: the smallest flipping ε per model on this image (None: not within the search),
    the median over the test images where saved ({title: {median, low, high}}), and the seed
    study's caveat."""
    found = {title: e for title, e in smallest.items() if e is not None}
    lines = []
    if found:
        easiest, hardest = min(found, key=found.get), max(found, key=found.get)
        lines.append(f"On this image, {easiest} flips at {found[easiest] * 255:.2g} grey levels; "
                     f"{hardest} needs {found[hardest] * 255:.2g}.")
    held = [title for title, e in smallest.items() if e is None]
    if held:
        lines.append(f"{', '.join(held)} did not flip within the search.")
    if medians:
        ordered = sorted(medians.items(), key=lambda item: item[1]["median"])
        lines.append("Over the saved test images, the median push that flips each model: "
                     + "; ".join(f"{title} {m['median'] * 255:.2g} grey levels (95 % CI {m['low'] * 255:.2g}–"
                                 f"{m['high'] * 255:.2g})" for title, m in ordered) + ".")
    if seed_sentence:
        lines.append(f"Before crediting attention: {seed_sentence}")
    return lines


def the_standard_defence(held: dict[str, bool], clean: dict[str, dict], robust: dict[str, dict],
                         epsilon: float) -> list[str]:
    """Lesson 4: the adversarially trained model against the undefended one, on this image and
    over the saved test images (clean and robust accuracy at `epsilon`, each {accuracy, low,
    high})."""
    lines = [f"At {epsilon * 255:.2g} grey levels: " + "; ".join(
        f"{title} {'kept' if ok else 'lost'} its answer" for title, ok in held.items()) + "."]
    for title in clean:
        if title in robust:
            lines.append(f"{title}: {_with_interval(clean[title])} right on clean test images, "
                         f"{_with_interval(robust[title])} under attack.")
    return lines + ["Adversarial training buys accuracy under attack and usually costs some on clean images: "
                    "the trade a buyer should ask a vendor about (Madry et al. 2018)."]


def nature_is_not_an_attacker(corruption: str, natural_drop: float, attack_drop: float, energy: float,
                              corruption_255: float, attack_255: float) -> list[str]:
    """Lesson 5: a natural corruption and an attack of the same total change (L2 length
    `energy`); the largest pixel change of each in grey levels."""
    stronger = "the attack" if attack_drop > natural_drop else "the corruption"
    return [f"{corruption} and the attack changed the image by the same total amount (an L2 length of "
            f"{energy:.3g}); the corruption moved single pixels by up to {corruption_255:.0f} grey levels, the "
            f"attack by up to {attack_255:.0f}.",
            f"The corruption lowered the model's confidence in its answer by {natural_drop:.0%}; the attack, by "
            f"{attack_drop:.0%}: {stronger} moved it more. An attacker searches for the worst direction; "
            "nature does not, which is why robustness to one does not promise robustness to the other "
            "(Hendrycks & Dietterich 2019)."]


def which_way_it_fails(hidden: bool, invented: bool, title: str, epsilon: float) -> list[str]:
    """Lesson 6: the attack that hides a pneumothorax and the one that invents it."""
    level = f"{epsilon * 255:.2g} grey levels"
    return [f"At {level}, the attack {'hid' if hidden else 'did not hide'} the pneumothorax from {title} "
            f"and {'invented' if invented else 'did not invent'} one on the normal radiograph.",
            "A hidden pneumothorax is a missed emergency (sensitivity falls); an invented one is a false alarm "
            "(specificity falls). Which costs more decides where a hospital sets the model's threshold."]


def what_this_means() -> list[str]:
    """Lesson 7: five points for someone evaluating a clinical AI product."""
    return [
        "Ask for robustness numbers under attack, with their intervals, not only clean accuracy: changes "
        f"invisible to a reader can flip a model ({REFERENCES['finlayson']}).",
        "Ask how they were measured: a weak attack overstates robustness; a strong, standard one (AutoAttack) "
        f"is the floor ({REFERENCES['croce']}).",
        "Ask about natural corruptions of your own scanners and workflow, which are not attacks and are "
        f"everyday ({REFERENCES['hendrycks']}).",
        "An architectural feature (attention) is not a defence by itself: compare twins trained alike, across "
        f"training seeds ({REFERENCES['datta']}).",
        "Adversarial training is the standard defence and has a price in clean accuracy: ask what was traded "
        f"({REFERENCES['madry']}).",
    ]


def _with_interval(estimate: dict) -> str:
    """e.g. "94% (95 % CI 88–97%)"."""
    return f"{estimate['accuracy']:.0%} (95 % CI {estimate['low'] * 100:.0f}–{estimate['high']:.0%})"

