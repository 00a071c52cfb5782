"""The plugin's generated files, read from Python (the drift test and the end-to-end test)."""

from __future__ import annotations

import json
import re
from pathlib import Path

PLUGIN = Path(__file__).resolve().parents[2] / "plugin"
GENERATED = PLUGIN / "src" / "generated" / "zdd.ts"
COMMANDS = PLUGIN / "src" / "commands" / "zdd"


def generated_spec() -> dict:
    """The zdd description the plugin was generated from (plugin/src/generated/zdd.ts)."""
    text = GENERATED.read_text()
    match = re.search(r"^export const spec: ZddSpec = (\{.*\})\s*$", text, re.S | re.M)
    assert match, f"{GENERATED} does not hold `export const spec: ZddSpec = {{...}}`"
    return json.loads(match.group(1))
