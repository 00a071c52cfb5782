"""The suite benchmark's mapping of the baseline's tests onto today's ids (bench/bench_suite.py)."""

from bench.bench_suite import Timed, failed_ids, report, same_tests


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


def test_the_report_names_the_tests_that_failed():
    out = (
        "..F.\n=== short test summary info ===\n"
        "FAILED tests/a.py::t[x] - AssertionError: no\nERROR tests/b.py::u - boom\n"
        "1 failed, 2 passed, 1 error in 3.0s\n"
    )
    ids = failed_ids(out)
    assert ids == ("tests/a.py::t[x]", "tests/b.py::u")
    text = report([Timed("after, whole suite", 4, 2, 2, 3.0, ids)], 1)
    assert "Failed in after, whole suite: tests/a.py::t[x], tests/b.py::u." in text
    assert failed_ids("4 passed in 1.0s\n") == ()
