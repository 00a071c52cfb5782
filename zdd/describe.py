"""`python -m zdd.describe`: zdd's commands and flags as one JSON document.

Read from the Invoke collection the `zdd` script runs (zdd.tasks.ns), so it cannot disagree with
the command line. The Heroku CLI plugin (plugin/) generates its flag definitions from it; a test
fails when the plugin's copy drifts.
"""

from __future__ import annotations

import inspect
import json
import sys
from typing import Any

from invoke import Collection, Task

from zdd import __version__

#: PyPI distribution that installs the `zdd` script (README; decided for the project).
DISTRIBUTION = "zdd-heroku"

#: Bump when a field of this document changes meaning or goes away.
DESCRIBE_VERSION = 1

_KINDS = {bool: "boolean", str: "string", int: "integer", float: "number", list: "list"}


def describe(collection: Collection | None = None) -> dict[str, Any]:
    """The document: zdd's version, the distribution, and every command with its flags."""
    if collection is None:
        from zdd.tasks import ns as collection
    commands = [
        describe_task(name, task, default=(name == collection.default))
        for name, task in sorted(collection.tasks.items())
    ]
    from zdd.cli import JSON_VERSION

    return {
        "describe_version": DESCRIBE_VERSION,
        # The `version` of zdd's --json documents, so the plugin's own error document matches.
        "json_version": JSON_VERSION,
        "version": __version__,
        "distribution": DISTRIBUTION,
        "commands": commands,
    }


def describe_task(name: str, task: Task, *, default: bool) -> dict[str, Any]:
    summary, _, rest = inspect.cleandoc(task.__doc__ or "").partition("\n")
    return {
        "name": name,
        "default": default,
        "summary": summary.strip(),
        "description": " ".join(rest.split()),
        "flags": [describe_argument(arg) for arg in task_arguments(task)],
    }


def task_arguments(task: Task) -> list:
    """`task.get_arguments()`, which pops each help text off the task: put them back, so the
    task still shows its help (and a second describe() reads the same) afterwards."""
    help_texts = dict(task.help)
    try:
        return task.get_arguments()
    finally:
        task.help = help_texts


def describe_argument(arg) -> dict[str, Any]:
    """One flag: its long name, short letter, value kind and help, as `zdd <command>` takes it.

    Defaults are left out: zdd applies its own (its help texts name them), so the plugin passes only
    the flags the user gave.
    """
    long_names = [n for n in arg.names if len(n) > 1]
    shorts = [n for n in arg.names if len(n) == 1]
    kind = _KINDS.get(arg.kind)
    if kind is None:
        raise TypeError(f"flag --{long_names[0]} has a kind zdd.describe does not know: {arg.kind}")
    return {
        "name": long_names[0],
        "short": shorts[0] if shorts else None,
        "kind": kind,
        # Invoke turns a boolean whose default is true into `--no-NAME` (e.g. --no-affinity).
        "negatable": kind == "boolean" and arg.default is True,
        "help": " ".join((arg.help or "").split()),
    }


def main() -> int:
    json.dump(describe(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
