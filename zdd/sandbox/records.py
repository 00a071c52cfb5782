"""The sandbox's stored objects and how each renders as a Platform API body.

Bodies follow platform-api-schema.json (copied beside this file) except where the real API is known
to differ; each such place says so in a comment.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .catalog import CEDAR, FEATURES, FIR, DynoSize, stable_id


def iso(ts: float) -> str:
    """Heroku's timestamp format: UTC, seconds, `Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    email: str = "dev@example.com"
    name: str | None = "Sandbox Developer"
    id: str = field(default_factory=lambda: stable_id("account", "dev@example.com"))
    created_at: float = 1_600_000_000.0

    def ref(self) -> dict:
        return {"id": self.id, "email": self.email}

    def to_api(self, now: float) -> dict:
        return {
            "allow_tracking": True,
            "beta": False,
            "created_at": iso(self.created_at),
            "email": self.email,
            "federated": False,
            "id": self.id,
            "identity_provider": None,
            "last_login": iso(now),
            "name": self.name,
            "sms_number": None,
            "suspended_at": None,
            "delinquent_at": None,
            "two_factor_authentication": False,
            "updated_at": iso(self.created_at),
            "verified": True,
            "country_of_residence": None,
            "default_organization": None,
            "default_team": None,
        }


@dataclass
class Authorization:
    """An OAuth authorization; its access token is what clients send as Bearer."""

    token: str
    scope: tuple[str, ...]
    description: str = ""
    expires_in: int | None = None
    id: str = field(default_factory=lambda: stable_id("authorization", secrets.token_hex(8)))
    token_id: str = field(default_factory=lambda: stable_id("token", secrets.token_hex(8)))
    created_at: float = field(default_factory=time.time)

    @property
    def expires_at(self) -> float | None:
        return None if self.expires_in is None else self.created_at + self.expires_in

    def to_api(self, account: Account) -> dict:
        return {
            "access_token": {
                "expires_in": self.expires_in,
                "id": self.token_id,
                "token": self.token,
            },
            "client": None,
            "created_at": iso(self.created_at),
            "description": self.description,
            "grant": None,
            "id": self.id,
            "refresh_token": None,
            "scope": list(self.scope),
            "session": None,
            "updated_at": iso(self.created_at),
            "user": {"id": account.id, "email": account.email, "full_name": account.name},
        }


@dataclass
class Formation:
    type: str
    quantity: int
    size: DynoSize
    command: str
    id: str
    created_at: float
    updated_at: float

    def to_api(self, app: AppRecord) -> dict:
        # `size` is deprecated in the schema but still sent by the real API (2018 capture) and read
        # by the CLI; we send both, with the canonical capitalised name.
        return {
            "app": app.ref(),
            "command": self.command,
            "created_at": iso(self.created_at),
            "dyno_size": {"id": self.size.id, "name": self.size.name},
            "id": self.id,
            "quantity": self.quantity,
            "size": self.size.name,
            "type": self.type,
            "updated_at": iso(self.updated_at),
        }


@dataclass
class Slug:
    """A compiled slug: its Procfile's process types (a `release` entry is the release command)."""

    id: str
    process_types: dict[str, str]

    @property
    def release_command(self) -> str | None:
        return self.process_types.get("release")


@dataclass
class Release:
    id: str
    version: int
    description: str
    created_at: float
    slug_id: str | None
    config: dict[str, str]
    status: str = "succeeded"  # pending while the release phase runs, then succeeded | failed
    run: object | None = None  # the runner's ReleaseRun while (and after) the release phase runs
    finished_at: float | None = None  # when the release phase ended (None: no phase, or running)
    output_url: str | None = None  # output_stream_url, when a release phase ran

    def to_api(self, app: AppRecord, account: Account, eligible_for_rollback: bool) -> dict:
        """The release body; eligibility is decided by rules.rollback_refusal (one rule for the
        body and for POST /releases)."""
        current = app.current_release() is self
        return {
            "addon_plan_names": [a["plan"] for a in app.addons],
            "artifacts": [{"type": "slug", "id": self.slug_id}] if self.slug_id else [],
            "app": app.ref(),
            "created_at": iso(self.created_at),
            "description": self.description,
            "id": self.id,
            "updated_at": iso(self.created_at),
            "slug": {"id": self.slug_id} if self.slug_id else None,
            "status": self.status,
            "user": account.ref(),
            "version": self.version,
            "current": current,
            "output_stream_url": self.output_url,
            "eligible_for_rollback": eligible_for_rollback,
        }


