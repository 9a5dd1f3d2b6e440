import pytest

from core.tasks import TASKS, get_task


def test_three_tasks_as_in_the_paper():
    assert set(TASKS) == {"derm", "fundus", "cxr"}
    assert get_task("derm").classes == ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
    assert get_task("fundus").num_classes == 2 and get_task("cxr").is_binary


def test_epsilon_grids_are_the_papers():
    assert get_task("derm").epsilons == (0.0, 0.00125, 0.0025, 0.005, 0.01)
    for name in ("fundus", "cxr"):
        assert get_task(name).epsilons[-1] == 0.32 and get_task(name).epsilons[0] == 0.0


def test_only_cxr_uses_the_gaussian_filter():
    assert [t.name for t in TASKS.values() if t.cxr_filter] == ["cxr"]


def test_unknown_names_say_what_is_valid():
    with pytest.raises(ValueError, match="expected one of"):
        get_task("mri")
    with pytest.raises(ValueError, match="unknown class 'x'"):
        get_task("derm").class_index("x")


def test_tasks_are_frozen():
    with pytest.raises(AttributeError):
        get_task("derm").name = "other"


def test_the_middle_epsilon_is_the_middle_of_the_attacked_grid():
    from core.tasks import middle_epsilon

    assert get_task("derm").middle_epsilon == 0.005
    assert get_task("cxr").middle_epsilon == get_task("fundus").middle_epsilon == 0.04
    assert middle_epsilon([0, 0.01, 0.02, 0.03]) == 0.02 and middle_epsilon([0.5]) == 0.5
    with pytest.raises(ValueError, match="no attacked epsilon"):
        middle_epsilon([0.0])


def test_every_class_has_a_short_name_in_words():
    """Verdicts, tables and sentences print short names; the keys stay the files' identifiers."""
    for task in TASKS.values():
        assert len(task.short_names) == task.num_classes
        assert all("_" not in name for name in task.short_names)
        assert [task.short_name(key) for key in task.classes] == list(task.short_names)
    assert TASKS["fundus"].short_name("referable_dr") == "referable DR"
    assert TASKS["cxr"].short_name("not_a_class") == "not_a_class"  # shown as given
