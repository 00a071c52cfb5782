"""JSON Schemas of the --json documents (the stable shapes README documents)."""

ERROR = {
    "type": ["object", "null"],
    "required": ["type", "message", "remedy"],
}
REQUESTS = {
    "type": "object",
    "required": ["requests", "writes", "retries"],
    "properties": {k: {"type": "integer", "minimum": 0} for k in ("requests", "writes", "retries")},
}
STATE = {
    "type": "object",
    "required": ["app", "buildpacks", "features", "formation", "config_vars"],
    "properties": {
        "buildpacks": {"type": "array", "items": {"type": "string"}},
        "features": {"type": "object", "additionalProperties": {"type": "boolean"}},
        "formation": {
            "type": "array",
            "items": {"type": "object", "required": ["type", "quantity", "size"]},
        },
        "config_vars": {"type": ["array", "null"], "items": {"type": "string"}},
    },
}
STEP = {
    "type": "object",
    "required": ["id", "kind", "status", "what", "why", "monthly_cost_change_usd", "commands"],
    "properties": {
        "status": {"enum": ["pending", "unchanged", "blocked"]},
        "monthly_cost_change_usd": {"type": ["integer", "null"]},
        "commands": {"type": "array", "items": {"type": "string"}},
    },
}
PLAN = {
    "type": "object",
    "required": ["app", "steps", "monthly_cost_change_usd", "next_command"],
    "properties": {"steps": {"type": "array", "items": STEP}},
}
RESULT = {
    "type": "object",
    "required": ["id", "outcome", "what", "detail"],
    "properties": {
        "outcome": {"enum": ["changed", "unchanged", "blocked", "failed", "not_attempted"]}
    },
}
FINDING = {
    "type": "object",
    "required": ["id", "status", "message", "remedy"],
    "properties": {
        "status": {"enum": ["passed", "failed", "skipped"]},
        "remedy": {
            "type": ["object", "null"],
            "required": ["command", "doc"],
        },
    },
}
SETUP = {
    "type": "object",
    "required": [
        "version",
        "command",
        "app",
        "dry_run",
        "state",
        "plan",
        "snapshot",
        "results",
        "findings",
        "requests",
        "exit_code",
    ],
    "properties": {
        "version": {"const": 1},
        "command": {"const": "setup"},
        "state": STATE,
        "plan": PLAN,
        "results": {"type": ["array", "null"], "items": RESULT},
        "findings": {"type": ["array", "null"], "items": FINDING},
        "requests": REQUESTS,
        "exit_code": {"enum": [0, 1, 3]},
    },
}
UNDO = {
    "type": "object",
    "required": ["version", "command", "app", "snapshot", "dry_run", "plan", "results", "requests"],
    "properties": {
        "command": {"const": "undo"},
        "plan": PLAN,
        "results": {"type": ["array", "null"], "items": RESULT},
        "requests": REQUESTS,
    },
}
CHECK = {
    "type": "object",
    "required": ["version", "command", "apps", "summary", "requests", "exit_code"],
    "properties": {
        "command": {"const": "check"},
        "apps": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["app", "ready", "findings", "error"],
                "properties": {"findings": {"type": "array", "items": FINDING}, "error": ERROR},
            },
        },
        "summary": {"type": "object", "required": ["apps", "ready", "not_ready", "errors"]},
        "requests": REQUESTS,
    },
}
FAILURE = {
    "type": "object",
    "required": ["version", "command", "error", "exit_code"],
    "properties": {"exit_code": {"const": 2}, "error": {**ERROR, "type": "object"}},
}