@dataclass
class Dyno:
    """One dyno process from start to gone; kept after it is gone, so the router's history stays.

    `current` is what `heroku ps` shows: a replaced dyno (the old ones in a preboot window, or one
    shutting down after a restart) is no longer current, though it may still serve traffic.
    """

    id: str
    name: str
    type: str
    release: Release
    size: str
    command: str
    started_at: float
    boot_timeout: float
    process: object  # the runner's DynoProcess
    current: bool = True
    up_at: float | None = None
    crashed_at: float | None = None
    hold_until: float | None = None  # preboot: the router sends it nothing before this
    routed_at: float | None = None  # when the router started sending it requests (web only)
    stop_at: float | None = None  # SIGTERM: the router stops sending at this instant
    gone_at: float | None = None
    replaces: Dyno | None = None  # rolling deploys: stopped once this one is up

    def state(self, now: float) -> str:
        if self.crashed_at is not None and now >= self.crashed_at:
            return "crashed"
        if self.stop_at is not None and now >= self.stop_at:
            return "down"
        if self.up_at is not None and now >= self.up_at:
            return "up"
        return "starting"

    def serving(self, at: float) -> bool:
        """Does the router send this dyno requests at sandbox time `at`."""
        if self.routed_at is None or at < self.routed_at:
            return False
        if self.stop_at is not None and at >= self.stop_at:
            return False
        return self.crashed_at is None or at < self.crashed_at

    def to_api(self, app: AppRecord, now: float) -> dict:
        seen = (self.started_at, self.up_at, self.crashed_at, self.stop_at)
        changed = max((t for t in seen if t is not None and t <= now), default=self.started_at)
        return {
            "attach_url": None,
            "command": self.command,
            "created_at": iso(self.started_at),
            "id": self.id,
            "name": self.name,
            "release": {"id": self.release.id, "version": self.release.version},
            "app": app.ref(),
            "size": self.size,
            "state": self.state(now),
            "type": self.type,
            "updated_at": iso(changed),
        }


@dataclass
class AppRecord:
    name: str
    id: str
    created_at: float
    updated_at: float
    stack: str = "heroku-24"
    region: str = "us"
    buildpacks: list[str] = field(default_factory=list)  # stored as url/urn, in order
    formation: dict[str, Formation] = field(default_factory=dict)
    features: dict[str, bool] = field(default_factory=dict)
    config_vars: dict[str, str] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    preboot_seconds: float = 0.0  # seeded fixed preboot window; 0: boot timeout + 2 min
    preboot_until: float = 0.0  # end of the open preboot window (formation changes refused)
    preboot_switched: bool = True  # has traffic moved to the window's new dynos yet
    web_suffix: str = field(default_factory=lambda: secrets.token_hex(6))
    generation: str = "cedar"  # cedar | fir
    space: dict | None = None  # {"name", "shield"} for a Private/Shield Space app
    maintenance: bool = False
    addons: list[dict] = field(default_factory=list)
    slugs: dict[str, Slug] = field(default_factory=dict)
    dynos: list[Dyno] = field(default_factory=list)  # every dyno ever started (router history)
    scheduled: list[tuple[float, str, str]] = field(default_factory=list)  # (at, action, dyno)
    # Seeded timing (sandbox seconds): how the simulated runner boots, stops and releases.
    boot_seconds: float | None = 5.0  # None: web never binds $PORT (R10 at the boot timeout)
    boot_timeout: float | None = None  # None: 60 s, 90 s for JVM apps (Dev Center R10)
    shutdown_seconds: float = 2.0  # SIGTERM to exit (SIGKILL at 30 s)
    release_seconds: float = 5.0
    release_exit: int = 0
    release_output: str = ""
    dyno_counter: int = 0
    app_dir: str | None = None  # a local app directory: its dynos run as real processes

    def current_release(self) -> Release | None:
        """The release traffic and dynos follow: the newest one that succeeded."""
        for rel in reversed(self.releases):
            if rel.status == "succeeded":
                return rel
        return None

    def is_jvm(self) -> bool:
        return self.buildpack_description() in ("Java", "JVM", "Gradle") or any(
            name in url for url in self.buildpacks for name in ("scala", "clojure")
        )

    def effective_boot_timeout(self) -> float:
        """R10 boot timeout: 60 s, 90 s for JVM apps (Dev Center error-codes#r10), seedable."""
        if self.boot_timeout is not None:
            return self.boot_timeout
        return 90.0 if self.is_jvm() else 60.0

    def ref(self) -> dict:
        return {"id": self.id, "name": self.name}

    def to_api(self, account: Account) -> dict:
        released = self.releases[-1].created_at if self.releases else None
        # Newer apps get `<name>-<12 hex>.herokuapp.com` (platform-api.md §5.1); still matches the
        # schema's web_url pattern for names up to 30 characters.
        return {
            "acm": False,
            "archived_at": None,
            "buildpack_provided_description": self.buildpack_description(),
            "build_stack": {"id": stable_id("stack", self.stack), "name": self.stack},
            "created_at": iso(self.created_at),
            "generation": dict(FIR if self.generation == "fir" else CEDAR),
            "git_url": f"https://git.heroku.com/{self.name}.git",
            "id": self.id,
            "internal_routing": None,
            "maintenance": self.maintenance,
            "name": self.name,
            "owner": account.ref(),
            "organization": None,
            "team": None,
            "region": {"id": stable_id("region", self.region), "name": self.region},
            "released_at": iso(released) if released else None,
            "repo_size": None,
            "slug_size": 52_428_800 if self.current_slug() else None,
            "space": self.space_ref(),
            "stack": {"id": stable_id("stack", self.stack), "name": self.stack},
            "updated_at": iso(self.updated_at),
            "web_url": f"https://{self.name}-{self.web_suffix}.herokuapp.com/",
        }

    def space_ref(self) -> dict | None:
        if not self.space:
            return None
        name = self.space["name"]
        return {"id": stable_id("space", name), "name": name, "shield": bool(self.space["shield"])}

    def buildpack_description(self) -> str | None:
        names = {"heroku/java": "Java", "heroku/jvm": "JVM", "heroku/gradle": "Gradle"}
        for url in self.buildpacks:
            name = url.removeprefix("urn:buildpack:")
            if name in names:
                return names[name]
        return None

    def current_slug(self) -> str | None:
        rel = self.current_release()
        return rel.slug_id if rel else None

    def feature_body(self, name: str) -> dict:
        spec = next(f for f in FEATURES if f.name == name)
        # display_name and feedback_email are typed string in the schema, but the real API sends
        # null (2018 recording, platform-api.md §5.2); we follow the real API.
        return {
            "created_at": spec.created_at,
            "description": spec.description,
            "doc_url": spec.doc_url,
            "id": spec.id,
            "name": spec.name,
            "state": spec.state,
            "updated_at": spec.updated_at,
            "display_name": None,
            "feedback_email": None,
            "enabled": self.features.get(name, False),
        }


