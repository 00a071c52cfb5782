"""The sandbox platform: apps, tokens, the account and its rate-limit bucket, and the rules.

No HTTP here (moto's split, STYLE-NOTES §3): methods are named after Platform API operations,
return API bodies, and refuse with PlatformError(id, message, resource) — Heroku error ids only;
app.ERROR_STATUS maps ids to HTTP statuses. One lock guards everything, because tests call in from
their own thread while the server thread serves.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable

from . import lifecycle
from .catalog import (
    ACCEPTED_SCOPES,
    ALL_SIZES,
    CEDAR,
    DYNO_SIZES,
    FEATURES_BY_ID,
    FEATURES_BY_NAME,
    FIR,
    SCOPES,
    DynoSize,
    find_size,
    stable_id,
)
from .clock import clock_factor
from .faults import FaultSet
from .pipelines import STAGES, Pipeline, Promotion
from .records import (
    Account,
    AppRecord,
    Authorization,
    Formation,
    Release,
    Slug,
    addon_body,
    addon_config_var,
    addon_id,
    collaborator_body,
    generation_body,
    new_addon,
    team_app_body,
)
from .requestlog import RequestLog
from .rules import (
    DEFAULT_PREBOOT_REFUSAL,
    FIR_CLASSIC_BUILDPACKS,
    PREBOOT_IN_PROGRESS,
    PlatformError,
    RateLimiter,
    buildpack_body,
    buildpack_url,
    check_formation,
    check_update_fields,
    config_description,
    default_size,
    feature_refusal,
    invalid,
    not_found,
    parse_procfile,
    parse_quantity,
    preboot_blockers,
    rollback_refusal,
    size_from_update,
    size_refusal,
)
from .runner import DynoRunner, SimulatedRunner

__all__ = ["Platform", "PlatformError"]

CURRENT = object()  # _new_release: keep the current release's slug

# Heroku-style generated app names ("sleepy-forest-12345").
NAME_WORDS = (
    ("sleepy", "shiny", "calm", "brave", "quiet", "rapid", "fathomless", "radiant"),
    ("forest", "river", "harbor", "meadow", "canyon", "island", "dawn", "summit"),
)


def locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Platform:
    """Everything one Heroku account sees. Build with Platform.demo() or Platform.from_seed()."""

    def __init__(
        self, clock: Callable[[], float] = time.time, runner: DynoRunner | None = None
    ) -> None:
        self.clock = clock  # sandbox time (clock.py): every lifecycle rule reads it
        self.runner: DynoRunner = runner or SimulatedRunner()
        self.base_url: str | None = None  # set by SandboxServer: output_stream_url needs it
        self._local_runners: dict[str, DynoRunner] = {}  # app name -> LocalRunner (app_dir apps)
        self._lock = threading.RLock()
        self.account = Account()
        self.apps: dict[str, AppRecord] = {}
        self.authorizations: dict[str, Authorization] = {}
        self.rate_limit = RateLimiter()
        self.faults = FaultSet()
        self.preboot_refusal = DEFAULT_PREBOOT_REFUSAL
        # Whether the current release may be rolled back to (a re-release of its slug and config).
        # Not documented for the real API; True keeps zdd verify's scenario (which re-releases the
        # current version) working. The release body's eligible_for_rollback follows this setting.
        self.rollback_to_current = True
        self.requests = RequestLog()  # the HTTP layer records here; tests read it
        self.pipelines: dict[str, Pipeline] = {}
        self.promotions: dict[str, Promotion] = {}

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_seed(
        cls,
        seed: dict | str | os.PathLike,
        clock: Callable[[], float] = time.time,
        runner: DynoRunner | None = None,
    ) -> Platform:
        """A platform from a seed dict or a YAML/JSON seed file path (format: docs/design.md)."""
        from .seed import apply_seed, load_seed

        platform = cls(clock=clock, runner=runner)
        apply_seed(platform, seed if isinstance(seed, dict) else load_seed(seed))
        if not platform.authorizations:
            platform.add_token(scope=("global",), description="sandbox default token")
        return platform

    @classmethod
    def demo(
        cls, clock: Callable[[], float] = time.time, runner: DynoRunner | None = None
    ) -> Platform:
        from .seed import DEMO_SEED

        return cls.from_seed(DEMO_SEED, clock=clock, runner=runner)

    @locked
    def add_token(
        self, token: str | None = None, scope=("global",), description: str = ""
    ) -> Authorization:
        scope = tuple(scope)
        bad = [s for s in scope if s not in SCOPES]
        if bad or not scope:
            raise invalid(f"Invalid scope {bad or scope!r}; use some of: {', '.join(SCOPES)}.")
        auth = Authorization(
            token=token or "HRKU-" + secrets.token_urlsafe(30),
            scope=scope,
            description=description,
            created_at=self.clock(),
        )
        self.authorizations[auth.id] = auth
        return auth

    @property
    def global_token(self) -> str:
        """The first token with global scope (what `sandbox_env` exports as HEROKU_API_KEY)."""
        for auth in self.authorizations.values():
            if "global" in auth.scope:
                return auth.token
        raise LookupError("this sandbox has no global token")

    @locked
    def add_app(self, name: str, **attrs) -> AppRecord:
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,28}[a-z0-9]", name):
            raise invalid(
                f"Name {name!r} must start with a letter, end with a letter or digit, and use "
                "only lowercase letters, digits and dashes (3 to 30 characters)."
            )
        now = self.clock()
        app = AppRecord(name=name, id=stable_id("app", name), created_at=now, updated_at=now)
        for key, value in attrs.items():
            setattr(app, key, value)
        self.apps[name] = app
        return app

    def runner_for(self, rec: AppRecord) -> DynoRunner:
        """The runner for one app: a real-process LocalRunner (zdd.runtime, issue "Local
        runtime") when the app was seeded with an `app_dir`, else the platform's runner."""
        if not rec.app_dir:
            return self.runner
        runner = self._local_runners.get(rec.name)
        if runner is None:
            from zdd.runtime.sandbox_runner import LocalRunner

            runner = LocalRunner({rec.name: rec.app_dir}, clock=self.clock)
            self._local_runners[rec.name] = runner
        return runner

    def dyno_port(self, app: str, dyno: str, release: int | None = None) -> int | None:
        """The loopback port a real dyno process listens on (app_dir apps), else None. With
        `release`: that release's process (during preboot old and new web.1 both run)."""
        rec = self.apps.get(app)
        runner = self._local_runners.get(rec.name) if rec else None
        port_of = getattr(runner, "port_of", None)
        return port_of(rec.name, dyno, release) if port_of and rec else None

    def runs_real_dynos(self, app: str) -> bool:
        """True for an app seeded with `app_dir` (its dynos are real processes)."""
        rec = self.apps.get(app)
        return bool(rec and rec.app_dir)

    def close(self) -> None:
        """Stop every real process this platform's runners started (SandboxServer.stop calls it)."""
        for runner in self._local_runners.values():
            runner.close()
        self._local_runners.clear()

    # -- auth and rate limit (called by the HTTP layer for every request) --------------------
    @locked
    def authenticate(self, token: str | None) -> Authorization:
        if not token:
            raise PlatformError(
                "unauthorized",
                "There were no credentials in your `Authorization` header. Try `Authorization: "
                "Bearer <OAuth access token>` or `Authorization: Basic <base64-encoded email + "
                '":" + password>`.',
            )
        now = self.clock()
        for auth in self.authorizations.values():
            if secrets.compare_digest(auth.token, token):
                # An expired token is refused like an unknown one: the real text for expiry is
                # not recorded (platform-api.md §2 only says 401 covers "expired").
                if auth.expires_at is not None and now >= auth.expires_at:
                    break
                return auth
        raise PlatformError("unauthorized", "Invalid credentials provided.")

    @staticmethod
    def authorize(auth: Authorization, needs: str) -> None:
        """Refuse with 403 unless the token's scope is among what the endpoint accepts."""
        accepted = ACCEPTED_SCOPES[needs]
        if not set(auth.scope) & set(accepted):
            raise PlatformError(
                "forbidden",
                f"Insufficient scope: this request needs one of {', '.join(accepted)}; "
                f"the token has {', '.join(auth.scope)}.",
            )

    @locked
    def rate_limit_consume(self) -> int:
        return self.rate_limit.consume(self.clock())

    @locked
    def rate_limit_info(self) -> dict:
        return {"remaining": self.rate_limit.remaining(self.clock())}

    # -- apps ------------------------------------------------------------------------------
    def _app(self, ident: str) -> AppRecord:
        app = self.apps.get(ident)
        if app is None:
            app = next((a for a in self.apps.values() if a.id == ident), None)
        if app is None:
            raise not_found("app")
        lifecycle.tick(app, self.runner_for(app), self.clock())
        return app

    @locked
    def app_list(self) -> list[dict]:
        return [a.to_api(self.account) for a in self.apps.values()]

    @locked
    def app_info(self, app: str) -> dict:
        return self._app(app).to_api(self.account)

    @locked
    def app_create(self, body: object) -> dict:
        """A new empty app (no formation until a slug with process types is released)."""
        body = body if isinstance(body, dict) else {}
        name = body.get("name") or (
            f"{secrets.choice(NAME_WORDS[0])}-{secrets.choice(NAME_WORDS[1])}-"
            f"{secrets.randbelow(90000) + 10000}"
        )
        if not isinstance(name, str):
            raise invalid("Invalid params: 'name' must be a string.")
        if name in self.apps:
            raise invalid(f"Name {name} is already taken")
        region = str(body.get("region") or "us")
        if region not in ("us", "eu"):
            raise not_found("region")
        app = self.add_app(name, region=region, stack=str(body.get("stack") or "heroku-24"))
        app.id = str(uuid.uuid4())  # API-created apps get fresh ids; seeded ones stay stable
        self._new_release(app, "Initial release")
        return app.to_api(self.account)

    @locked
    def app_delete(self, app: str) -> dict:
        rec = self._app(app)
        del self.apps[rec.name]
        return rec.to_api(self.account)

    @locked
    def app_available_dyno_sizes(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [s.to_api() for s in ALL_SIZES if size_refusal(rec, s) is None]

    # -- features --------------------------------------------------------------------------
    def _feature_name(self, ident: str) -> str:
        spec = FEATURES_BY_NAME.get(ident) or FEATURES_BY_ID.get(ident)
        if spec is None:
            raise not_found("feature")
        return spec.name

    @locked
    def feature_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [rec.feature_body(name) for name in FEATURES_BY_NAME]

    @locked
    def feature_info(self, app: str, feature: str) -> dict:
        rec = self._app(app)
        return rec.feature_body(self._feature_name(feature))

    @locked
    def feature_update(self, app: str, feature: str, enabled: object) -> dict:
        rec = self._app(app)
        name = self._feature_name(feature)
        if not isinstance(enabled, bool):
            raise invalid("Invalid params: 'enabled' must be true or false.")
        refusal = feature_refusal(rec, name) if enabled else None
        if refusal:
            raise invalid(refusal)
        if name == "preboot" and enabled and preboot_blockers(self._sizes(rec)):
            raise invalid(self.preboot_refusal)
        rec.features[name] = enabled
        return rec.feature_body(name)

    # -- formation -------------------------------------------------------------------------
    @staticmethod
    def _sizes(rec: AppRecord) -> list[DynoSize]:
        return [f.size for f in rec.formation.values()]

    def _formation(self, rec: AppRecord, ident: str) -> Formation:
        form = rec.formation.get(ident)
        if form is None:
            form = next((f for f in rec.formation.values() if f.id == ident), None)
        if form is None:
            raise not_found("formation")
        return form

    @locked
    def formation_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [f.to_api(rec) for f in rec.formation.values()]

    @locked
    def formation_info(self, app: str, type: str) -> dict:
        rec = self._app(app)
        return self._formation(rec, type).to_api(rec)

    @locked
    def formation_update(self, app: str, type: str, body: dict) -> dict:
        rec = self._app(app)
        form = self._formation(rec, type)
        self._apply_formation(rec, [{**body, "type": form.type}])
        return form.to_api(rec)

    @locked
    def formation_batch_update(self, app: str, updates: object) -> list[dict]:
        """Apply all updates atomically; tier rules are checked on the resulting whole app."""
        rec = self._app(app)
        if not isinstance(updates, list):
            raise invalid("Invalid params: 'updates' must be an array.")
        for update in updates:
            check_update_fields(update)
        self._apply_formation(rec, updates)
        return [f.to_api(rec) for f in rec.formation.values()]

    def preboot_in_progress(self, rec: AppRecord) -> bool:
        return lifecycle.preboot_in_progress(rec, self.clock())

    def _apply_formation(self, rec: AppRecord, updates: list) -> None:
        wanted: dict[str, tuple[int, DynoSize]] = {
            t: (f.quantity, f.size) for t, f in rec.formation.items()
        }
        changed: list[str] = []
        for update in updates:
            if not isinstance(update, dict) or not isinstance(update.get("type"), str):
                raise invalid("Invalid params: each update needs a process 'type'.")
            form = self._formation(rec, update["type"])
            quantity, size = wanted[form.type]
            if update.get("quantity") is not None:
                quantity = parse_quantity(update["quantity"], quantity)
            size = size_from_update(update) or size
            refusal = size_refusal(rec, size)
            if refusal and (size is not form.size or quantity != form.quantity):
                raise invalid(refusal)
            wanted[form.type] = (quantity, size)
            changed.append(form.type)
        if self.preboot_in_progress(rec) and changed:
            raise invalid(PREBOOT_IN_PROGRESS)
        check_formation(wanted)
        now = self.clock()
        for type in changed:
            form = rec.formation[type]
            resized = form.size != wanted[type][1]
            form.quantity, form.size = wanted[type]
            form.updated_at = now
            lifecycle.scale(rec, self.runner_for(rec), type, now, resized)
        if changed:
            rec.updated_at = now
        # Moving the app onto Eco/Basic turns preboot off: those tiers cannot use it, and the flag
        # must never read "enabled" where enabling it is refused (seeds are held to the same rule,
        # so exported state always loads back). Real behaviour is not documented; our choice.
        if rec.features.get("preboot") and preboot_blockers(self._sizes(rec)):
            rec.features["preboot"] = False

    # -- config vars -----------------------------------------------------------------------
    @locked
    def config_var_info_for_app(self, app: str) -> dict:
        return dict(self._app(app).config_vars)

    @locked
    def config_var_info_for_app_release(self, app: str, release: str) -> dict:
        rec = self._app(app)
        return dict(self._release(rec, release).config)

    @locked
    def config_var_update(self, app: str, changes: object) -> dict:
        """Merge; null deletes. Any change makes a release (and restarts dynos) as on Heroku."""
        rec = self._app(app)
        if not isinstance(changes, dict):
            raise invalid("Invalid params: the body must be an object of config vars.")
        for key, value in changes.items():
            if not re.fullmatch(r"\w+", key):
                raise invalid(f"Invalid config var name {key!r}: use letters, digits and _.")
            if value is not None and not isinstance(value, str):
                raise invalid(f"Invalid value for {key}: config var values must be strings.")
        if changes:
            for key, value in changes.items():
                if value is None:
                    rec.config_vars.pop(key, None)
                else:
                    rec.config_vars[key] = value
            self._new_release(rec, config_description(changes))
        return dict(rec.config_vars)

    # -- buildpacks ------------------------------------------------------------------------
    @locked
    def buildpack_installation_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [buildpack_body(u, i) for i, u in enumerate(rec.buildpacks)]

    @locked
    def buildpack_installation_update(self, app: str, updates: object) -> list[dict]:
        """Replace the whole list. No release: Heroku applies buildpacks on the next build
        (the CLI says "Next release on <app> will use <buildpack>")."""
        rec = self._app(app)
        if not isinstance(updates, list):
            raise invalid("Invalid params: 'updates' must be an array.")
        if rec.generation == "fir" and updates:
            raise invalid(FIR_CLASSIC_BUILDPACKS)
        urls = []
        for update in updates:
            if not isinstance(update, dict):
                raise invalid('Invalid params: each update must be {"buildpack": ...}.')
            urls.append(buildpack_url(update.get("buildpack")))
        rec.buildpacks = urls
        rec.updated_at = self.clock()
        return [buildpack_body(u, i) for i, u in enumerate(rec.buildpacks)]

    # -- releases --------------------------------------------------------------------------
    def _release(self, rec: AppRecord, ident: str) -> Release:
        for rel in rec.releases:
            if rel.id == ident or str(rel.version) == str(ident):
                return rel
        raise not_found("release")

    def _new_release(
        self,
        rec: AppRecord,
        description: str,
        slug_id: str | None = CURRENT,
        config=None,
        *,
        history: bool = False,
        outcome: dict | None = None,
    ) -> Release:
        """A new release; `slug_id` CURRENT (default) keeps the current slug, as config changes
        do; any other value (even None) is used as given. It runs the release phase (if the slug
        has a release command) and then restarts the dynos (lifecycle.begin_release), unless it
        is `history` (seeding)."""
        now = self.clock()
        version = rec.releases[-1].version + 1 if rec.releases else 1
        previous = rec.releases[-1] if rec.releases else None
        rel = Release(
            id=stable_id("release", rec.id, version, secrets.token_hex(4)),
            version=version,
            description=description,
            created_at=now,
            slug_id=rec.current_slug() if slug_id is CURRENT else slug_id,
            config=dict(rec.config_vars if config is None else config),
        )
        rec.releases.append(rel)
        rec.updated_at = now
        if rel.slug_id is not None and rel.slug_id not in rec.slugs:
            # A slug the sandbox never compiled (POST /releases with any slug id): it runs the
            # process types of the slug before it.
            before = rec.slugs.get(previous.slug_id or "") if previous else None
            types = (
                dict(before.process_types)
                if before
                else {t: f.command for t, f in rec.formation.items()}
            )
            rec.slugs[rel.slug_id] = Slug(rel.slug_id, types)
        if not history:
            lifecycle.begin_release(rec, self.runner_for(rec), rel, now, self.base_url, outcome)
        return rel

    @locked
    def release_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [self._release_body(rec, r) for r in rec.releases]

    def _release_body(self, rec: AppRecord, rel: Release) -> dict:
        eligible = rollback_refusal(rec, rel, self.rollback_to_current) is None
        return rel.to_api(rec, self.account, eligible)

    @locked
    def release_info(self, app: str, release: str) -> dict:
        rec = self._app(app)
        return self._release_body(rec, self._release(rec, release))

    @locked
    def release_create(self, app: str, body: object) -> dict:
        """Deploy a slug ({slug}) or roll back ({release}); both make a new release."""
        rec = self._app(app)
        if not isinstance(body, dict):
            raise invalid("Invalid params: expected an object.")
        if body.get("release"):
            old = self._release(rec, str(body["release"]))
            refusal = rollback_refusal(rec, old, self.rollback_to_current)
            if refusal:
                raise invalid(refusal)
            rec.config_vars = dict(old.config)
            rel = self._new_release(rec, f"Rollback to v{old.version}", old.slug_id, old.config)
        elif isinstance(body.get("slug"), str) and body["slug"]:
            desc = body.get("description") or f"Deploy {body['slug'][:8]}"
            rel = self._new_release(rec, str(desc), slug_id=body["slug"])
        else:
            raise invalid("Invalid params: 'slug' (or 'release' to roll back) is required.")
        return self._release_body(rec, rel)

    @locked
    def deploy(self, app: str, body: dict) -> dict:
        """Control API "deploy this slug with this Procfile" (what `git push` ends in, minus the
        build): a new slug, the formation following its process types, a new release (which
        runs the release phase and restarts dynos). Body: `procfile` (text or {type: command}),
        optional `description`, `slug` id, `release_phase` {seconds, exit, output} for this
        release, `boot_seconds` (from now on)."""
        rec = self._app(app)
        if not isinstance(body, dict):
            raise invalid("Invalid params: expected an object.")
        types = parse_procfile(body.get("procfile"))
        if "boot_seconds" in body:
            boot = body["boot_seconds"]
            if boot is not None and (not isinstance(boot, int | float) or boot < 0):
                raise invalid("Invalid params: 'boot_seconds' must be a number >= 0 or null.")
            rec.boot_seconds = boot
        slug_id = str(body.get("slug") or uuid.uuid4())
        rec.slugs[slug_id] = Slug(slug_id, types)
        now = self.clock()
        first = not rec.formation
        for ptype, command in types.items():
            if ptype == "release":
                continue
            form = rec.formation.get(ptype)
            if form is None:
                size = default_size(rec, rec.formation)
                rec.formation[ptype] = Formation(
                    type=ptype,
                    quantity=1 if first and ptype == "web" else 0,
                    size=size,
                    command=command,
                    id=stable_id("formation", rec.id, ptype),
                    created_at=now,
                    updated_at=now,
                )
            else:
                form.command = command
        for ptype in [t for t in rec.formation if t not in types]:
            del rec.formation[ptype]  # a type gone from the Procfile is scaled away
            lifecycle.stop_type(rec, ptype, now)
        outcome = body.get("release_phase")
        if outcome is not None and not isinstance(outcome, dict):
            raise invalid("Invalid params: 'release_phase' must be {seconds, exit, output}.")
        description = str(body.get("description") or f"Deploy {slug_id[:8]}")
        rel = self._new_release(rec, description, slug_id=slug_id, outcome=outcome)
        return self._release_body(rec, rel)

    @locked
    def release_output(self, app: str, version: str) -> tuple[str, bool]:
        """The release phase's output so far, and whether it has finished."""
        rec = self._app(app)
        rel = self._release(rec, version)
        if rel.run is None:
            return "", True
        return rel.run.output(self.clock()), rel.status != "pending"

    # -- dynos -----------------------------------------------------------------------------
    def _dynos(self, rec: AppRecord) -> list[dict]:
        """What `heroku ps` shows (lifecycle.listed_dynos): during a preboot window the new web
        dynos only; the old ones still serve but are hidden, as on Heroku (Dev Center preboot)."""
        now = self.clock()
        return [d.to_api(rec, now) for d in lifecycle.listed_dynos(rec, now)]

    def _dyno(self, rec: AppRecord, ident: str):
        for d in reversed(lifecycle.listed_dynos(rec, self.clock())):
            if ident in (d.id, d.name):
                return d
        raise not_found("dyno")

    @locked
    def dyno_list(self, app: str, extended: bool = False) -> list[dict]:
        """`extended` (`heroku ps --extended`, `?extended=true`): each dyno also carries an
        `extended` object (region, instance, ip, port...). The schema has no such field and the
        real API serves it to Heroku staff only ("only works with sudo privileges", heroku/cli
        ps); the sandbox serves it to everyone so the CLI's extended table can be exercised."""
        rec = self._app(app)
        bodies = self._dynos(rec)
        if extended:
            for body in bodies:
                body["extended"] = lifecycle.extended_info(rec, body)
        return bodies

    @locked
    def dyno_info(self, app: str, dyno: str) -> dict:
        rec = self._app(app)
        return self._dyno(rec, dyno).to_api(rec, self.clock())

    @locked
    def dyno_restart_all(self, app: str) -> dict:
        """`heroku ps:restart`: every dyno, web with preboot when it applies (choice)."""
        rec = self._app(app)
        rel = rec.current_release()
        if rel is not None and rel.slug_id is not None:
            lifecycle.roll_out(rec, self.runner_for(rec), rel, self.clock())
        return {}

    @locked
    def formation_restart(self, app: str, type: str) -> dict:
        """`heroku ps:restart -p TYPE`: all dynos of one type (web with preboot when it applies)."""
        rec = self._app(app)
        self._formation(rec, type)
        rel = rec.current_release()
        if rel is not None and rel.slug_id is not None:
            lifecycle.roll_out(rec, self.runner_for(rec), rel, self.clock(), types=[type])
        return {}

    @locked
    def dyno_restart(self, app: str, dyno: str) -> dict:
        rec = self._app(app)
        lifecycle.restart_dyno(rec, self.runner_for(rec), self._dyno(rec, dyno), self.clock())
        return {}

    @locked
    def dyno_stop(self, app: str, dyno: str) -> dict:
        """`ps:stop DYNO`: a dyno of a scaled process is stopped and restarted automatically
        (Dev Center dyno-restarts), so this is a restart of that dyno."""
        return self.dyno_restart(app, dyno)

    @locked
    def formation_stop(self, app: str, type: str) -> dict:
        rec = self._app(app)
        self._formation(rec, type)
        now = self.clock()
        for d in [d for d in lifecycle.listed_dynos(rec, now) if d.type == type]:
            lifecycle.restart_dyno(rec, self.runner_for(rec), d, now)
        return {}

    # -- dyno sizes, account, oauth ----------------------------------------------------------
    def dyno_size_list(self) -> list[dict]:
        return [s.to_api() for s in DYNO_SIZES]

    def dyno_size_info(self, size: str) -> dict:
        found = find_size(size)
        if found is None:
            raise not_found("dyno_size", "dyno size")
        return found.to_api()

    @locked
    def account_info(self) -> dict:
        return self.account.to_api(self.clock())

    @locked
    def oauth_authorization_create(self, body: object) -> dict:
        if not isinstance(body, dict):
            raise invalid("Invalid params: expected an object.")
        if body.get("scope") is None:  # `heroku authorizations:create` without --scope
            body = {**body, "scope": ["global"]}
        if not isinstance(body["scope"], list):
            raise invalid("Invalid params: 'scope' must be an array of scopes.")
        expires = body.get("expires_in")
        if isinstance(expires, str) and expires.strip().isdigit():
            expires = int(expires)  # `heroku authorizations:create --expires-in 3600` sends "3600"
        if expires is not None and (
            isinstance(expires, bool) or not isinstance(expires, int) or expires <= 0
        ):
            raise invalid("Invalid params: 'expires_in' must be a positive integer.")
        auth = self.add_token(scope=body["scope"], description=str(body.get("description") or ""))
        auth.expires_in = expires
        return auth.to_api(self.account)

    @locked
    def oauth_authorization_list(self) -> list[dict]:
        return [a.to_api(self.account) for a in self.authorizations.values()]

    @locked
    def oauth_authorization_info(self, ident: str) -> dict:
        auth = self.authorizations.get(ident)
        if auth is None:
            raise not_found("authorization")
        return auth.to_api(self.account)

    @locked
    def oauth_authorization_delete(self, ident: str) -> dict:
        auth = self.authorizations.pop(ident, None)
        if auth is None:
            raise not_found("authorization")
        return auth.to_api(self.account)

    # -- what real clients also call: user apps, app update, add-ons, labs, generations ----------
    @locked
    def user_app_list(self, user: str) -> list[dict]:
        """`GET /users/~/apps` (`heroku apps`): the account's apps (every app here is its own)."""
        if user not in ("~", self.account.id, self.account.email):
            raise not_found("user")
        return self.app_list()

    @locked
    def app_update(self, app: str, body: object) -> dict:
        """`PATCH /apps/{app}`: maintenance mode (maintenance:on/off), rename, build stack."""
        rec = self._app(app)
        if not isinstance(body, dict):
            raise invalid("Invalid params: expected an object.")
        unknown = sorted(set(body) - {"maintenance", "name", "build_stack"})
        if unknown:
            raise invalid(f"Invalid params: unknown field(s) {', '.join(unknown)}.")
        if "maintenance" in body:
            if not isinstance(body["maintenance"], bool):
                raise invalid("Invalid params: 'maintenance' must be true or false.")
            rec.maintenance = body["maintenance"]
        if body.get("build_stack"):
            rec.stack = str(body["build_stack"])
        new = body.get("name")
        if new is not None and new != rec.name:
            if not isinstance(new, str) or not re.fullmatch(r"[a-z][a-z0-9-]{1,28}[a-z0-9]", new):
                raise invalid(
                    "Name must start with a letter, end with a letter or digit and can only "
                    "contain lowercase letters, digits, and dashes."
                )
            if new in self.apps:
                raise invalid("Name is already taken")
            del self.apps[rec.name]
            rec.name = new
            self.apps[new] = rec
        rec.updated_at = self.clock()
        return rec.to_api(self.account)

    @locked
    def collaborator_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [collaborator_body(rec, self.account)]

    @locked
    def addon_list(self, app: str) -> list[dict]:
        rec = self._app(app)
        return [addon_body(rec, a) for a in rec.addons]

    @locked
    def addon_create(self, app: str, body: object) -> dict:
        """Provisioning an add-on makes a release ("Attach DATABASE ..."), as on Heroku, and
        sets its config var (ATTACHMENT_URL)."""
        rec = self._app(app)
        if not isinstance(body, dict) or ":" not in str(body.get("plan") or ""):
            raise invalid(
                "Invalid params: 'plan' (e.g. heroku-postgresql:essential-0) is required."
            )
        addon = new_addon(rec, str(body["plan"]), body.get("name"))
        rec.addons.append(addon)
        var = addon_config_var(addon)
        rec.config_vars[var] = f"sandbox://{addon['name']}"
        self._new_release(rec, f"Attach {var.removesuffix('_URL')} (@ref:{addon['name']})")
        return addon_body(rec, addon)

    @locked
    def addon_delete(self, app: str, addon: str) -> dict:
        rec = self._app(app)
        found = next((a for a in rec.addons if addon in (a["name"], addon_id(rec, a))), None)
        if found is None:
            raise not_found("add-on", "add on")
        rec.addons.remove(found)
        var = addon_config_var(found)
        rec.config_vars.pop(var, None)
        self._new_release(rec, f"Detach {var.removesuffix('_URL')} (@ref:{found['name']})")
        return addon_body(rec, found)

    def account_feature_list(self) -> list[dict]:
        """`heroku labs` reads these; the sandbox account has no account-level lab features."""
        return []

    def generation_list(self) -> list[dict]:
        return [generation_body(g) for g in (CEDAR, FIR)]

    def generation_info(self, ident: str) -> dict:
        for gen in (CEDAR, FIR):
            if ident in (gen["id"], gen["name"]):
                return generation_body(gen)
        raise not_found("generation")

    # -- pipelines and promotions (pipelines.py) ----------------------------------------------
    def _pipeline(self, ident: str) -> Pipeline:
        for pipe in self.pipelines.values():
            if ident in (pipe.id, pipe.name):
                return pipe
        raise not_found("pipeline")

    @locked
    def add_pipeline(self, name: str, stages: dict[str, list[str]]) -> Pipeline:
        """A pipeline coupling existing apps by stage: `{"staging": [app], "production": [...]}`."""
        if not re.fullmatch(r"[a-z][a-z0-9-]{2,29}", name):
            raise invalid(f"Pipeline name {name!r}: lowercase letters, digits and dashes.")
        pipe = Pipeline(name=name, id=stable_id("pipeline", name), created_at=self.clock())
        for stage, apps in stages.items():
            if stage not in STAGES:
                raise invalid(f"Unknown stage {stage!r}; use one of {', '.join(STAGES)}.")
            for app in apps:
                rec = self._app(app)
                if any(rec.id in p.couplings for p in self.pipelines.values() if p is not pipe):
                    raise invalid(f"App {rec.name} is already in a pipeline.")
                pipe.couplings[rec.id] = stage
                pipe.generation = rec.generation
        self.pipelines[pipe.id] = pipe
        return pipe

    def _apps_by_id(self) -> dict[str, AppRecord]:
        return {a.id: a for a in self.apps.values()}

    @locked
    def pipeline_list(self) -> list[dict]:
        return [p.to_api(self.account.id) for p in self.pipelines.values()]

    @locked
    def pipeline_info(self, ident: str) -> dict:
        return self._pipeline(ident).to_api(self.account.id)

    @locked
    def pipeline_coupling_list(self, pipeline: str) -> list[dict]:
        pipe = self._pipeline(pipeline)
        apps = self._apps_by_id()
        return [pipe.coupling_body(apps[i]) for i in pipe.couplings if i in apps]

    @locked
    def app_pipeline_coupling(self, app: str) -> dict:
        rec = self._app(app)
        for pipe in self.pipelines.values():
            if rec.id in pipe.couplings:
                return pipe.coupling_body(rec)
        raise not_found("pipeline-coupling", "pipeline coupling")

    @locked
    def filter_apps(self, body: object) -> list[dict]:
        """`POST /filters/apps {"in": {"id": [...]}}`: the apps with those ids (team-app bodies)."""
        ids = ((body or {}).get("in") or {}).get("id") if isinstance(body, dict) else None
        if not isinstance(ids, list):
            raise invalid('Invalid params: expected {"in": {"id": [...]}}.')
        return [team_app_body(a.to_api(self.account)) for a in self.apps.values() if a.id in ids]

    @locked
    def pipeline_promotion_create(self, body: object) -> dict:
        """Copy the source app's current slug to each target app as a new release there; each
        runs its release phase and, with preboot, opens a window. No build."""
        if not isinstance(body, dict):
            raise invalid("Invalid params: expected an object.")
        try:
            pipe = self._pipeline(str(body["pipeline"]["id"]))
            source = self._app(str(body["source"]["app"]["id"]))
            targets = [self._app(str(t["app"]["id"])) for t in body["targets"]]
        except (KeyError, TypeError) as exc:
            raise invalid(
                "Invalid params: pipeline.id, source.app.id and targets are required."
            ) from exc
        rel = source.current_release()
        if rel is None or rel.slug_id is None:
            raise invalid(f"{source.name} has no release to promote.")
        now = self.clock()
        promo = Promotion(
            stable_id("promotion", pipe.id, now, secrets.token_hex(4)), pipe, source, rel, now
        )
        for target in targets:
            if target.id not in pipe.couplings:
                raise invalid(f"App {target.name} is not in pipeline {pipe.name}.")
            target.slugs.setdefault(
                rel.slug_id, source.slugs.get(rel.slug_id) or Slug(rel.slug_id, {})
            )
            made = self._new_release(
                target, f"Promote {source.name} v{rel.version}", slug_id=rel.slug_id
            )
            promo.targets.append((target, made))
        self.promotions[promo.id] = promo
        return promo.to_api()

    @locked
    def pipeline_promotion_info(self, ident: str) -> dict:
        return self._promotion(ident).to_api()

    def _promotion(self, ident: str) -> Promotion:
        promo = self.promotions.get(ident)
        if promo is None:
            raise not_found("pipeline-promotion", "pipeline promotion")
        for app, _rel in promo.targets:  # replay the targets' release phases up to now
            lifecycle.tick(app, self.runner_for(app), self.clock())
        return promo

    @locked
    def pipeline_promotion_targets(self, ident: str) -> list[dict]:
        return self._promotion(ident).targets_api()

    # -- sandbox control ---------------------------------------------------------------------
    def request_log(self) -> list[dict]:
        """The API requests the HTTP layer recorded (`self.requests`, see control.RequestLog)."""
        return self.requests.entries()

    def clear_request_log(self) -> None:
        self.requests.clear()

    # -- preboot window ---------------------------------------------------------------------
    @locked
    def router_view(self, app: str, at: float | None = None) -> dict:
        """Which release's web dynos the router sends requests to at sandbox time `at` (default:
        now), and the whole timeline of changes so far. Not a Heroku API: the control API
        serves it at /__sandbox/apps/{app}/router for tests and `zdd verify --app`."""
        rec = self._app(app)
        now = self.clock()
        at = now if at is None else float(at)
        if at > now + 1e-6:
            raise ValueError(f"The router view knows only the past: at={at} is after now={now}.")
        dynos = lifecycle.serving(rec, at)
        return {
            "app": rec.name,
            "at": at,
            "now": now,
            "maintenance": rec.maintenance,
            "affinity": bool(rec.features.get("http-session-affinity")),
            "releases": sorted({d.release.version for d in dynos}),
            "dynos": [
                {"name": d.name, "id": d.id, "release": d.release.version}
                for d in sorted(dynos, key=lambda d: (d.release.version, d.name))
            ],
            "preboot_until": rec.preboot_until if lifecycle.preboot_in_progress(rec, now) else None,
            "clock_factor": clock_factor(self.clock),
            "timeline": lifecycle.router_timeline(rec, now),
        }

    @locked
    def cycle(self, app: str, dyno: str | None = None, spacing: float = 60.0) -> dict:
        """Daily dyno cycling (control API): each dyno restarts on its own, `spacing` sandbox
        seconds apart (Heroku spreads them over up to 216 minutes), without preboot."""
        rec = self._app(app)
        now = self.clock()
        names = [dyno] if dyno else [d.name for d in lifecycle.listed_dynos(rec, now)]
        names = [n for n in names if not n.startswith("release.")]
        if dyno:
            self._dyno(rec, dyno)
        for k, name in enumerate(names):
            rec.scheduled.append((now + k * spacing, "cycle", name))
        lifecycle.tick(rec, self.runner_for(rec), now)
        return {"app": rec.name, "cycling": names, "spacing": spacing}

    @locked
    def start_preboot(self, app: str, seconds: float) -> dict:
        """A preboot window of `seconds` from now (control API): on an app where preboot applies,
        new web dynos of the current release start beside the old ones; on any app, formation
        changes are refused until it ends."""
        rec = self._app(app)
        now = self.clock()
        rel = rec.current_release()
        if lifecycle.preboot_applies(rec) and rel is not None and rel.slug_id is not None:
            lifecycle.roll_out(
                rec, self.runner_for(rec), rel, now, types=["web"], window=float(seconds)
            )
        else:
            rec.preboot_until, rec.preboot_switched = now + float(seconds), False
        return {"app": rec.name, "preboot_until": rec.preboot_until}
