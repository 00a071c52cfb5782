"""The sandbox's stored objects and how each renders as a Platform API body.

Bodies follow platform-api-schema.json (copied beside this file) except where the real API is known
to differ; each such place says so in a comment.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .catalog import CEDAR, FEATURES, DynoSize, stable_id


def iso(ts: float) -> str:
    """Heroku's timestamp format: UTC, seconds, `Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ManualClock:
    """A settable clock for tests: `clock.advance(30)` ends a 30 s preboot window, no sleep."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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
class Release:
    id: str
    version: int
    description: str
    created_at: float
    slug_id: str | None
    config: dict[str, str]
    status: str = "succeeded"

    def to_api(self, app: AppRecord, account: Account, eligible_for_rollback: bool) -> dict:
        """The release body; eligibility is decided by rules.rollback_refusal (one rule for the
        body and for POST /releases)."""
        current = app.releases[-1] is self
        return {
            "addon_plan_names": [],
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
            "output_stream_url": None,
            "eligible_for_rollback": eligible_for_rollback,
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
    preboot_seconds: float = 0.0
    preboot_until: float = 0.0
    preboot_from: Release | None = None  # the release whose web dynos a preboot window keeps up
    web_suffix: str = field(default_factory=lambda: secrets.token_hex(6))

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
            "generation": dict(CEDAR),
            "git_url": f"https://git.heroku.com/{self.name}.git",
            "id": self.id,
            "internal_routing": None,
            "maintenance": False,
            "name": self.name,
            "owner": account.ref(),
            "organization": None,
            "team": None,
            "region": {"id": stable_id("region", self.region), "name": self.region},
            "released_at": iso(released) if released else None,
            "repo_size": None,
            "slug_size": 52_428_800 if self.current_slug() else None,
            "space": None,
            "stack": {"id": stable_id("stack", self.stack), "name": self.stack},
            "updated_at": iso(self.updated_at),
            "web_url": f"https://{self.name}-{self.web_suffix}.herokuapp.com/",
        }

    def buildpack_description(self) -> str | None:
        names = {"heroku/java": "Java", "heroku/jvm": "JVM", "heroku/gradle": "Gradle"}
        for url in self.buildpacks:
            name = url.removeprefix("urn:buildpack:")
            if name in names:
                return names[name]
        return None

    def dyno_bodies(self, form: Formation, rel: Release, state: str) -> list[dict]:
        """The dynos `form` runs for release `rel`, all in `state`."""
        out = []
        for n in range(1, form.quantity + 1):
            name = f"{form.type}.{n}"
            out.append(
                {
                    "attach_url": None,
                    "command": form.command,
                    "created_at": iso(rel.created_at),
                    "id": stable_id("dyno", self.id, name, rel.version),
                    "name": name,
                    "release": {"id": rel.id, "version": rel.version},
                    "app": self.ref(),
                    "size": form.size.name,
                    "state": state,
                    "type": form.type,
                    "updated_at": iso(max(rel.created_at, form.updated_at)),
                }
            )
        return out

    def current_slug(self) -> str | None:
        return self.releases[-1].slug_id if self.releases else None

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
