"""zdd.describe, and the plugin's generated copy of it: a flag or command added to zdd without
regenerating the plugin (`invoke plugin`) fails here."""

from __future__ import annotations

import json

import pytest
from invoke import Collection, task
from plugin_files import COMMANDS, PLUGIN, generated_spec

from zdd import __version__
from zdd.describe import describe


def flag_table(doc: dict) -> dict[str, dict]:
    table = {}
    for c in doc["commands"]:
        table[c["name"]] = {k: v for k, v in c.items() if k != "flags"}
        table.update({f"{c['name']} --{f['name']}": f for f in c["flags"]})
    return table


def test_plugin_spec_matches_zdd():
    plugin, zdd = flag_table(generated_spec()), flag_table(describe())
    drift = sorted(k for k in plugin.keys() | zdd.keys() if plugin.get(k) != zdd.get(k))
    assert not drift, (
        f"plugin/src/generated/zdd.ts drifted from zdd ({', '.join(drift)}): "
        "run `invoke plugin` and commit plugin/src"
    )
    assert generated_spec() == describe()


def test_plugin_has_one_command_file_per_zdd_command():
    expected = {"index.ts" if c["default"] else f"{c['name']}.ts" for c in describe()["commands"]}
    assert {p.name for p in COMMANDS.iterdir()} == expected
    for command in describe()["commands"]:
        file = COMMANDS / ("index.ts" if command["default"] else f"{command['name']}.ts")
        assert f'bridgeCommand("{command["name"]}")' in file.read_text()


def test_plugin_version_is_zdds():
    """The plugin pins zdd to its own version (uvx/pipx `zdd-heroku==<version>`)."""
    assert json.loads((PLUGIN / "package.json").read_text())["version"] == __version__


def test_describe_reads_the_collection():
    @task(help={"name": "who", "loud": "shout", "times": "how often"}, iterable=["name"])
    def greet(c, name=None, loud=True, times=1, quiet=False):
        """Say hello.

        To everyone
        named.
        """

    @task
    def other(c):
        """Other."""

    ns = Collection(other)
    ns.add_task(greet, default=True)
    doc = describe(ns)
    assert doc["version"] == __version__
    assert doc["distribution"] == "zdd-heroku"
    greet_doc, other_doc = doc["commands"]
    assert (greet_doc["name"], greet_doc["default"], other_doc["default"]) == ("greet", True, False)
    assert greet_doc["summary"] == "Say hello."
    assert greet_doc["description"] == "To everyone named."
    flags = {f["name"]: f for f in greet_doc["flags"]}
    assert flags["name"] == {
        "name": "name",
        "short": "n",
        "kind": "list",
        "negatable": False,
        "help": "who",
    }
    assert flags["loud"]["negatable"] is True and flags["loud"]["kind"] == "boolean"
    assert flags["quiet"]["negatable"] is False
    assert flags["times"]["kind"] == "integer"


ODD_DEFAULT = object()


def test_describe_refuses_a_kind_it_cannot_describe():
    @task
    def odd(c, ratio=ODD_DEFAULT):
        """Odd."""

    with pytest.raises(TypeError, match="--ratio has a kind"):
        describe(Collection(odd))


def test_describe_leaves_the_collection_as_it_was():
    """Invoke's get_arguments() pops help texts; describing twice (or describing, then --help)
    must read the same."""
    assert describe() == describe()


def test_a_parse_of_zdds_tasks_keeps_their_help_texts():
    """The program parses a task's flags with get_arguments() (in-process CLI tests do this in
    the same worker before this file runs): the help texts the plugin is generated from stay."""
    from zdd.tasks import ns

    before = describe()
    for zdd_task in ns.tasks.values():
        zdd_task.get_arguments()
    assert describe() == before
    assert all(f["help"] for c in before["commands"] for f in c["flags"])
