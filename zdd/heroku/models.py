"""Frozen dataclasses parsed from Platform API bodies; each keeps the body it came from in ``.raw``.

Parsing is lenient about extra or missing optional keys (the API adds fields over time, and the
schema and real bodies disagree, e.g. ``display_name: null``), strict about fields zdd decides on.
Timestamps stay ISO-8601 strings: zdd compares and prints them, it never does date arithmetic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Account",
    "App",
    "BuildpackInstallation",
    "Dyno",
    "DynoSize",
    "Feature",
    "Formation",
    "FormationUpdate",
    "OAuthAuthorization",
    "RateLimit",
    "Release",
    "same_size",
    "token_digest",
]

Raw = Mapping[str, Any]


def _name(value: Any) -> str | None:
    """``{"id", "name"}`` sub-objects appear as null on some apps; return the name or None."""
    if isinstance(value, Mapping):
        name = value.get("name")
        return str(name) if name is not None else None
    return None


def _raw() -> Any:
    """The ``raw`` field: kept for callers, left out of repr and equality."""
    return field(default_factory=dict, repr=False, compare=False)


def same_size(a: str | None, b: str | None) -> bool:
    """Compare dyno size names case-insensitively (``standard-1x`` == ``Standard-1X``)."""
    if a is None or b is None:
        return a is b
    return a.casefold() == b.casefold()


@dataclass(frozen=True)
class App:
    """An app (GET /apps/{app}); ``generation`` is ``cedar`` or ``fir`` when the API says."""

    id: str
    name: str
    stack: str | None = None
    region: str | None = None
    generation: str | None = None
    web_url: str | None = None
    owner_email: str | None = None
    team: str | None = None
    space: str | None = None
    released_at: str | None = None
    maintenance: bool = False
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> App:
        owner = body.get("owner")
        return cls(
            id=str(body["id"]),
            name=str(body["name"]),
            stack=_name(body.get("stack")) or _name(body.get("build_stack")),
            region=_name(body.get("region")),
            generation=_name(body.get("generation")),
            web_url=body.get("web_url"),
            owner_email=owner.get("email") if isinstance(owner, Mapping) else None,
            team=_name(body.get("team")),
            space=_name(body.get("space")),
            released_at=body.get("released_at"),
            maintenance=bool(body.get("maintenance", False)),
            raw=body,
        )


@dataclass(frozen=True)
class Feature:
    """An app feature such as ``preboot`` or ``http-session-affinity``."""

    id: str
    name: str
    enabled: bool
    state: str | None = None
    description: str | None = None
    doc_url: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> Feature:
        return cls(
            id=str(body.get("id", "")),
            name=str(body["name"]),
            enabled=bool(body["enabled"]),
            state=body.get("state"),
            description=body.get("description"),
            doc_url=body.get("doc_url"),
            raw=body,
        )


@dataclass(frozen=True)
class Formation:
    """One process type's formation; ``size`` is ``dyno_size.name`` or legacy ``size``."""

    id: str
    type: str
    quantity: int
    size: str
    command: str | None = None
    app_name: str | None = None
    updated_at: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> Formation:
        size = _name(body.get("dyno_size")) or body.get("size") or ""
        return cls(
            id=str(body.get("id", "")),
            type=str(body["type"]),
            quantity=int(body["quantity"]),
            size=str(size),
            command=body.get("command"),
            app_name=_name(body.get("app")),
            updated_at=body.get("updated_at"),
            raw=body,
        )

    def size_is(self, size: str) -> bool:
        """True when this formation runs ``size`` (case-insensitive: the API mixes casings)."""
        return same_size(self.size, size)

    def size_in(self, sizes: Iterable[str]) -> bool:
        """True when the size is one of ``sizes`` (any iterable of names), case-insensitively."""
        return any(same_size(self.size, s) for s in sizes)


