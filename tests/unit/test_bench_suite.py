"""The suite benchmark's mapping of the baseline's tests onto today's ids (bench/bench_suite.py)."""

from bench.bench_suite import Timed, report, same_tests


def test_kept_ids_stay_and_renamed_parameters_map_by_function():
    before = ["a.py::t[1]", "a.py::t[2]", "a.py::u", "a.py::gone"]
    now = ["a.py::t[1]", "a.py::t[x]", "a.py::u", "a.py::new", "b.py::t[1]"]
    assert same_tests(before, now) == ["a.py::t[1]", "a.py::t[x]", "a.py::u"]


def test_a_function_whose_ids_all_stand_gains_no_new_parameters():
    assert same_tests(["a.py::t[1]"], ["a.py::t[1]", "a.py::t[2]"]) == ["a.py::t[1]"]


def test_the_ratio_compares_the_best_before_with_the_best_after():
    runs = [
        Timed("before 1", 800, 800, 0, 180.0),
        Timed("after, same tests 1", 770, 770, 0, 100.0),
        Timed("before 2", 800, 800, 0, 170.0),
        Timed("after, same tests 2", 770, 770, 0, 110.0),
    ]
    assert "100.0 s against 170.0 s, 41 % faster" in report(runs, 2)
