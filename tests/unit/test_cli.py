"""zdd/cli.py: which errors become exit 2, deadlines, explicit short flags."""

import pytest
from invoke import Exit, Parser
from invoke.exceptions import ParseError

from zdd.cli import ERROR, deadline_for, errors_exit, tristate
from zdd.commands.check import deadline_for_apps
from zdd.errors import UsageError
from zdd.plan import PlanError
from zdd.tasks import ns


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


LIST_FLAGS = [
    (name, arg.names[0])
    for name in ns.task_names
    for arg in ns[name].get_arguments()
    if arg.kind is list
]


@pytest.mark.parametrize(("command", "flag"), LIST_FLAGS)
def test_a_list_flag_with_no_value_is_refused_by_invokes_own_parser(command, flag):
    """`invoke zdd.check --app` (Invoke's program, not zdd's) used to parse as no --app at all,
    and the app then came from HEROKU_APP or the git remote; now it is Invoke's parse error."""
    parser = Parser(contexts=ns.to_contexts())
    with pytest.raises(ParseError, match="needed value"):
        parser.parse_argv([command, f"--{flag}"])
    (given,) = parser.parse_argv([command, f"--{flag}", "a", f"--{flag}", "b"])
    assert given.args[flag].value == ["a", "b"]
    (absent,) = parser.parse_argv([command])
    assert absent.args[flag].value == []


def test_the_list_flags_above_include_check_app():
    assert ("check", "app") in LIST_FLAGS and ("rehearse", "env") in LIST_FLAGS
