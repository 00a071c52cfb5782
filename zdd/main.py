"""The `zdd` console script: the same collection as `invoke zdd`, as its own program.

`zdd setup --app A`, `zdd check --all`, `zdd undo --app A`, `zdd verify ...`; `zdd --help` lists
them. Like `invoke zdd --app A`, a command line that starts with a setup flag (`zdd --app A`) runs
setup, the default task; plain Invoke would stop with "No idea what '--app' is!".

The program's own options are only -h/--help, -V/--version and shell completion. Invoke's other
core flags (-R/--dry, -e, -p, -w, -d, -T, -f, --hide, ...) mean something else inside zdd's
commands (-d is setup's --dry-run), so they are refused, wherever they appear: exit 2.
"""

from __future__ import annotations

import difflib
import io
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

from invoke import Argument, Exit, Program
from invoke.exceptions import ParseError
from invoke.parser import ParserContext

from zdd import __version__
from zdd.cli import has_dry_run
from zdd.tasks import ns

USAGE_EXIT = 2  # the documented code for usage errors; Invoke's parser alone would exit 1
INTERRUPTED_EXIT = 130  # 128 + SIGINT, as shells report a Ctrl-C (zdd.cli.INTERRUPTED)
#: The only core options zdd has (Invoke's names): everything else Invoke offers is refused.
ZDD_CORE = ("help", "version", "complete", "print-completion-script")
SEE_HELP = "See `zdd --help` or `zdd <command> --help`."


def _flag_names(args: list[Argument]) -> set[str]:
    return {("--" if len(n) > 1 else "-") + n for a in args for n in a.names}


class ZddProgram(Program):
    """Invoke's Program with zdd's own core options only; leading command flags go to the default
    task (setup); one command per run; every unparsable command line exits 2 (usage error), not
    Invoke's 1, which zdd reserves for findings."""

    def core_args(self) -> list[Argument]:
        return [a for a in super().core_args() if a.name in ZDD_CORE]

    def task_args(self) -> list[Argument]:
        return []

    def invoke_core_flags(self) -> set[str]:
        """Every flag Invoke's own program would take before a task (`--dry`, `-d`, ...)."""
        return _flag_names(Program.core_args(self) + Program.task_args(self))

    def parse_core_args(self) -> None:
        super().parse_core_args()
        # Invoke's Program reads its other core options after parsing (debug, dry, pty, config):
        # they exist here only with their defaults, never from the command line.
        args = self.core[0].args
        for arg in Program.core_args(self):
            if arg.name not in args:
                args[arg.name] = arg

    def parse_core(self, argv) -> None:
        with usage_errors(self):
            super().parse_core(argv)

    def print_version(self) -> None:
        """`zdd -V` alone; `zdd -V extra` is a usage error, not the version and exit 0."""
        if self.core.unparsed:
            raise Exit(
                f"zdd: -V/--version takes nothing after it (got {self.core.unparsed[0]!r}); "
                "run `zdd --version` alone.",
                USAGE_EXIT,
            )
        super().print_version()

    def parse_tasks(self) -> None:
        with usage_errors(self):
            check_flag_values(self.core.unparsed, self._make_parser().contexts)
            super().parse_tasks()
        if len(self.tasks) > 1:
            names = " and ".join(f"`{t.name}`" for t in self.tasks)
            raise Exit(f"zdd runs one command at a time, got {names}.\n{SEE_HELP}", USAGE_EXIT)

    def normalize_argv(self, argv) -> None:
        super().normalize_argv(argv)
        args = list(self.argv)
        if len(args) < 2 or not args[1].startswith("-"):
            return
        flag = args[1].split("=", 1)[0]
        if flag in _flag_names(self.core_args()):
            return
        if flag in self.invoke_core_flags():
            raise Exit(core_flag_line(flag), USAGE_EXIT)
        self.argv = [args[0], "setup", *args[1:]]

    def execute(self) -> None:
        try:
            super().execute()
        except KeyboardInterrupt:  # Invoke's own handler would exit 1, zdd's "not done"
            raise Exit("\nAborted", code=INTERRUPTED_EXIT) from None

    def run(self, argv=None, exit: bool = True) -> None:
        try:
            super().run(argv, exit=exit)
        except BrokenPipeError:  # the reader went away (`zdd --help | head -1`)
            from zdd.output import broken_pipe_exit

            broken_pipe_exit()

    def print_task_help(self, name: str) -> None:
        """Invoke's task help with the usage line zdd accepts (no `[--core-opts]`, no
        `[other tasks here ...]`: zdd runs one command and has no core options to give it)."""
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            super().print_task_help(name)
        head, _, rest = buffer.getvalue().partition("\n")
        opts = " [--options]" if "[--options]" in head else ""
        sys.stdout.write(f"Usage: {self.binary} {name}{opts}\n{rest}")

    def print_help(self) -> None:
        print(f"Usage: {self.binary} [-h|--help] [-V|--version] <command> [--options]")
        print(f"       {self.binary} <command> --help")
        print("")
        print("Options:")
        print("")
        self.print_columns(CORE_HELP)
        self.list_tasks()


