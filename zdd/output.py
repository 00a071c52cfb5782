"""Terminal and JSON output for setup, check and undo (rich; plain text when not a TTY).

Human output goes to stdout; progress goes to stderr (a spinner on a TTY, plain lines otherwise),
so `--json` output on stdout stays parseable. Colour is off when stdout isn't a TTY or NO_COLOR is
set (rich honours both).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from zdd.checks import FAILED, PASSED, Finding
from zdd.cost import ECO_NOTE, formation_cost, usd, uses_eco
from zdd.plan import Plan
from zdd.state import AppState

STATUS_STYLE = {
    "pending": "yellow",
    "unchanged": "dim",
    "blocked": "bold red",
    "changed": "green",
    "failed": "bold red",
    "not_attempted": "red",
    PASSED: "green",
    FAILED: "bold red",
    "skipped": "dim",
}


#: Exit code when the reader of stdout went away (`zdd check | head -1`): 128 + SIGPIPE, as a
#: shell reports `git log | head -1`; no traceback.
BROKEN_PIPE = 141


def broken_pipe_exit() -> NoReturn:
    """Stop quietly: point stdout at /dev/null (Python flushes it once more at exit) and exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(BROKEN_PIPE)


class ZddConsole(Console):
    """rich's Console with zdd's exit code for a closed pipe (rich's 1 means "not ready")."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        broken_pipe_exit()


def consoles() -> tuple[Console, Console]:
    """(stdout, stderr) consoles; no colour when NO_COLOR is set or the stream isn't a TTY.

    On a terminal, text wraps to its width (continuation lines under their text column); into a
    pipe or file, a line stays one line (what grep and scripts expect)."""
    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    out = ZddConsole(highlight=False, **plain)
    err = ZddConsole(stderr=True, highlight=False, **plain)
    for console in (out, err):
        console.soft_wrap = not console.is_terminal
    return out, err


def header(out: Console, title: str, rest: str = "") -> None:
    """A section title as the Heroku CLI prints one (`=== my-app`, its styledHeader): `title`
    in bold, then `rest` (both rich markup)."""
    row(out, "[dim]===[/] ", f"[bold]{title}[/]" + (f" {rest}" if rest else ""))


def row(out: Console, prefix: str, body: str) -> None:
    """`prefix` then `body` (both rich markup) on one line; on a terminal a long body wraps
    under itself, not under the prefix."""
    if out.soft_wrap:
        out.print(prefix + body)
        return
    left = Text.from_markup(prefix)
    indent = cell_len(left.plain)
    lines = Text.from_markup(body).wrap(out, max(out.width - indent, 20), overflow="fold")
    for i, line in enumerate(lines):
        line.rstrip()
        out.print(Text.assemble(left if i == 0 else " " * indent, line), crop=False)


def print_json(doc: dict) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


class Progress:
    """A progress indicator on stderr: a rich spinner on a TTY, one line per update otherwise."""

    def __init__(self, err: Console, enabled: bool = True) -> None:
        self.err, self.enabled = err, enabled
        self._status = None

    @contextmanager
    def running(self, message: str) -> Iterator[Progress]:
        if not self.enabled:
            yield self
            return
        if self.err.is_terminal:
            with self.err.status(escape(message)) as status:
                self._status = status
                try:
                    yield self
                finally:
                    self._status = None
        else:
            self.err.print(f"... {escape(message)}")
            yield self

    def update(self, message: str) -> None:
        if not self.enabled:
            return
        if self._status is not None:
            self._status.update(escape(message))
        else:
            self.err.print(f"... {escape(message)}")


def _label(status: str, width: int = 13) -> str:
    style = STATUS_STYLE.get(status, "")
    text = escape(status.replace("_", " "))
    pad = " " * max(1, width - len(status))
    return f"[{style}]{text}[/]{pad}" if style else text + pad


def describe_state(state: AppState) -> str:
    if not state.formation:
        return "no process types yet"
    procs = ", ".join(f"{p.type} {p.quantity} x {p.size}" for p in state.formation)
    return f"{procs} ({usd(formation_cost(state.formation))})"


def render_plan(out: Console, plan: Plan, state: AppState, title: str = "Plan") -> None:
    kind = "JVM app" if state.is_jvm else "app"
    header(
        out, f"{escape(title)} for {escape(plan.app)}", f"({kind}; now: {describe_state(state)})"
    )
    for i, s in enumerate(plan.steps, 1):
        cost = f"  [bold]{usd(s.cost_change, signed=True)}[/]" if s.cost_change else ""
        row(out, f"  {i}. {_label(s.status)}", f"{escape(s.what)}{cost}")
        if s.status != "unchanged" and s.why:
            row(out, "        why: ", escape(s.why))
        if s.note and s.status != "unchanged":
            row(out, "        note: ", escape(s.note))
    for note in plan.notes:
        row(out, "  note: ", escape(note))
    blocked_cost = [s.cost_change for s in plan.blocked if s.cost_change]
    if plan.pending or blocked_cost:
        line = f"  Monthly cost change: [bold]{usd(plan.cost_change, signed=True)}[/]"
        if blocked_cost:
            extra = None if None in blocked_cost else sum(blocked_cost)
            line += f" now, {usd(extra, signed=True)} more with the blocked step(s)"
        out.print(line)
    if plan.pending or plan.blocked:  # what remains to pay, whatever is done or left blocked
        out.print(f"  Monthly cost of the dynos after this: [bold]{usd(plan.cost_after)}[/]")
    if uses_eco(state.formation):
        row(out, "  ", f"({escape(ECO_NOTE)})")


def render_commands(out: Console, plan: Plan) -> None:
    """The pending steps as shell commands; blocked steps as `# blocked:` comments + what to run."""
    commands = plan.commands()
    if not commands and not plan.blocked:
        out.print("# nothing to do")
    for c in commands:
        out.print(c, markup=False)
    for s in plan.blocked:
        reason = s.note or s.why
        out.print(f"# blocked: {s.what}" + (f" ({reason})" if reason else ""), markup=False)
    if plan.blocked and plan.next_command:
        out.print(f"# next: {plan.next_command}", markup=False)


def render_results(out: Console, results: Iterable) -> None:
    header(out, "Result")
    for r in results:
        row(out, f"  {_label(r.outcome)}", escape(r.step.what))
        if r.detail:
            for part in str(r.detail).splitlines():
                row(out, "        ", escape(part))


def render_findings(out: Console, app: str, findings: list[Finding]) -> None:
    ok = all(f.status != FAILED for f in findings)
    verdict = "[green]ready[/]" if ok else "[bold red]not ready[/]"
    header(out, f"{escape(app)}: {verdict}")
    for f in findings:
        label = f.status.capitalize()
        style = STATUS_STYLE[f.status]
        pad = " " * (9 - len(label))
        row(out, f"  [{style}]{label}[/]{pad}{f.id:<27}", escape(f.message))
        if f.status == FAILED:
            row(out, f"  {'':9}{'':27}", f"fix: {escape(f.command)}")
            row(out, f"  {'':9}{'':27}", f"see: {escape(f.doc)}")


class TextOutput:
    """A flow's Output on the terminal: progress on stderr; plans and notes on stdout unless
    `show` is off (--json keeps stdout for the one document)."""

    def __init__(self, out: Console, err: Console, *, show: bool = True, progress: bool = True):
        self.out, self.show = out, show
        self.progress = Progress(err, enabled=progress)

    def running(self, message: str):
        return self.progress.running(message)

    def update(self, message: str) -> None:
        self.progress.update(message)

    def plan(self, plan: Plan, state: AppState, title: str) -> None:
        if self.show:
            render_plan(self.out, plan, state, title=title)

    def note(self, text: str) -> None:
        if self.show:
            self.out.print(text, markup=False)


def render_check_report(out: Console, report) -> None:
    """`zdd check`'s text: per app its findings and dynos (or its error), then the summary."""
    for app in report.apps:
        if app.error is not None:
            header(out, escape(app.app) + ": [bold red]error[/]")
            out.print(f"  {app.error}", markup=False)
            continue
        render_findings(out, app.app, list(app.findings))
        out.print(f"  dynos: {describe_state(app.state)}", markup=False)
    out.print(report.message, markup=False)


def render_run_report(out: Console, report) -> None:
    """setup/undo's text after the plan: the results (when anything was applied), the message."""
    if report.applied is not None:
        render_results(out, report.applied.results)
    if report.message:
        out.print(report.message, markup=False)
