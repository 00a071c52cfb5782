"""The platform's rules as pure functions: errors, quantities, sizes, buildpacks, tier limits.

Used by state.py; no I/O and no HTTP. Messages are the real platform's where one is recorded
(platform-api.md §2); the others are marked inferred where they are defined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalog import DYNO_SIZES, OFFICIAL_BUILDPACK_HOSTS, DynoSize, find_size

if TYPE_CHECKING:
    from .records import AppRecord, Release

MAX_DYNOS_PER_APP = 100
# "Eco: max 2 concurrently running dynos per app" (platform-api.md §5.3, §6). The text is inferred
# from the Free-era "Cannot run more than 2 Free size dynos." (not recorded for Eco).
MAX_ECO_DYNOS_PER_APP = 2
# Fields a batch formation update may carry: the schema's (additionalProperties false) plus the
# legacy `size` the real API still accepts from heroku/cli (platform-api.md §5.3).
UPDATE_FIELDS = ("type", "quantity", "dyno_size", "size")
PREBOOT_IN_PROGRESS = "Cannot change formation for a preboot app until preboot is complete"
# No real text is documented for enabling preboot on Eco/Basic (platform-api.md §2): configurable.
DEFAULT_PREBOOT_REFUSAL = (
    "Preboot is only available for apps on professional dynos (Standard or Performance)."
)
RATE_LIMIT_MESSAGE = (
    "Your account reached the API rate limit\nPlease wait a few minutes before making new requests"
)
RATE_LIMIT_URL = "https://devcenter.heroku.com/articles/platform-api-reference#rate-limits"


class PlatformError(Exception):
    """A refusal by the platform: a Heroku error id, a message, and optional `resource` / `url`.

    No HTTP status here: app.ERROR_STATUS maps each id to its status (platform-api.md §2), so the
    rules stay apart from the wire.
    """

    def __init__(
        self, id: str, message: str, *, resource: str | None = None, url: str | None = None
    ) -> None:
        super().__init__(message)
        self.id, self.message, self.resource, self.url = id, message, resource, url

    def body(self) -> dict:
        out: dict = {"id": self.id, "message": self.message}
        if self.resource:
            out = {"resource": self.resource, **out}
        if self.url:
            out["url"] = self.url
        return out


def not_found(resource: str, what: str | None = None) -> PlatformError:
    return PlatformError("not_found", f"Couldn't find that {what or resource}.", resource=resource)


def invalid(message: str) -> PlatformError:
    return PlatformError("invalid_params", message)


@dataclass
class RateLimiter:
    """Token bucket per account: `capacity` tokens, `refill_per_minute` back (4500, 75/min)."""

    capacity: int = 4500
    refill_per_minute: float = 75.0
    tokens: float = -1.0
    last: float = 0.0

    def _refill(self, now: float) -> None:
        if self.tokens < 0:
            self.tokens, self.last = float(self.capacity), now
        gained = (now - self.last) * self.refill_per_minute / 60.0
        self.tokens = min(float(self.capacity), self.tokens + max(gained, 0.0))
        self.last = now

    def remaining(self, now: float) -> int:
        self._refill(now)
        return int(self.tokens)

    def consume(self, now: float) -> int:
        """Take one token; raise rate_limit when the bucket is empty."""
        self._refill(now)
        if self.tokens < 1:
            raise PlatformError("rate_limit", RATE_LIMIT_MESSAGE, url=RATE_LIMIT_URL)
        self.tokens -= 1
        return int(self.tokens)


def parse_quantity(value: object, current: int) -> int:
    """Quantity as int, numeric string or relative "+1"/"-1" (heroku/cli ps:scale sends strings)"""
    if isinstance(value, bool):
        raise invalid(f"Invalid quantity {value!r}: must be an integer.")
    if isinstance(value, int):
        result = value
    elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        text = value.strip()
        result = current + int(text) if text[0] in "+-" else int(text)
    else:
        raise invalid(f"Invalid quantity {value!r}: must be an integer.")
    if result < 0:
        raise invalid(f"Invalid quantity {value!r}: cannot scale below 0 dynos.")
    return result


def check_update_fields(update: object) -> None:
    """Refuse unknown fields in one batch update item, as the schema does."""
    if isinstance(update, dict):
        extra = sorted(set(update) - set(UPDATE_FIELDS))
        if extra:
            raise invalid(
                f"Invalid params: unknown field(s) {', '.join(map(repr, extra))} in a formation "
                f"update; use {', '.join(UPDATE_FIELDS)}."
            )


def size_from_update(update: dict) -> DynoSize | None:
    """The size an update asks for: `dyno_size` {id|name} (2026 schema) or legacy string `size`."""
    if "dyno_size" in update and update["dyno_size"] is not None:
        ds = update["dyno_size"]
        if isinstance(ds, str):
            key = ds
        elif isinstance(ds, dict) and (ds.get("name") or ds.get("id")):
            key = ds.get("name") or ds.get("id")
        else:
            raise invalid('Invalid dyno_size: expected {"name": ...} or {"id": ...}.')
    elif update.get("size") is not None:
        key = update["size"]
    else:
        return None
    size = find_size(str(key))
    if size is None:
        names = ", ".join(s.name for s in DYNO_SIZES if not s.private_space_only)
        raise invalid(f"Invalid dyno size {key!r}. Available sizes: {names}.")
    return size


def buildpack_url(value: object) -> str:
    """Registry names and official S3 URLs become `urn:buildpack:<name>`; other URLs stay."""
    if not isinstance(value, str) or not value.strip():
        raise invalid("Each buildpack update needs a non-empty 'buildpack' (name, URL or URN).")
    value = value.strip()
    if value.startswith("urn:buildpack:"):
        return value
    for host in OFFICIAL_BUILDPACK_HOSTS:
        if value.startswith(host) and value.endswith(".tgz"):
            return "urn:buildpack:" + value[len(host) : -len(".tgz")]
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        return value
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9_.-]*", value):
        return "urn:buildpack:" + value
    raise invalid(f"Buildpack {value!r} is neither a Buildpack Registry name nor a URL.")


def buildpack_body(url: str, ordinal: int) -> dict:
    name = url.removeprefix("urn:buildpack:")
    return {"buildpack": {"url": url, "name": name}, "ordinal": ordinal}


def config_description(changes: dict[str, str | None]) -> str:
    """Release text for a config change ("Set FOO config vars", as the real dashboard shows)."""
    sets = [k for k, v in changes.items() if v is not None]
    removes = [k for k, v in changes.items() if v is None]
    if sets and removes:
        return f"Set {', '.join(sets)} and remove {', '.join(removes)} config vars"
    if sets:
        return f"Set {', '.join(sets)} config vars"
    return f"Remove {', '.join(removes)} config vars"


def check_formation(wanted: dict[str, tuple[int, DynoSize]]) -> None:
    """The tier rules on a whole app's formation (platform-api.md §5.3), raising invalid_params."""
    for _type, (quantity, size) in wanted.items():
        limit = size.per_type_limit
        if limit is not None and quantity > limit:
            raise invalid(
                f"Cannot update to more than {limit} {size.name} size dynos per process type."
            )
    total = sum(q for q, _ in wanted.values())
    if total > MAX_DYNOS_PER_APP:
        raise invalid(f"Cannot update to more than {MAX_DYNOS_PER_APP} dynos per app.")
    eco = sum(q for q, size in wanted.values() if size.tier == "eco")
    if eco > MAX_ECO_DYNOS_PER_APP:
        raise invalid(
            f"Cannot run more than {MAX_ECO_DYNOS_PER_APP} Eco size dynos per app "
            f"(this change would run {eco})."
        )
    classes: dict[str, list[str]] = {}
    for _q, size in wanted.values():
        names = classes.setdefault(size.mix_class, [])
        if size.name not in names:
            names.append(size.name)
    if len(classes) > 1:
        order = ["eco", "basic", "professional", "private", "shield"]
        names = [n for c in order for n in classes.get(c, [])]
        listed = ", ".join(names[:-1]) + " and " + names[-1]
        raise invalid(f"Cannot use the following dyno types in the same app: {listed}")


