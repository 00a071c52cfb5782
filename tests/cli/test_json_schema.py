"""Every command's --json document validates against the published schema
(docs/zdd-json.schema.json), whatever way the run ends: nothing to do, blocked, pending, applied,
refused at the prompt, a usage error, an API error."""

import json

import jsonschema
from cli_helpers import vector_app
from cli_schemas import DOCUMENT

STD = "Standard-1X"


def valid(run) -> dict:
    doc = json.loads(run.out)
    jsonschema.validate(doc, DOCUMENT)
    assert doc["exit_code"] == run.code, (doc, run)
    return doc


def test_the_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(DOCUMENT)


def test_every_command_and_every_ending_matches_the_schema(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"), vector_app("node-standard-no-preboot"))
    runs = [
        env.run("setup", "--app", "java-basic", "-j"),  # blocked (needs --size)
        env.run("setup", "--app", "java-basic", "-j", "--print-commands"),
        env.run("setup", "--app", "node-std", "-j", "--dry-run"),  # pending
        env.run("setup", "--app", "node-std", "-j"),  # no terminal, no --yes: error document
        env.run("setup", "--app", "node-std", "-j", "--yes"),  # applied
        env.run("setup", "--app", "node-std", "-j", "--yes"),  # nothing to do
        env.run("check", "-j", "--app", "node-std", "--app", "java-basic"),
        env.run("check", "-j", "--app", "no-such-app"),  # an app error inside the report
        env.run("undo", "--app", "node-std", "-j", "--dry-run"),
        env.run("undo", "--app", "node-std", "-j"),  # no terminal: error document
        env.run("undo", "--app", "java-basic", "-j"),  # no snapshot: error document
        env.run("setup", "--app", "node-std", "-j", "--min-web", "x"),  # usage error
        env.run("verify", "-j", "--url", "http://127.0.0.1:0/"),  # usage error
    ]
    commands = [valid(r)["command"] for r in runs]
    assert commands.count("setup") == 7 and commands.count("undo") == 3, commands
    codes = [r.code for r in runs]
    assert codes == [1, 1, 3, 2, 0, 0, 1, 2, 3, 2, 2, 2, 2], codes
