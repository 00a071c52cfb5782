"""Seed documents (YAML/JSON file or dict, format in docs/design.md) and the built-in demo app.

Seeds are checked against the same tier rules as the API, so a seed cannot describe an app the
real platform would never hold (two Basic web dynos, Basic mixed with Standard-1X, preboot enabled
on Eco/Basic, more than two running Eco dynos).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import lifecycle
from .catalog import FEATURES_BY_NAME, find_size, stable_id
from .records import Formation, Slug, new_addon
from .rules import (
    PlatformError,
    buildpack_url,
    check_formation,
    feature_refusal,
    preboot_blockers,
    size_refusal,
)

if TYPE_CHECKING:
    from .state import Platform

DEMO_SEED: dict = {
    "account": {"email": "dev@example.com"},
    "apps": [
        {
            "name": "zdd-demo",
            "stack": "heroku-24",
            "region": "us",
            "buildpacks": ["heroku/java"],
            "formation": [
                {
                    "type": "web",
                    "quantity": 1,
                    "size": "Basic",
                    "command": "java -Dserver.port=$PORT $JAVA_OPTS -jar target/zdd-demo.jar",
                },
                {
                    "type": "worker",
                    "quantity": 1,
                    "size": "Basic",
                    "command": "java $JAVA_OPTS -cp target/zdd-demo.jar demo.Worker",
                },
            ],
            "features": {"preboot": False, "http-session-affinity": False},
            "config_vars": {"JAVA_OPTS": "-Xss512k"},
            "boot_seconds": 15,  # a JVM web app binds its port ~15 s after start
        }
    ],
}

TOP_KEYS = {
    "account",
    "tokens",
    "apps",
    "rate_limit",
    "preboot_refusal_message",
    "rollback_to_current",
    "pipelines",
}
APP_KEYS = {
    "name",
    "stack",
    "region",
    "buildpacks",
    "formation",
    "features",
    "config_vars",
    "preboot_in_progress_seconds",
    "releases",
    "generation",
    "space",
    "boot_seconds",
    "boot_timeout",
    "shutdown_seconds",
    "release_command",
    "release_phase",
    "maintenance",
    "addons",
    "app_dir",
}


class SeedError(ValueError):
    """A seed document that cannot be loaded; the message names the offending path."""


def load_seed(path: str | Path) -> dict:
    """Read a YAML or JSON seed file (JSON is YAML, so one parser reads both)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"Cannot read seed file {path}: {exc.strerror}.") from exc
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SeedError(f"Seed file {path} is not valid YAML/JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise SeedError(f"Seed file {path} must hold a mapping with an 'apps' list.")
    return doc


def _require(cond: bool, where: str, message: str) -> None:
    if not cond:
        raise SeedError(f"seed {where}: {message}")


def apply_seed(platform: Platform, seed: dict) -> None:
    """Add (or replace, by name) the seed's apps and tokens on `platform`."""
    _require(isinstance(seed, dict), "", "must be a mapping")
    extra = set(seed) - TOP_KEYS
    _require(not extra, "", f"unknown key(s) {sorted(extra)}; allowed: {sorted(TOP_KEYS)}")
    if "account" in seed:
        account = seed["account"] or {}
        _require(isinstance(account, dict), "account", "must be a mapping")
        if "email" in account:
            platform.account.email = str(account["email"])
            platform.account.id = stable_id("account", platform.account.email)
        if "name" in account:
            platform.account.name = account["name"]
    if "rate_limit" in seed:
        rl = seed["rate_limit"] or {}
        _require(isinstance(rl, dict), "rate_limit", "must be {capacity, refill_per_minute}")
        capacity = int(rl.get("capacity", platform.rate_limit.capacity))
        refill = float(rl.get("refill_per_minute", platform.rate_limit.refill_per_minute))
        _require(capacity >= 0 and refill >= 0, "rate_limit", "values must be >= 0")
        platform.rate_limit.capacity = capacity
        platform.rate_limit.refill_per_minute = refill
        platform.rate_limit.tokens = -1.0  # refill to the new capacity on next use
    if "preboot_refusal_message" in seed:
        platform.preboot_refusal = str(seed["preboot_refusal_message"])
    if "rollback_to_current" in seed:
        allow = seed["rollback_to_current"]
        _require(isinstance(allow, bool), "rollback_to_current", "must be true or false")
        platform.rollback_to_current = allow
    for i, tok in enumerate(seed.get("tokens") or []):
        where = f"tokens[{i}]"
        _require(isinstance(tok, dict) and tok.get("token"), where, "needs a 'token'")
        scope = tok.get("scope", ["global"])
        _require(isinstance(scope, list), where, "'scope' must be a list")
        try:
            for auth in [a for a in platform.authorizations.values() if a.token == tok["token"]]:
                del platform.authorizations[auth.id]
            platform.add_token(str(tok["token"]), scope, str(tok.get("description", "")))
        except PlatformError as exc:
            raise SeedError(f"seed {where}: {exc.message}") from exc
    apps = seed.get("apps") or []
    _require(isinstance(apps, list), "apps", "must be a list")
    for i, spec in enumerate(apps):
        _seed_app(platform, spec, f"apps[{i}]")
    for i, pipe in enumerate(seed.get("pipelines") or []):
        where = f"pipelines[{i}]"
        _require(isinstance(pipe, dict) and pipe.get("name"), where, "needs a 'name'")
        stages = pipe.get("stages") or {}
        _require(isinstance(stages, dict), f"{where}.stages", "must map stage: [app, ...]")
        try:
            platform.add_pipeline(str(pipe["name"]), {k: list(v) for k, v in stages.items()})
        except PlatformError as exc:
            raise SeedError(f"seed {where}: {exc.message}") from exc


def _seed_app(platform: Platform, spec: dict, where: str) -> None:
    _require(isinstance(spec, dict) and spec.get("name"), where, "needs a 'name'")
    extra = set(spec) - APP_KEYS
    _require(not extra, where, f"unknown key(s) {sorted(extra)}; allowed: {sorted(APP_KEYS)}")
    try:
        app = platform.add_app(str(spec["name"]))
        app.buildpacks = [buildpack_url(b) for b in spec.get("buildpacks") or []]
    except PlatformError as exc:
        raise SeedError(f"seed {where}: {exc.message}") from exc
    app.stack = str(spec.get("stack", "heroku-24"))
    app.region = str(spec.get("region", "us"))
    app.preboot_seconds = float(spec.get("preboot_in_progress_seconds") or 0)
    _seed_lifecycle(app, spec, where)

    features = spec.get("features") or {}
    _require(isinstance(features, dict), f"{where}.features", "must be a mapping name: bool")
    for name, enabled in features.items():
        _require(name in FEATURES_BY_NAME, f"{where}.features", f"unknown feature {name!r}")
        _require(isinstance(enabled, bool), f"{where}.features.{name}", "must be true/false")
        app.features[name] = enabled
    for name, enabled in features.items():
        refusal = feature_refusal(app, name) if enabled else None
        _require(refusal is None, f"{where}.features.{name}", str(refusal))

    config = spec.get("config_vars") or {}
    _require(isinstance(config, dict), f"{where}.config_vars", "must be a mapping")
    app.config_vars = {str(k): str(v) for k, v in config.items()}

    now = platform.clock()
    for j, row in enumerate(spec.get("formation") or []):
        w = f"{where}.formation[{j}]"
        _require(isinstance(row, dict) and row.get("type"), w, "needs a 'type'")
        default = "dyno-1c-0.5gb" if app.generation == "fir" else "Basic"
        size = find_size(str(row.get("size", default)))
        _require(size is not None, w, f"unknown dyno size {row.get('size')!r}")
        quantity = row.get("quantity", 1)
        _require(isinstance(quantity, int) and quantity >= 0, w, "quantity must be an int >= 0")
        ptype = str(row["type"])
        app.formation[ptype] = Formation(
            type=ptype,
            quantity=quantity,
            size=size,
            command=str(row.get("command") or f"bin/{ptype}"),
            id=stable_id("formation", app.id, ptype),
            created_at=now,
            updated_at=now,
        )
    spaced = [f.size for f in app.formation.values() if f.size.private_space_only]
    if spaced and not app.space:  # Private/Shield sizes run in a space: give the app one
        shield = any(size.tier == "shield" for size in spaced)
        app.space = {"name": f"{app.name}-space", "shield": shield}
    for ptype, form in app.formation.items():
        refusal = size_refusal(app, form.size)
        _require(refusal is None, f"{where}.formation.{ptype}", str(refusal))
    try:
        check_formation({t: (f.quantity, f.size) for t, f in app.formation.items()})
    except PlatformError as exc:
        raise SeedError(f"seed {where}.formation: {exc.message}") from exc
    small = preboot_blockers(f.size for f in app.formation.values())
    _require(
        not (app.features.get("preboot") and small),
        f"{where}.features.preboot",
        f"preboot cannot be enabled on {' and '.join(small)} dynos (Standard or Performance only)",
    )

    releases = spec.get("releases")
    if releases is None:
        descriptions = ["Initial release"] + (["Deploy 1a2b3c4d"] if app.formation else [])
    elif isinstance(releases, int) and releases >= 1:
        descriptions = ["Initial release"] + [f"Deploy {n:08x}" for n in range(2, releases + 1)]
    elif isinstance(releases, list) and releases and all(isinstance(d, str) for d in releases):
        descriptions = list(releases)
    else:
        raise SeedError(f"seed {where}.releases: an int >= 1 or a list of descriptions")
    types = {t: f.command for t, f in app.formation.items()}
    if spec.get("release_command"):
        types["release"] = str(spec["release_command"])
    for n, description in enumerate(descriptions, start=1):
        slug = stable_id("slug", app.id, n) if n > 1 or len(descriptions) == 1 else None
        if slug is not None:
            app.slugs[slug] = Slug(slug, dict(types))
        platform._new_release(app, description, slug_id=slug, history=True)
    # Seeding is history: no window at start, the current release's dynos are up.
    app.preboot_until, app.preboot_switched = 0.0, True
    lifecycle.settle(app, platform.runner_for(app), platform.clock())


def _number(spec: dict, key: str, where: str, low: float, high: float) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    ok = isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high
    _require(ok, f"{where}.{key}", f"must be a number from {low:g} to {high:g}")
    return float(value)


def _seed_lifecycle(app, spec: dict, where: str) -> None:
    """Generation, space, add-ons and the simulated runner's timing (sandbox seconds)."""
    generation = spec.get("generation", "cedar")
    _require(generation in ("cedar", "fir"), f"{where}.generation", "must be cedar or fir")
    app.generation = generation
    space = spec.get("space")
    if space is not None:
        if isinstance(space, str):
            space = {"name": space}
        _require(isinstance(space, dict) and space.get("name"), f"{where}.space", "needs a name")
        app.space = {"name": str(space["name"]), "shield": bool(space.get("shield", False))}
    if "boot_seconds" in spec and spec["boot_seconds"] is None:
        app.boot_seconds = None  # web never binds $PORT: R10 at the boot timeout
    else:
        boot = _number(spec, "boot_seconds", where, 0, 3600)
        app.boot_seconds = app.boot_seconds if boot is None else boot
    # The boot timeout can be raised up to 180 s (Dev Center error-codes#r10-boot-timeout).
    app.boot_timeout = _number(spec, "boot_timeout", where, 1, lifecycle.MAX_BOOT_TIMEOUT)
    shutdown = _number(spec, "shutdown_seconds", where, 0, 3600)
    app.shutdown_seconds = app.shutdown_seconds if shutdown is None else shutdown
    phase = spec.get("release_phase") or {}
    _require(isinstance(phase, dict), f"{where}.release_phase", "must be {seconds, exit, output}")
    seconds = _number(phase, "seconds", f"{where}.release_phase", 0, 86400)
    app.release_seconds = app.release_seconds if seconds is None else seconds
    exit_code = phase.get("exit", 0)
    _require(isinstance(exit_code, int), f"{where}.release_phase.exit", "must be an integer")
    app.release_exit = exit_code
    app.release_output = str(phase.get("output", ""))
    app.maintenance = bool(spec.get("maintenance", False))
    if spec.get("app_dir") is not None:  # real processes (zdd.runtime) instead of simulated ones
        app_dir = Path(str(spec["app_dir"]))
        _require(app_dir.is_dir(), f"{where}.app_dir", f"{app_dir} is not a directory")
        app.app_dir = str(app_dir)
    addons = spec.get("addons") or []
    _require(isinstance(addons, list), f"{where}.addons", "must be a list")
    app.addons = []
    for k, addon in enumerate(addons):
        if isinstance(addon, str):
            addon = {"plan": addon}
        _require(
            isinstance(addon, dict) and ":" in str(addon.get("plan", "")),
            f"{where}.addons[{k}]",
            "needs a plan like heroku-postgresql:essential-0",
        )
        app.addons.append({**addon, **new_addon(app, str(addon["plan"]), addon.get("name"))})


def export_seed(platform: Platform) -> dict:
    """The platform's current state as a seed document (GET /__sandbox/seed); loading it back
    gives the same apps, formation, features, config, buildpacks and release history."""
    with platform._lock:
        return {
            "account": {"email": platform.account.email, "name": platform.account.name},
            "tokens": [
                {"token": a.token, "scope": list(a.scope), "description": a.description}
                for a in platform.authorizations.values()
            ],
            "rate_limit": {
                "capacity": platform.rate_limit.capacity,
                "refill_per_minute": platform.rate_limit.refill_per_minute,
            },
            "preboot_refusal_message": platform.preboot_refusal,
            "rollback_to_current": platform.rollback_to_current,
            "apps": [_export_app(app) for app in platform.apps.values()],
        }


def _export_app(app) -> dict:
    return {
        "name": app.name,
        "stack": app.stack,
        "region": app.region,
        "buildpacks": [url.removeprefix("urn:buildpack:") for url in app.buildpacks],
        "formation": [
            {"type": f.type, "quantity": f.quantity, "size": f.size.name, "command": f.command}
            for f in app.formation.values()
        ],
        "features": dict(app.features),
        "config_vars": dict(app.config_vars),
        "preboot_in_progress_seconds": app.preboot_seconds,
        "releases": [r.description for r in app.releases] or 1,
        "generation": app.generation,
        **({"space": dict(app.space)} if app.space else {}),
        "boot_seconds": app.boot_seconds,
        **({"boot_timeout": app.boot_timeout} if app.boot_timeout is not None else {}),
        "shutdown_seconds": app.shutdown_seconds,
        **_export_release_command(app),
        "release_phase": {
            "seconds": app.release_seconds,
            "exit": app.release_exit,
            "output": app.release_output,
        },
        "maintenance": app.maintenance,
        "addons": [dict(a) for a in app.addons],
    }


def _export_release_command(app) -> dict:
    slug = app.slugs.get(app.current_slug() or "")
    command = slug.release_command if slug else None
    return {"release_command": command} if command else {}
