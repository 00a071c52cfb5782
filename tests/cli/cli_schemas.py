"""The JSON Schema of the --json documents, as published in docs/zdd-json.schema.json (the stable
shapes docs/json.md documents): DOCUMENT is any of them; SETUP, UNDO, CHECK, FAILURE one each."""

import json

from cli_helpers import REPO

DOCUMENT = json.loads((REPO / "docs" / "zdd-json.schema.json").read_text())


def _one(name: str) -> dict:
    """One shape of the published schema, its references still resolving."""
    return {"$ref": f"#/$defs/{name}", "$defs": DOCUMENT["$defs"]}


SETUP, UNDO, CHECK, FAILURE = (_one(n) for n in ("setup", "undo", "check", "failure"))
