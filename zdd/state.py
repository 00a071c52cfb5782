"""AppState: everything setup and check know about one app, as plain data (no I/O here).

reader.py builds it through the API client; tests and vectors build it from the sandbox seed format
(`AppState.from_seed`), so the pure rules in checks.py and plan.py never depend on HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from zdd import __version__
from zdd.cost import SIZES, is_fir_size

#: The companion buildpack's default URL: the release tarball built by `invoke buildpack`, pinned
#: to this zdd's version (a new zdd never changes what an app's next deploy downloads).
#: Defined once here; `--buildpack URL` overrides it.
COMPANION_BUILDPACK_URL = (
    f"https://github.com/zdd-dev/zdd/releases/download/v{__version__}/zdd-buildpack.tgz"
)

#: Config vars zdd owns (and the only ones it ever writes or removes).
ZDD_TOKEN_VAR = "ZDD_API_TOKEN"
ZDD_APP_VAR = "ZDD_APP"
#: Check ids the user opted out of, comma-separated (`setup --no-affinity` records
#: `affinity.enabled`); `zdd check` and the buildpack's checks report them as skipped.
ZDD_OPT_OUT_VAR = "ZDD_OPT_OUT"
#: `setup --smoke-path P`: the release phase's smoke boot requests P (buildpack/lib/smoke.sh).
ZDD_SMOKE_PATH_VAR = "ZDD_SMOKE_PATH"
OWNED_CONFIG_VARS = (ZDD_TOKEN_VAR, ZDD_APP_VAR, ZDD_OPT_OUT_VAR, ZDD_SMOKE_PATH_VAR)
#: The buildpack's opt-in JVM preset (buildpack/README.md). Setup never writes it, but `aot`
#: trains an AOT cache in bin/compile with the built app and its JDK, which puts the companion
#: after the last JVM buildpack instead of before it (checks.py, plan.py).
ZDD_JVM_PRESET_VAR = "ZDD_JVM_PRESET"
AOT_PRESET = "aot"

AFFINITY = "http-session-affinity"
PREBOOT = "preboot"

#: The App's `generation` (zdd/sandbox/platform-api-schema.json, app `generation` {id, name}):
#: Cedar (Common Runtime, Private Spaces) or Fir (https://devcenter.heroku.com/articles/generations).
CEDAR, FIR = "cedar", "fir"

#: Buildpacks (normalised to "owner/name") whose apps run on the JVM.
JVM_BUILDPACKS = frozenset(
    {
        "heroku/java",
        "heroku/jvm",
        "heroku/jvm-common",
        "heroku/gradle",
        "heroku/scala",
        "heroku/clojure",
    }
)

#: Eco/Basic and the retired Free/Hobby, from the one dyno-size table (zdd/data/dyno_sizes.json).
HOBBY_SIZES = frozenset(
    s.name.lower() for s in SIZES if s.tier in ("eco", "basic", "free", "hobby")
)
PROFESSIONAL_PREFIXES = ("standard-", "performance-")
PRIVATE_PREFIXES = ("private-", "shield-")


def is_professional(size: str) -> bool:
    """Standard-* or Performance-* (Common Runtime): the sizes zdd moves Eco/Basic apps to."""
    return size.strip().lower().startswith(PROFESSIONAL_PREFIXES)


def is_hobby(size: str) -> bool:
    """Eco/Basic (and the legacy Free/Hobby): one dyno per type, no preboot, can't mix tiers.

    The only sizes that block: Private-*/Shield-* (and unknown sizes) run 2+ dynos per type.
    """
    return size.strip().lower() in HOBBY_SIZES


def is_private(size: str) -> bool:
    """Private-*/Shield-* (Private Spaces): 2+ dynos per type, but rolling deploys, no preboot."""
    return size.strip().lower().startswith(PRIVATE_PREFIXES)


def parse_opt_outs(value: str | None) -> frozenset[str]:
    """`ZDD_OPT_OUT`'s value as a set of check ids (comma-separated, blanks and case ignored)."""
    return frozenset(p.strip().lower() for p in (value or "").split(",") if p.strip())


def format_opt_outs(ids: Iterable[str]) -> str:
    """The value setup writes to `ZDD_OPT_OUT`: sorted ids, comma-separated."""
    return ",".join(sorted(set(ids)))


def buildpack_key(ref: str) -> str:
    """Normalise a buildpack name/URL/URN to "owner/name" (lower case) so forms compare equal.

    heroku/java, urn:buildpack:heroku/java, https://github.com/heroku/heroku-buildpack-java(.git)(#v1)
    and https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/java.tgz all give
    "heroku/java".
    """
    s = ref.strip().lower().split("#", 1)[0].rstrip("/")
    if s.startswith("urn:buildpack:"):
        return s[len("urn:buildpack:") :]
    if s.startswith(("http://", "https://", "git://")):
        parsed = urlparse(s)
        path = parsed.path.strip("/")
        for suffix in (".tgz", ".tar.gz", ".git"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
        parts = path.split("/")
        if parsed.hostname == "github.com" and len(parts) >= 2:
            owner, repo = parts[0], parts[1]
            if repo.startswith("heroku-buildpack-"):
                repo = repo[len("heroku-buildpack-") :]
            return f"{owner}/{repo}"
        if "buildpacks" in parts:
            rest = parts[parts.index("buildpacks") + 1 :]
            if rest:
                return "/".join(rest)
        return s
    return s


def is_jvm_buildpack(ref: str) -> bool:
    return buildpack_key(ref) in JVM_BUILDPACKS


def _bare(ref: str) -> str:
    """Lower case, without a #fragment, a trailing slash or a trailing .git: for comparing URLs."""
    s = ref.strip().lower().split("#", 1)[0].rstrip("/")
    return s.removesuffix(".git")


def is_companion(ref: str, *urls: str | None) -> bool:
    """The zdd buildpack in any version and spelling.

    Recognised: any of `urls` (the `--buildpack URL` given, URLs recorded in snapshots), the
    default URL's family (github.com/zdd-dev/zdd releases, in any version), and any URL or name
    whose last part is the tarball `zdd-buildpack.tgz` (also versioned: zdd-buildpack-0.2.tgz).
    """
    s = _bare(ref)
    if any(u and s == _bare(u) for u in (COMPANION_BUILDPACK_URL, *urls)):
        return True
    if s.startswith(("https://github.com/zdd-dev/zdd/releases/", "urn:buildpack:zdd-dev/zdd")):
        return True
    last = s.rsplit("/", 1)[-1]
    return last.startswith("zdd-buildpack") or s in ("zdd-dev/zdd", "zdd/zdd")


@dataclass(frozen=True)
class Process:
    """One formation entry (a process type from the Procfile)."""

    type: str
    quantity: int
    size: str

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "quantity": self.quantity, "size": self.size}


