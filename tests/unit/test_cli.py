"""zdd/cli.py: which errors become exit 2, deadlines, explicit short flags."""

import pytest
from invoke import Exit

from zdd.cli import ERROR, deadline_for, errors_exit, tristate
from zdd.commands.check import deadline_for_apps
from zdd.errors import UsageError
from zdd.plan import PlanError


@pytest.mark.parametrize("exc", [UsageError("bad"), PlanError("--size Basic ...")])
def test_usage_errors_exit_2_with_their_message(exc):
    with pytest.raises(Exit) as e, errors_exit("setup", False):
        raise exc
    assert e.value.code == ERROR and str(exc) in e.value.message


def test_a_programming_error_is_not_disguised_as_a_usage_error():
    with pytest.raises(KeyError), errors_exit("setup", False):
        raise KeyError("a bug")
    with pytest.raises(ValueError, match="a bug"), errors_exit("setup", False):
        raise ValueError("a bug")


def test_contradicting_flags_are_a_usage_error():
    with pytest.raises(UsageError, match="--java and --no-java"):
        tristate(True, True, "java")


def test_deadlines_leave_room_for_the_wait_and_grow_with_the_apps():
    assert deadline_for(0) == 120 and deadline_for(600) == 720
    assert deadline_for_apps(1, 8) < deadline_for_apps(100, 8) < deadline_for_apps(1000, 8)
    assert deadline_for_apps(1000, 8) > 120 + 1000  # 1000 apps can't fit a fixed 120 s
    assert deadline_for_apps(100, 1) > deadline_for_apps(100, 16)