@dataclass(frozen=True)
class FormationUpdate:
    """One entry of a batch formation update; None leaves that field unchanged."""

    type: str
    quantity: int | None = None
    size: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The request item: absolute values only (never ``+1``), so repeating it is safe."""
        item: dict[str, Any] = {"type": self.type}
        if self.quantity is not None:
            if isinstance(self.quantity, bool) or int(self.quantity) < 0:
                raise ValueError(f"quantity for {self.type!r} must be a whole number >= 0")
            item["quantity"] = int(self.quantity)
        if self.size is not None:
            item["size"] = self.size
        return item


@dataclass(frozen=True)
class DynoSize:
    """A dyno size from /dyno-sizes; ``cost_cents``/``cost_unit`` are None without a cost."""

    id: str
    name: str
    memory: float | None = None
    compute: int | None = None
    dedicated: bool = False
    private_space_only: bool = False
    generation: str | None = None
    cost_cents: int | None = None
    cost_unit: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> DynoSize:
        cost = body.get("cost")
        return cls(
            id=str(body.get("id", "")),
            name=str(body["name"]),
            memory=body.get("memory"),
            compute=body.get("compute"),
            dedicated=bool(body.get("dedicated", False)),
            private_space_only=bool(body.get("private_space_only", False)),
            generation=_name(body.get("generation")),
            cost_cents=cost.get("cents") if isinstance(cost, Mapping) else None,
            cost_unit=cost.get("unit") if isinstance(cost, Mapping) else None,
            raw=body,
        )


@dataclass(frozen=True)
class BuildpackInstallation:
    """An installed buildpack: ``name`` e.g. ``heroku/jvm``, ``url`` maybe ``urn:buildpack:``."""

    ordinal: int
    url: str
    name: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> BuildpackInstallation:
        bp = body.get("buildpack") or {}
        return cls(
            ordinal=int(body.get("ordinal", 0)),
            url=str(bp.get("url", "")),
            name=bp.get("name"),
            raw=body,
        )


@dataclass(frozen=True)
class Release:
    """A release; ``status`` is succeeded | pending | failed | expired."""

    id: str
    version: int
    status: str | None = None
    description: str | None = None
    current: bool = False
    created_at: str | None = None
    slug_id: str | None = None
    user_email: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> Release:
        slug = body.get("slug")
        user = body.get("user")
        return cls(
            id=str(body.get("id", "")),
            version=int(body["version"]),
            status=body.get("status"),
            description=body.get("description"),
            current=bool(body.get("current", False)),
            created_at=body.get("created_at"),
            slug_id=slug.get("id") if isinstance(slug, Mapping) else None,
            user_email=user.get("email") if isinstance(user, Mapping) else None,
            raw=body,
        )


@dataclass(frozen=True)
class Dyno:
    """A running dyno (``web.1``); ``state`` is up | starting | idle | crashed | down."""

    id: str
    name: str
    type: str
    size: str | None = None
    state: str | None = None
    command: str | None = None
    release_version: int | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> Dyno:
        release = body.get("release")
        version = release.get("version") if isinstance(release, Mapping) else None
        return cls(
            id=str(body.get("id", "")),
            name=str(body["name"]),
            type=str(body.get("type") or str(body["name"]).split(".", 1)[0]),
            size=body.get("size"),
            state=body.get("state"),
            command=body.get("command"),
            release_version=int(version) if version is not None else None,
            raw=body,
        )


@dataclass(frozen=True)
class Account:
    """The token's account (GET /account)."""

    id: str
    email: str
    name: str | None = None
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> Account:
        return cls(
            id=str(body.get("id", "")),
            email=str(body.get("email", "")),
            name=body.get("name"),
            raw=body,
        )


@dataclass(frozen=True)
class RateLimit:
    """GET /account/rate-limits: requests left in the account's budget (this call costs none)."""

    remaining: int
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw) -> RateLimit:
        return cls(remaining=int(body["remaining"]), raw=body)


REDACTED = "[redacted]"


def _redact_tokens(body: Raw) -> dict[str, Any]:
    """Copy of an authorization body with every token value replaced, so ``.raw`` is safe to log."""
    out = dict(body)
    for key in ("access_token", "refresh_token"):
        value = out.get(key)
        if isinstance(value, Mapping) and value.get("token"):
            out[key] = {**value, "token": REDACTED}
    return out


def token_digest(token: str) -> str:
    """SHA-256 of a token (hex): lets zdd tell which authorization a config var holds."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class OAuthAuthorization:
    """An OAuth authorization; ``access_token`` is kept only from the create response.

    The token lives only in ``access_token`` (hidden from repr); ``.raw`` has it replaced by
    ``[redacted]`` so that logging a model can never leak it. ``token_digest`` is the token's
    SHA-256 when the body shows the token (listings may), never the token itself.
    """

    id: str
    scope: tuple[str, ...]
    description: str | None = None
    created_at: str | None = None
    expires_in: int | None = None
    access_token: str | None = field(default=None, repr=False)
    token_digest: str | None = field(default=None, repr=False)
    raw: Raw = _raw()

    @classmethod
    def from_api(cls, body: Raw, *, with_token: bool = False) -> OAuthAuthorization:
        """``with_token`` only for the create response; listings never carry a usable token."""
        token = body.get("access_token")
        return cls(
            id=str(body["id"]),
            scope=tuple(body.get("scope") or ()),
            description=body.get("description"),
            created_at=body.get("created_at"),
            expires_in=token.get("expires_in") if isinstance(token, Mapping) else None,
            access_token=token.get("token") if with_token and isinstance(token, Mapping) else None,
            token_digest=(
                token_digest(token["token"])
                if isinstance(token, Mapping) and isinstance(token.get("token"), str)
                else None
            ),
            raw=_redact_tokens(body),
        )
