"""Fixed platform data the sandbox serves: dyno sizes, app features, official buildpacks, scopes.

Kept as data (like terraform-provider-heroku's featureMatrix) so rules in state.py read it instead
of hard-coding names. Sources: the team notes shared/heroku/platform-api.md (beside the repo, not
in it) §5.2, §5.10 and §6; values marked "inferred" are not in any source we have.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from zdd.cost import load_table

# Namespace for the sandbox's stable, reproducible UUIDs (uuid5 of a readable key).
SANDBOX_NS = uuid.UUID("6c1b1a6e-2f0e-4b6e-9d55-5a9d2f1f0c11")


def stable_id(*parts: object) -> str:
    """A UUID derived from `parts`, so seeded objects keep their ids across runs."""
    return str(uuid.uuid5(SANDBOX_NS, "/".join(str(p) for p in parts)))


CEDAR = {"id": stable_id("generation", "cedar"), "name": "cedar"}
FIR = {"id": stable_id("generation", "fir"), "name": "fir"}


@dataclass(frozen=True)
class DynoSize:
    """One row of the dyno-size catalogue (memory GB, price in cents per month)."""

    name: str
    memory: float
    cents: int
    compute: int
    dedicated: bool
    units: float
    tier: str  # eco | basic | standard | performance | private | shield | fir
    private_space_only: bool = False
    generation: str = "cedar"

    @property
    def id(self) -> str:
        return stable_id("dyno-size", self.name.lower())

    @property
    def professional(self) -> bool:
        """Standard/Performance: may run >1 per type and may use preboot (platform-api.md §6)."""
        return self.tier in ("standard", "performance")

    @property
    def single_per_type(self) -> bool:
        return self.tier in ("eco", "basic")

    @property
    def per_type_limit(self) -> int | None:
        """Performance, Private and Shield types are capped at 10 dynos each, Fir at 255 (Dev
        Center dyno-scaling-and-process-limits)."""
        if self.single_per_type:
            return 1
        if self.tier == "fir":
            return 255
        if self.tier in ("performance", "private", "shield"):
            return 10
        return None

    @property
    def mix_class(self) -> str:
        """Sizes of different classes cannot share an app; Standard and Performance mix freely,
        and so do Private-* and Shield-* (one instance type, two names: rules.size_refusal)."""
        if self.professional:
            return "professional"
        return "private" if self.tier == "shield" else self.tier

    def to_api(self) -> dict:
        """The dyno-size body; compute and precise_dyno_units are inferred (no real payload)."""
        return {
            "architecture": "amd64",
            "compute": self.compute,
            "cost": {"cents": self.cents, "unit": "month"},
            "dedicated": self.dedicated,
            "precise_dyno_units": self.units,
            "generation": dict(FIR if self.generation == "fir" else CEDAR),
            "id": self.id,
            "memory": self.memory,
            "name": self.name,
            "private_space_only": self.private_space_only,
        }


def _row(r: dict) -> DynoSize:
    """One row of zdd/data/dyno_sizes.json (the one dyno-size table) as the sandbox serves it."""
    return DynoSize(
        r["name"],
        r["memory_mb"] / 1024,
        r["monthly_usd"] * 100,
        r["compute"],
        r["dedicated"],
        r["precise_dyno_units"],
        r["tier"],
        r["private_space_only"],
        generation=r["generation"],
    )


# Every size Heroku sells, from the one table zdd's planner and the buildpack read too (sources and
# date in the file); the retired Free/Hobby rows are not served.
_ROWS = [r for r in load_table()["sizes"] if r["billing"] != "retired"]
DYNO_SIZES: tuple[DynoSize, ...] = tuple(_row(r) for r in _ROWS if r["generation"] == "cedar")
FIR_SIZES: tuple[DynoSize, ...] = tuple(_row(r) for r in _ROWS if r["generation"] == "fir")
ALL_SIZES = DYNO_SIZES + FIR_SIZES
SIZES_BY_KEY = {s.name.lower(): s for s in ALL_SIZES} | {s.id: s for s in ALL_SIZES}


def find_size(name_or_id: str) -> DynoSize | None:
    """Sizes are matched case-insensitively, as the real API does (`ps:type web=standard-2x`)."""
    return SIZES_BY_KEY.get(str(name_or_id).lower())


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    description: str
    doc_url: str
    id: str
    created_at: str = "2015-02-19T23:11:38Z"
    updated_at: str = "2016-04-23T00:58:26Z"
    state: str = "general"


# http-session-affinity is verbatim from a real 2018 response (platform-api.md §5.2); the others'
# ids and timestamps are not in any source, so they are stable generated values.
FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "http-session-affinity",
        "Enable session affinity for all requests [general]",
        "https://devcenter.heroku.com/articles/session-affinity",
        "52cb4f79-61a0-4d29-bafa-51ef7d801229",
    ),
    FeatureSpec(
        "preboot",
        "Provide seamless web dyno deploys [general]",
        "https://devcenter.heroku.com/articles/preboot",
        stable_id("feature", "preboot"),
    ),
    # Dev Center documents these two as Heroku Labs features (`heroku labs:enable ...`): beta.
    FeatureSpec(
        "runtime-dyno-metadata",
        "Provide metadata about the app and dyno as environment variables [beta]",
        "https://devcenter.heroku.com/articles/dyno-metadata",
        stable_id("feature", "runtime-dyno-metadata"),
        state="beta",
    ),
    FeatureSpec(
        "log-runtime-metrics",
        "Emit dyno resource usage information into app logs [beta]",
        "https://devcenter.heroku.com/articles/log-runtime-metrics",
        stable_id("feature", "log-runtime-metrics"),
        state="beta",
    ),
    FeatureSpec(
        "spaces-dns-discovery",
        "Enable DNS service discovery [general]",
        "https://devcenter.heroku.com/articles/dyno-dns-service-discovery",
        stable_id("feature", "spaces-dns-discovery"),
    ),
    FeatureSpec(
        "http-end-to-end-continue",
        "Forward Expect: 100-continue to the app [general]",
        "https://devcenter.heroku.com/articles/http-routing",
        stable_id("feature", "http-end-to-end-continue"),
    ),
)
FEATURES_BY_NAME = {f.name: f for f in FEATURES}
FEATURES_BY_ID = {f.id: f for f in FEATURES}

# Buildpack Registry names that come back as urn:buildpack:<name> (platform-api.md §5.5).
OFFICIAL_BUILDPACK_HOSTS = (
    "https://codon-buildpacks.s3.amazonaws.com/buildpacks/",
    "https://buildpack-registry.s3.amazonaws.com/buildpacks/",
    "https://buildpack-registry.s3.us-east-1.amazonaws.com/buildpacks/",
)

SCOPES = ("global", "identity", "read", "write", "read-protected", "write-protected")

# What each kind of endpoint accepts (platform-api.md §1 observed table; identity/oauth inferred).
ACCEPTED_SCOPES = {
    "read": ("global", "read", "read-protected", "write", "write-protected"),
    "write": ("global", "write", "write-protected"),
    "read-protected": ("global", "read-protected", "write-protected"),
    "write-protected": ("global", "write-protected"),
    "identity": ("global", "identity", "read", "read-protected", "write", "write-protected"),
    "global": ("global",),
}