def preboot_blockers(sizes: Iterable[DynoSize]) -> list[str]:
    """The sizes that rule preboot out (anything but Standard/Performance, platform-api.md §6);
    empty when preboot may be enabled. The same rule for the API, seeds and formation changes."""
    return sorted({s.name for s in sizes if not s.professional})


# Fir and Private Space limits. The refusal texts are ours: the real ones are not recorded.
FIR_CLASSIC_BUILDPACKS = (
    "Classic buildpacks are not supported on Fir-generation apps: Fir builds with Cloud Native "
    "Buildpacks (https://devcenter.heroku.com/articles/generations)."
)
FIR_UNSUPPORTED = {
    "preboot": "Preboot is not available on Fir-generation apps: they deploy with rolling "
    "restarts.",
    "http-session-affinity": "Session affinity is not available on Fir-generation apps.",
}
SPACE_UNSUPPORTED = {
    "http-session-affinity": "Session affinity is not available for apps in Private Spaces.",
}


def feature_refusal(app: AppRecord, feature: str) -> str | None:
    """Why `feature` cannot be enabled on this app's generation or space, or None."""
    if app.generation == "fir":
        return FIR_UNSUPPORTED.get(feature)
    if app.space:
        return SPACE_UNSUPPORTED.get(feature)
    return None


def size_refusal(app: AppRecord, size: DynoSize) -> str | None:
    """Why `app` cannot run `size`, or None. Cedar sizes are for Cedar apps and Fir sizes for Fir
    apps; Private-* sizes only in a Private Space, Shield-* only in a Shield space, and an app in
    a space runs only its space's sizes (a move out of the space is refused)."""
    if size.generation != app.generation:
        return f"{size.name} is not available for {app.generation.capitalize()}-generation apps."
    if app.generation == "fir":
        return None
    if not app.space:
        if size.private_space_only:
            return f"{size.name} dynos are only available in Private Spaces."
        return None
    # A Shield space runs Shield-* sizes; the Heroku CLI sends them as Private-* (heroku/cli
    # ps:scale replaces "Shield-" with "Private-"), so a Shield space takes both spellings.
    kind = "shield" if app.space.get("shield") else "private"
    allowed = ("private", "shield") if kind == "shield" else ("private",)
    if size.tier not in allowed:
        where = "Shield" if kind == "shield" else "Private"
        return (
            f"Cannot use {size.name} dynos in the {where} Space {app.space['name']}: its apps "
            f"run {where}-* dynos only."
        )
    return None


def parse_procfile(value: object) -> dict[str, str]:
    """A Procfile as text (`web: cmd` lines) or a {type: command} mapping."""
    if isinstance(value, dict):
        types = {str(k): str(v) for k, v in value.items()}
    elif isinstance(value, str):
        types = {}
        for line in value.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, command = line.partition(":")
            if not sep or not re.fullmatch(r"[-\w]{1,128}", name.strip()):
                raise invalid(f"Invalid Procfile line {line!r}: expected `type: command`.")
            types[name.strip()] = command.strip()
    else:
        raise invalid("Invalid params: 'procfile' (text or {type: command}) is required.")
    if not types:
        raise invalid("Invalid params: the Procfile declares no process types.")
    return types


def default_size(app: AppRecord, formation: dict) -> DynoSize:
    """The size a new process type gets: the app's existing size, else the generation's default."""
    for form in formation.values():
        return form.size
    name = "dyno-1c-0.5gb" if app.generation == "fir" else "Basic"
    found = find_size(name)
    assert found is not None
    return found


def rollback_refusal(app: AppRecord, rel: Release, allow_current: bool) -> str | None:
    """Why `rel` cannot be rolled back to, or None when it is eligible_for_rollback.

    A release without a slug (v1 of a new app) has no code to go back to. The current release is
    eligible only when `allow_current` (real behaviour undocumented: see Platform). The 422
    invalid_params shape is Heroku's; the wording is ours (no real text is recorded).
    """
    if rel.slug_id is None:
        return f"Release v{rel.version} has no slug, so it is not eligible for rollback."
    if app.releases and app.releases[-1] is rel and not allow_current:
        return f"Release v{rel.version} is the current release, so it is not eligible for rollback."
    return None
