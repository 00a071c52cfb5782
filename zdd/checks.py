"""The readiness rules: check(state) -> findings. Pure; ids and statuses fixed in docs/design.md.

The buildpack's release-phase check implements the first four rules in bash against the same
vectors (tests/vectors/*.json), so a change here must keep those vectors passing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zdd.cost import canonical_size, is_fir_size
from zdd.state import (
    AFFINITY,
    COMPANION_BUILDPACK_URL,
    PREBOOT,
    ZDD_APP_VAR,
    ZDD_OPT_OUT_VAR,
    ZDD_TOKEN_VAR,
    AppState,
    is_companion,
    is_hobby,
    is_private,
)


class CheckStatus(StrEnum):
    """A finding's status (`status` in --json)."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


PASSED, FAILED, SKIPPED = CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.SKIPPED

#: Finding ids in report order (docs/design.md "Check findings").
IDS = (
    "tier.professional",
    "web.redundancy",
    "affinity.enabled",
    "preboot.enabled",
    "buildpack.companion",
    "release_check.credentials",
)

DOCS = {
    "tier.professional": "https://devcenter.heroku.com/articles/dyno-types",
    "web.redundancy": "https://devcenter.heroku.com/articles/dynos#dyno-redundancy",
    "affinity.enabled": "https://devcenter.heroku.com/articles/session-affinity",
    "preboot.enabled": "https://devcenter.heroku.com/articles/preboot",
    "buildpack.companion": "https://devcenter.heroku.com/articles/using-multiple-buildpacks-for-an-app",
    "release_check.credentials": "https://devcenter.heroku.com/articles/release-phase",
}


#: The setup plan step (zdd.plan; its change in zdd.changes) that makes each finding pass.
FIXED_BY = {
    "tier.professional": "formation",
    "web.redundancy": "formation",
    "affinity.enabled": "affinity",
    "preboot.enabled": "preboot",
    "buildpack.companion": "buildpack",
    "release_check.credentials": "release_check",
}


@dataclass(frozen=True)
class Finding:
    """One check result. `command` and `doc` form the remedy; both are empty when it passed."""

    id: str
    status: CheckStatus
    message: str
    command: str = ""
    doc: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", CheckStatus(self.status))

    @property
    def fixed_by(self) -> str:
        """The id of the setup step whose change fixes this finding."""
        return FIXED_BY[self.id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": str(self.status),
            "message": self.message,
            "remedy": {"command": self.command, "doc": self.doc} if self.status == FAILED else None,
            "fixed_by": self.fixed_by,
        }


def _failed(id_: str, message: str, command: str) -> Finding:
    return Finding(id_, FAILED, message, command, DOCS[id_])


def check(
    state: AppState,
    *,
    companion_url: str = COMPANION_BUILDPACK_URL,
    known_companions: Iterable[str] = (),
    size: str = "Standard-1X",
) -> list[Finding]:
    """All six findings for one app, in IDS order. `size` is the size suggested in remedies.

    `companion_url` and `known_companions` (URLs from earlier setups) count as the zdd buildpack.
    Private-*/Shield-* sizes pass the tier check (2+ dynos per type), but they can't use preboot
    (Private Spaces deploy with rolling restarts) nor session affinity, so those are skipped.
    On a Fir app (no preboot, no session affinity, no classic buildpacks) those four are skipped
    with the reason, and the tier check reads the Fir sizes. An app with process types but no
    `web` one skips everything (only web dynos get HTTP traffic:
    https://devcenter.heroku.com/articles/dynos), and every id listed in the app's ZDD_OPT_OUT
    is skipped as opted out.
    """
    findings = _findings(state, companion_url, tuple(known_companions), size)
    if state.on_fir:
        findings = _fir(state, findings)
    if state.worker_only:  # the router never reaches it: nothing here protects a request
        findings = [
            f if f.id == "web.redundancy" else Finding(f.id, SKIPPED, NO_WEB) for f in findings
        ]
    return [
        Finding(f.id, SKIPPED, f"opted out ({ZDD_OPT_OUT_VAR})") if f.id in state.opt_outs else f
        for f in findings
    ]


#: Why a worker-only app's checks are skipped (the web.redundancy message says the same).
NO_WEB = "no web process type: the router sends this app no HTTP traffic"