#: zdd's words for its core options (Invoke's help tuples describe Invoke's own program).
CORE_HELP = [
    ("-h, --help", "show this help; `zdd <command> --help` shows a command's flags"),
    ("-V, --version", "print `zdd <version>` and exit"),
    ("--print-completion-script=SHELL", "print a tab-completion script for bash, zsh or fish"),
    ("--complete", "used by that script: print the completions for the words typed so far"),
]

#: What each flag's value is, for "--FLAG needs a value (...)"; others say "a value".
VALUE_OF = {
    "app": "an app name",
    "remote": "a git remote name",
    "wait": "a number of seconds",
    "min-web": "a number of web dynos",
    "size": "a dyno size, e.g. Standard-1X",
    "buildpack": "a buildpack URL",
    "snapshot": "a snapshot id",
    "concurrency": "a number of apps",
    "url": "a URL",
    "out": "a folder",
    "picture": "a file name",
    "print-completion-script": "a shell: bash, zsh or fish",
}


class FlagError(ParseError):
    """A command line zdd refuses before Invoke parses it; its message is the whole line."""


def _needs_value(command: str | None, name: str) -> str:
    where = f"zdd {command}" if command else "zdd"
    return f"{where}: --{name} needs a value ({VALUE_OF.get(name, 'a value')})"


def check_flag_values(tokens: list[str], contexts) -> None:
    """Refuse what Invoke's parser lets through silently: a value flag with no value after it
    (`--app A --app` would keep A) and a one-value flag given twice (`--app A --app B` would
    report B as an unknown word)."""
    context: ParserContext | None = None
    seen: set[str] = set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if context is None or token in contexts:
            context = contexts.get(token, context)
            seen = set()
            continue
        flags, inverse = context.flags, context.inverse_flags
        if token.startswith("--") and "=" in token:
            arg, needs_next = flags.get(token.split("=", 1)[0]), False
        elif re.fullmatch(r"-[^-].+", token):
            head = flags.get(token[:2])
            if head is not None and head.takes_value:
                arg, needs_next = head, False
            else:  # a bundle of short flags (`-yj`): only the last may take the next word
                arg, needs_next = flags.get("-" + token[-1]), True
        elif token in flags or token in inverse:
            arg, needs_next = flags[inverse.get(token, token)], True
        else:
            continue
        if arg is None or not arg.takes_value or arg.optional:
            continue
        name = arg.names[0] if len(arg.names[0]) > 1 else arg.names[-1]
        if needs_next:
            if i >= len(tokens) or tokens[i] in flags or tokens[i] in inverse:
                raise FlagError(_needs_value(context.name, name))
            i += 1
        if arg.kind is not list and name in seen:
            raise FlagError(
                f"zdd {context.name}: {context.name} takes one --{name} "
                f"(see `zdd {context.name} --help`)"
            )
        seen.add(name)


_NO_IDEA = re.compile(r"^No idea what '(?P<word>[^']*)' is!$")
_NO_VALUE = re.compile(r"^Flag <\w*Argument: (?P<name>[^ >]+)[^>]*> needed value")


