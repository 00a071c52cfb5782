"""The pure parts of zdd deploy (exit codes, marker matching) and the metadata offer on the
sandbox (a real HerokuClient over loopback)."""

from __future__ import annotations

import pytest

from zdd.deploy.flow import metadata_note, same_release
from zdd.deploy.report import DeployReport, Outcome, ReleaseSeen, Rollback
from zdd.heroku.client import HerokuClient
from zdd.verify.report import DuringResult, RunInfo, summarise

BEFORE = ReleaseSeen(2, "r2", "succeeded")


def report(outcome: Outcome, command_exit: int = 0, **kw) -> DeployReport:
    during = DuringResult("git push heroku main", 0.0, 1.0, command_exit)
    run = RunInfo("http://x/", "now", 1.0, "guard_done", 5, 10, 60, 10, during=during)
    return DeployReport("a", outcome, "why", BEFORE, verify=summarise([], run), **kw)


@pytest.mark.parametrize(
    ("outcome", "command_exit", "code"),
    [
        (Outcome.HEALTHY, 0, 0),
        (Outcome.HEALTHY, 1, 3),  # healthy, but the deploy command failed
        (Outcome.NO_RELEASE, 1, 3),
        (Outcome.NO_RELEASE, 0, 1),
        (Outcome.RELEASE_FAILED, 1, 1),
        (Outcome.UNHEALTHY, 0, 1),
        (Outcome.NO_SWITCH, 0, 1),
        (Outcome.BUSY, 0, 1),
        (Outcome.INTERRUPTED, 1, 4),
        (Outcome.TIMED_OUT, 0, 1),
    ],
)
def test_exit_codes(outcome, command_exit, code):
    assert report(outcome, command_exit).exit_code == code


def test_the_rollback_is_drawn_when_it_was_asked_for():
    made = ReleaseSeen(4, "r4", "succeeded")
    rb = Rollback(BEFORE, 6.3, made, 12.4)
    marks = report(Outcome.UNHEALTHY, rollback=rb).marks()
    assert [at for at, _ in marks] == [6.3, 12.4] and "v4" in marks[0][1]
    refused = Rollback(BEFORE, refused="another release (v5, pending) came after v3")
    assert report(Outcome.UNHEALTHY, rollback=refused).marks() == ()


def test_release_markers():
    assert same_release("v42", 42) and same_release("42", 42) and same_release(" V42 ", 42)
    assert not same_release("v421", 42) and not same_release(None, 42)


def test_metadata_is_offered_and_turned_on_only_with_consent(sandbox):
    client = HerokuClient(sandbox.url, sandbox.platform.global_token)
    asked: list[str] = []
    note = metadata_note(client, "zdd-demo", False, lambda q: asked.append(q) or False)
    assert asked and "--enable-metadata" in note
    assert not client.feature_info("zdd-demo", "runtime-dyno-metadata").enabled
    note = metadata_note(client, "zdd-demo", True, None)
    assert note.startswith("turned runtime-dyno-metadata on")
    assert client.feature_info("zdd-demo", "runtime-dyno-metadata").enabled