@dataclass(frozen=True)
class AppState:
    """What the API told us about one app. `config_vars is None` means the token can't read them."""

    app: str
    stack: str | None = None
    buildpacks: tuple[str, ...] = ()
    features: Mapping[str, bool] = field(default_factory=dict)
    formation: tuple[Process, ...] = ()
    config_vars: frozenset[str] | None = frozenset()
    app_id: str | None = None
    #: Check ids listed in the app's ZDD_OPT_OUT config var (empty when unreadable or unset).
    opt_outs: frozenset[str] = frozenset()
    #: The app's generation name as the API gives it ("cedar", "fir"); None when the body had none.
    generation: str | None = None
    #: ZDD_JVM_PRESET's value (None when unset or unreadable).
    jvm_preset: str | None = None
    #: ZDD_SMOKE_PATH's value (None when unset or unreadable).
    smoke_path: str | None = None

    # -- derived facts ------------------------------------------------------------------------
    @property
    def is_jvm(self) -> bool:
        return any(is_jvm_buildpack(b) for b in self.buildpacks)

    def process(self, type_: str) -> Process | None:
        return next((p for p in self.formation if p.type == type_), None)

    @property
    def web(self) -> Process | None:
        return self.process("web")

    @property
    def worker_only(self) -> bool:
        """Process types but no `web` one: the router never sends this app HTTP traffic."""
        return bool(self.formation) and self.web is None

    @property
    def aot_preset(self) -> bool:
        """ZDD_JVM_PRESET=aot, exactly as buildpack/lib/aot.sh compares it: the companion then
        comes after the last JVM buildpack (its training run needs the built app and the JDK)."""
        return self.jvm_preset == AOT_PRESET

    def jvm_buildpack_index(self) -> int | None:
        """Position of the last JVM buildpack (the companion comes before it, or after it under
        ZDD_JVM_PRESET=aot), or None."""
        found = [i for i, b in enumerate(self.buildpacks) if is_jvm_buildpack(b)]
        return found[-1] if found else None

    def feature(self, name: str) -> bool:
        return bool(self.features.get(name, False))

    def has_companion(self, *urls: str | None) -> bool:
        return any(is_companion(b, *urls) for b in self.buildpacks)

    @property
    def on_fir(self) -> bool:
        """A Fir-generation app: Fir sizes, rolling deploys, Cloud Native Buildpacks, and no
        preboot, session affinity or classic buildpacks. Without a `generation` in the app body
        (older API versions), a formation on Fir sizes says so."""
        if self.generation is not None:
            return self.generation.strip().lower() == FIR
        return any(is_fir_size(p.size) for p in self.formation)

    @property
    def on_private(self) -> bool:
        """Some process type runs on Private-*/Shield-* (a Private Space app: no preboot)."""
        return any(is_private(p.size) for p in self.formation)

    # -- (de)serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "stack": self.stack,
            "buildpacks": list(self.buildpacks),
            "features": dict(sorted(self.features.items())),
            "formation": [p.to_dict() for p in self.formation],
            "config_vars": None if self.config_vars is None else sorted(self.config_vars),
            "opt_outs": sorted(self.opt_outs),
            "generation": FIR if self.on_fir else CEDAR,
        }

    @classmethod
    def from_seed(cls, app: Mapping[str, Any], *, config_readable: bool = True) -> AppState:
        """Build from one app in the sandbox seed format (docs/design.md), as the API shows it."""
        return cls(
            app=app["name"],
            stack=app.get("stack", "heroku-24"),
            buildpacks=tuple(app.get("buildpacks", ())),
            features={
                AFFINITY: False,
                PREBOOT: False,
                **{k: bool(v) for k, v in dict(app.get("features") or {}).items()},
            },
            formation=processes(app.get("formation") or ()),
            config_vars=frozenset(app.get("config_vars") or {}) if config_readable else None,
            opt_outs=parse_opt_outs((app.get("config_vars") or {}).get(ZDD_OPT_OUT_VAR))
            if config_readable
            else frozenset(),
            generation=str(app.get("generation", CEDAR)),
            jvm_preset=(app.get("config_vars") or {}).get(ZDD_JVM_PRESET_VAR)
            if config_readable
            else None,
            smoke_path=(app.get("config_vars") or {}).get(ZDD_SMOKE_PATH_VAR)
            if config_readable
            else None,
        )

    def replace(self, **changes: Any) -> AppState:
        from dataclasses import replace

        return replace(self, **changes)


def processes(items: Iterable[Mapping[str, Any]]) -> tuple[Process, ...]:
    return tuple(
        Process(str(p["type"]), int(p.get("quantity", 1)), str(p.get("size", "Basic")))
        for p in items
    )
