"""The flows in process (zdd.flows) against a sandbox on loopback, with a scripted prompt and a
stopped sandbox clock: what the prompt offers, and what --yes alone does not accept."""

from cli_helpers import SandboxTime, short_preboot, vector_app

from zdd.flows.codes import ExitCode
from zdd.flows.setup import SetupRequest, run_setup
from zdd.flows.undo import UndoRequest, run_undo
from zdd.plan import PlanOptions
from zdd.sandbox import ManualClock

STD = "Standard-1X"


class Scripted:
    """A prompt that answers from a list and keeps the questions."""

    def __init__(self, *answers: bool) -> None:
        self.answers, self.questions = list(answers), []

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


def set_up(env, clock) -> None:
    options = PlanOptions(size=STD, buildpack=env.companion)
    report = run_setup(
        SetupRequest("java-basic", options, yes=True), env.deps(clock=SandboxTime(clock))
    )
    assert report.exit_code == ExitCode.OK, report.message
    clock.advance(600)  # setup's releases: their preboot windows are over


def test_undo_on_a_terminal_offers_the_size_restore(sandbox_for):
    clock = ManualClock()
    env = sandbox_for(short_preboot(vector_app("fresh-java-basic")), clock=clock)
    before = env.app_state("java-basic")["formation"]
    set_up(env, clock)
    prompt = Scripted(True, True)  # restore sizes too; apply
    report = run_undo(UndoRequest("java-basic"), env.deps(prompt=prompt, clock=SandboxTime(clock)))
    assert report.exit_code == ExitCode.OK, report.message
    assert prompt.questions[0].startswith("Also restore dyno sizes (")
    assert prompt.questions[1].startswith("Apply ")
    assert env.app_state("java-basic")["formation"] == before


def test_declining_the_size_restore_keeps_sizes_and_says_how(sandbox_for):
    clock = ManualClock()
    env = sandbox_for(short_preboot(vector_app("fresh-java-basic")), clock=clock)
    set_up(env, clock)
    prompt = Scripted(False, True)
    report = run_undo(UndoRequest("java-basic"), env.deps(prompt=prompt, clock=SandboxTime(clock)))
    assert report.exit_code == ExitCode.NOT_DONE
    assert "--restore-sizes" in report.message
    assert env.app_state("java-basic")["formation"] == [("web", 2, STD), ("worker", 1, STD)]


def big_app():
    return {
        "name": "big",
        "buildpacks": ["heroku/nodejs"],
        "formation": [{"type": "web", "quantity": 1, "size": "Performance-L"}],
        "features": {"preboot": True, "http-session-affinity": True},
    }


def test_a_large_cost_needs_confirm_cost_under_yes_and_is_named_at_the_prompt(sandbox_for):
    env = sandbox_for(big_app())
    options = PlanOptions(min_web=3)
    refused = run_setup(SetupRequest("big", options, yes=True), env.deps())
    assert refused.exit_code == ExitCode.NOT_DONE and "--confirm-cost" in refused.message
    assert env.writes() == []
    prompt = Scripted(False)
    asked = run_setup(SetupRequest("big", options), env.deps(prompt=prompt))
    assert asked.exit_code == ExitCode.NOT_DONE and env.writes() == []
    assert "to the monthly bill" in prompt.questions[0], prompt.questions
    applied = run_setup(SetupRequest("big", options, yes=True, confirm_cost=True), env.deps())
    assert applied.exit_code == ExitCode.OK, applied.message
    assert env.app_state("big")["formation"] == [("web", 3, "Performance-L")]