#: Fir-generation apps (https://devcenter.heroku.com/articles/generations) deploy with rolling
#: restarts; preboot is a Common Runtime feature (https://devcenter.heroku.com/articles/preboot)
#: and session affinity a Cedar router one (https://devcenter.heroku.com/articles/session-affinity),
#: neither of which Fir offers; Fir builds with Cloud Native Buildpacks, so no classic buildpack
#: (the zdd companion and its release-phase check) runs there. On Fir, `zdd check` is a
#: rolling-deploy readiness check: Fir sizes and 2+ web dynos.
FIR_NO_PREBOOT = "Fir-generation apps have no preboot: they deploy with rolling restarts instead"
FIR_NO_AFFINITY = "Fir-generation apps have no session affinity"
FIR_NO_CLASSIC = (
    "Fir-generation apps build with Cloud Native Buildpacks: the zdd classic buildpack and its "
    "release-phase check don't run there"
)
#: The ids a Fir app skips, and why.
FIR_SKIPS = {
    "affinity.enabled": FIR_NO_AFFINITY,
    "preboot.enabled": FIR_NO_PREBOOT,
    "buildpack.companion": FIR_NO_CLASSIC,
    "release_check.credentials": FIR_NO_CLASSIC,
}


def _fir_tier(state: AppState) -> Finding:
    """tier.professional on Fir: every Fir size runs 2+ dynos per type (none is Eco/Basic)."""
    running = [p for p in state.formation if p.quantity > 0]
    other = sorted({p.size for p in running if not is_fir_size(p.size)})
    if other:
        return Finding(
            "tier.professional",
            SKIPPED,
            f"{', '.join(other)}: not a Fir size zdd knows (https://devcenter.heroku.com/articles/"
            "dyno-types), so zdd can't tell how many dynos it runs per type",
        )
    sizes = ", ".join(sorted({p.size for p in running})) or "no running dynos"
    return Finding(
        "tier.professional",
        PASSED,
        f"Fir sizes can run 2+ dynos per type ({sizes}; deploys are rolling restarts, not preboot)",
    )


def _fir(state: AppState, findings: list[Finding]) -> list[Finding]:
    """A Fir app's findings: the tier from the Fir rows of the size table, web.redundancy as on
    Cedar, and what Fir doesn't have skipped with the reason instead of failed."""
    out = []
    for f in findings:
        if f.id in FIR_SKIPS:
            out.append(Finding(f.id, SKIPPED, FIR_SKIPS[f.id]))
        elif f.id == "tier.professional" and state.formation:
            out.append(_fir_tier(state))
        else:
            out.append(f)
    return out


def _findings(
    state: AppState, companion_url: str, known: tuple[str, ...], size: str
) -> list[Finding]:
    app = state.app
    out: list[Finding] = []

    # tier.professional
    procs = sorted(state.formation, key=lambda p: (p.type != "web", p.type))
    running = [p for p in procs if p.quantity > 0]
    if not state.formation:
        out.append(Finding("tier.professional", SKIPPED, "no process types yet (nothing deployed)"))
    else:
        low = [p for p in running if is_hobby(p.size)]
        if low:
            names = ", ".join(f"{p.type} ({canonical_size(p.size)})" for p in low)
            pairs = " ".join(f"{p.type}={size}" for p in procs)
            out.append(
                _failed(
                    "tier.professional",
                    f"not on a professional size: {names}; preboot and a 2nd web dyno need "
                    "Standard or Performance",
                    f"heroku ps:type {pairs} --app {app}",
                )
            )
        elif state.on_private:
            out.append(
                Finding(
                    "tier.professional",
                    PASSED,
                    "Private Space sizes can run 2+ dynos per type (deploys are rolling "
                    "restarts, not preboot)",
                )
            )
        else:
            out.append(
                Finding("tier.professional", PASSED, "every running process type is professional")
            )

    # web.redundancy
    web = state.web
    if web is None:
        out.append(
            Finding("web.redundancy", SKIPPED, NO_WEB if state.formation else "no web process type")
        )
    elif web.quantity >= 2:
        out.append(Finding("web.redundancy", PASSED, f"{web.quantity} web dynos"))
    else:
        scale = "web=2"
        if is_hobby(web.size):  # Eco/Basic run one dyno per type: all types move together
            scale = " ".join(
                f"{p.type}={2 if p.type == 'web' else p.quantity}:{size}" for p in procs
            )
        out.append(
            _failed(
                "web.redundancy",
                f"{web.quantity} web dyno{'s' if web.quantity != 1 else ''}: "
                + (
                    "nothing serves requests"
                    if web.quantity == 0
                    else "while it restarts (daily cycling, a crash) nothing serves requests; "
                    "2+ web dynos make it more likely one is up"
                ),
                f"heroku ps:scale {scale} --app {app}",
            )
        )

    # features
    for id_, name, why in (
        (
            "affinity.enabled",
            AFFINITY,
            "while old and new dynos overlap in a deploy, one client's requests may alternate "
            "between releases",
        ),
        (
            "preboot.enabled",
            PREBOOT,
            "every deploy stops the old web dynos before the new ones take traffic",
        ),
    ):
        if state.feature(name):
            out.append(Finding(id_, PASSED, f"{name} is enabled"))
        elif state.on_private:
            sizes = sorted({canonical_size(p.size) for p in procs if is_private(p.size)})
            out.append(Finding(id_, SKIPPED, private_reason(name, sizes)))
        else:
            out.append(
                _failed(
                    id_,
                    f"{name} is disabled: {why}",
                    f"heroku features:enable {name} --app {app}",
                )
            )

    # buildpack.companion
    if not state.is_jvm:
        out.append(Finding("buildpack.companion", SKIPPED, "not a JVM app"))
    else:
        urls = (companion_url, *known)
        at = [i for i, b in enumerate(state.buildpacks) if is_companion(b, *urls)]
        jvm = state.jvm_buildpack_index()
        assert jvm is not None  # a JVM app has a JVM buildpack
        last = state.buildpacks[jvm].removeprefix("urn:buildpack:")
        if state.aot_preset:
            out.append(_companion_for_aot(state, at, jvm, last, companion_url))
        elif at and at[0] < jvm:
            out.append(Finding("buildpack.companion", PASSED, "the zdd buildpack is installed"))
        elif at:
            found = state.buildpacks[at[0]]
            out.append(
                _failed(
                    "buildpack.companion",
                    f"the zdd buildpack comes after {last}: only the last buildpack's default "
                    "process types count, so an app without a Procfile loses its web process; "
                    f"it must come before {last}",
                    f"heroku buildpacks:remove {found} --app {app} && "
                    f"heroku buildpacks:add --index {jvm + 1} {found} --app {app}",
                )
            )
        else:
            out.append(
                _failed(
                    "buildpack.companion",
                    "JVM app without the zdd buildpack: new dynos take traffic with a cold JIT",
                    f"zdd setup --app {app} (it checks the buildpack URL can be fetched before "
                    "adding it; to self-host the buildpack: zdd buildpack --out DIR, then "
                    f"zdd setup --app {app} --buildpack YOUR-URL)",
                )
            )

    # release_check.credentials
    if not state.is_jvm:
        out.append(Finding("release_check.credentials", SKIPPED, "not a JVM app"))
    elif state.config_vars is None:
        out.append(
            Finding(
                "release_check.credentials",
                SKIPPED,
                "this token can't read config vars (needs global or read-protected scope)",
            )
        )
    else:
        missing = [v for v in (ZDD_TOKEN_VAR, ZDD_APP_VAR) if v not in state.config_vars]
        if missing:
            out.append(
                _failed(
                    "release_check.credentials",
                    f"missing config var{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                    "the release-phase check can't read the app's settings",
                    f"zdd setup --app {app}",
                )
            )
        else:
            out.append(
                Finding(
                    "release_check.credentials", PASSED, f"{ZDD_TOKEN_VAR} and {ZDD_APP_VAR} set"
                )
            )
    return out