def generation_body(gen: dict) -> dict:
    return {
        "created_at": "2024-01-01T00:00:00Z" if gen["name"] == "fir" else "2011-05-31T00:00:00Z",
        "id": gen["id"],
        "name": gen["name"],
        "updated_at": "2025-01-01T00:00:00Z",
    }


def collaborator_body(app: AppRecord, account: Account) -> dict:
    return {
        "app": app.ref(),
        "created_at": iso(app.created_at),
        "id": stable_id("collaborator", app.id, account.id),
        "permissions": [],
        "role": "owner",
        "updated_at": iso(app.created_at),
        "user": {"email": account.email, "federated": False, "id": account.id},
    }


ADDON_VARS = {"heroku-postgresql": "DATABASE_URL", "heroku-redis": "REDIS_URL"}


def new_addon(app: AppRecord, plan: str, name: object = None) -> dict:
    service = plan.split(":", 1)[0]
    short = service.removeprefix("heroku-")
    name = str(name) if name else f"{short}-{secrets.token_hex(3)}"
    return {"plan": plan, "name": name}


def addon_config_var(addon: dict) -> str:
    service = addon["plan"].split(":", 1)[0]
    default = service.removeprefix("heroku-").upper().replace("-", "_") + "_URL"
    return str(addon.get("config_var") or ADDON_VARS.get(service, default))


def addon_id(app: AppRecord, addon: dict) -> str:
    return stable_id("addon", app.id, addon["name"])


def addon_body(app: AppRecord, addon: dict) -> dict:
    """An add-on as `GET /apps/{app}/addons` lists it (apps:info prints the plan names)."""
    service = addon["plan"].split(":", 1)[0]
    name = addon.get("name") or f"{service.removeprefix('heroku-')}-{app.name}"
    cents = int(addon.get("price_cents", 0))
    return {
        "actions": [],
        "addon_service": {"id": stable_id("addon-service", service), "name": service},
        "billing_entity": {"id": app.id, "name": app.name, "type": "app"},
        "app": app.ref(),
        "billed_price": {"cents": cents, "contract": False, "unit": "month"},
        "config_vars": [addon_config_var(addon)],
        "created_at": iso(app.created_at),
        "id": addon_id(app, {"name": name}),
        "name": name,
        "plan": {"id": stable_id("addon-plan", addon["plan"]), "name": addon["plan"]},
        "provider_id": stable_id("provider", app.id, name),
        "state": "provisioned",
        "updated_at": iso(app.created_at),
        "web_url": None,
    }


TEAM_APP_FIELDS = (
    "archived_at",
    "buildpack_provided_description",
    "build_stack",
    "created_at",
    "git_url",
    "id",
    "internal_routing",
    "maintenance",
    "name",
    "team",
    "owner",
    "region",
    "released_at",
    "repo_size",
    "slug_size",
    "space",
    "stack",
    "updated_at",
    "web_url",
)


def team_app_body(app_body: dict) -> dict:
    """The team-app shape `POST /filters/apps` answers with: an app body plus joined/locked."""
    out = {k: app_body[k] for k in TEAM_APP_FIELDS}
    out.update(joined=False, locked=False)
    return out