@contextmanager
def usage_errors(program: ZddProgram) -> Iterator[None]:
    """Turn Invoke's ParseError into Exit(code=2) with one line saying what to do next (for a
    word after a command that isn't one, the `--app WORD` the user most likely meant, or the
    command it nearly spells); under -j/--json the same as one JSON error document on stdout."""
    try:
        yield
    except ParseError as exc:
        command = _command_in(program)
        line = usage_line(program, str(exc), command, isinstance(exc, FlagError))
        if command and _wants_json(program, command):
            from zdd.cli import error_doc
            from zdd.errors import UsageError
            from zdd.output import print_json

            print_json(error_doc(command, UsageError(line, remedy=f"zdd {command} --help")))
            raise Exit(code=USAGE_EXIT) from exc
        raise Exit(line, code=USAGE_EXIT) from exc


def usage_line(program: ZddProgram, message: str, command: str | None, own: bool) -> str:
    """The one line for a command line Invoke could not parse, in zdd's words."""
    if own:
        return message
    if m := _NO_VALUE.match(message):
        return _needs_value(command, m["name"])
    m = _NO_IDEA.match(message)
    if m and m["word"].startswith("-"):
        flag = m["word"].split("=", 1)[0]
        if command:  # after the command: the command has no such flag, Invoke's or not
            dry = flag in ("--dry", "-R") and has_dry_run(program.namespace[command])
            hint = f"; {command}'s dry run is --dry-run" if dry else ""
            return f"zdd {command}: unknown flag {flag}{hint} (see `zdd {command} --help`)"
        if flag in program.invoke_core_flags():
            return core_flag_line(flag)
        return f"zdd: unknown option {flag} (see `zdd --help`)"
    if m:
        return _word_hint(program, m["word"])
    if command:  # a flag's value zdd refused (`--min-web abc`)
        return f"zdd {command}: {message} (see `zdd {command} --help`)"
    return f"zdd: {message}. {SEE_HELP}"


def core_flag_line(flag: str) -> str:
    """An Invoke core flag (`--dry`, `-e`, ...): not zdd's, wherever it appears."""
    dry = "; setup's dry run is --dry-run" if flag in ("--dry", "-R") else ""
    return (
        f"zdd: {flag} is not a zdd option (zdd's own options are -h/--help and -V/--version"
        f"{dry}); a command's flags go after the command, e.g. `zdd setup --dry-run`. {SEE_HELP}"
    )


def _command_in(program: ZddProgram) -> str | None:
    commands = set(program.namespace.task_names)
    return next((a for a in program.argv[1:] if a in commands), None)


def _wants_json(program: ZddProgram, command: str) -> bool:
    """-j/--json given after the command (alone, or last in a bundle of short flags: `-yj`)."""
    argv = list(program.argv[1:])
    after = argv[argv.index(command) + 1 :]
    return any(a in ("-j", "--json") or re.fullmatch(r"-[a-z]*j", a) for a in after)


def _word_hint(program: ZddProgram, word: str) -> str:
    """A stray word: the command it nearly spells (`chek`), else the `--app WORD` meant."""
    commands = set(program.namespace.task_names)
    argv = list(program.argv[1:])
    before = argv[: argv.index(word)] if word in argv else argv
    command = next((a for a in before if a in commands), None)
    if command is None:
        close = difflib.get_close_matches(word, sorted(commands), n=1)
        if close:
            return f"zdd: '{word}' is not a zdd command; did you mean `zdd {close[0]}`?"
        listed = ", ".join(sorted(commands))
        return (
            f"zdd: '{word}' is not a zdd command ({listed}); to name an app: "
            f"`zdd --app {word}`; see `zdd --help`."
        )
    return (
        f"zdd {command}: unexpected word '{word}'; apps are named with a flag: "
        f"`zdd {command} --app {word}` (see `zdd {command} --help`)"
    )


def make_program() -> Program:
    """A fresh Program (tests call `make_program().run(argv, exit=False)`)."""
    return ZddProgram(namespace=ns, version=__version__, name="zdd", binary="zdd")


program = make_program()


def main() -> None:
    """The `zdd` console script and `python -m zdd`: the program as a process of its own."""
    try:
        program.run()
    except SystemExit as done:
        if done.code == INTERRUPTED_EXIT:
            # Aborted: the process is ending. Under `heroku zdd` the terminal's SIGINT and the one
            # the plugin forwards arrive together; the second must not interrupt the exit (a
            # KeyboardInterrupt traceback from an atexit handler). Only here, in zdd's own
            # process: an ignored SIGINT is inherited by every child started later.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise
