"""The flows behind zdd's commands: plain functions that take their collaborators (`Deps`: the API
client, the snapshot folder, a prompt, a clock, an output for progress) and return a typed,
frozen report. The report is the one source of the command's --json document (`to_json()`,
schema in docs/zdd-json.schema.json), its text and its exit code; the Invoke tasks in
zdd/commands only parse flags, build the collaborators and print the report.

    common.py   ExitCode, Deps and its protocols, the apply-and-verify tail setup and undo share
    setup.py    run_setup(SetupRequest, Deps) -> SetupReport
    undo.py     run_undo(UndoRequest, Deps) -> UndoReport
    check.py    run_check(CheckRequest, Deps) -> CheckReport

A new command (deploy, rehearse) adds a module here with a `run_<name>(request, deps)`.
"""