def _companion_for_aot(
    state: AppState, at: list[int], jvm: int, last: str, companion_url: str
) -> Finding:
    """buildpack.companion under ZDD_JVM_PRESET=aot: bin/compile trains the AOT cache with the
    built app and the slug's JDK, so the companion comes AFTER the last JVM buildpack. Then the
    JVM buildpack's default process types no longer count (only the last buildpack's do:
    https://devcenter.heroku.com/articles/using-multiple-buildpacks-for-an-app), which is why
    the preset also needs a Procfile `web:` line (its training runs that line)."""
    app = state.app
    if at and at[0] > jvm:
        return Finding(
            "buildpack.companion",
            PASSED,
            f"the zdd buildpack is installed after {last}, as ZDD_JVM_PRESET=aot needs "
            "(with a Procfile web: line)",
        )
    if at:
        found = state.buildpacks[at[0]]
        # Removing it (before the JVM buildpack) moves that one up by one, so index jvm + 1
        # (1-based) is just after it.
        return _failed(
            "buildpack.companion",
            f"the zdd buildpack comes before {last}: ZDD_JVM_PRESET=aot trains its AOT cache "
            f"with the built app and its JDK, so it must come after {last}, and the app needs "
            "a Procfile web: line",
            f"heroku buildpacks:remove {found} --app {app} && "
            f"heroku buildpacks:add --index {jvm + 1} {found} --app {app}",
        )
    return _failed(
        "buildpack.companion",
        "JVM app without the zdd buildpack: new dynos take traffic with a cold JIT",
        f"zdd setup --app {app} (it checks the buildpack URL can be fetched before adding it; "
        "to self-host the buildpack: zdd buildpack --out DIR, then zdd setup --app "
        f"{app} --buildpack YOUR-URL)",
    )


def private_reason(feature: str, sizes: list[str]) -> str:
    """Why a feature stays off on Private-*/Shield-* dynos (Dev Center: preboot, affinity)."""
    on = ", ".join(sizes)
    if feature == PREBOOT:
        return f"{on} can't use preboot: Private Spaces deploy with rolling restarts instead"
    return f"{on}: session affinity is not available in Private Spaces"


def statuses(findings: Iterable[Finding]) -> dict[str, str]:
    """{id: status}: the shape of a vector's "expected"."""
    return {f.id: str(f.status) for f in findings}
