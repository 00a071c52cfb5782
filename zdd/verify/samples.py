"""One probe request as data (`Sample`), and the pure rules that turn a response into one.

Kept apart from the request loop so the rules (what counts as a failure, where a release marker or
a router error hides) are tested on plain values, without sockets.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

AFFINITY_COOKIE = "heroku-session-affinity"

# Heroku's router serves these pages (503) for system-level errors; the H-code itself goes to the
# router log line (`at=error code=H10 ... request_id=...`), so we keep the Request-Id to look it up.
_ROUTER_PAGE = re.compile(r"herokucdn\.com/error-pages/([a-z-]+)\.html")
_ROUTER_CODE = re.compile(r"\b(H\d{2})\b")
_BODY_SCAN_LIMIT = 8192

# Failure kinds, in the order the human summary lists them.
FAILURE_KINDS = ("connect", "timeout", "closed", "http_5xx")


@dataclass(frozen=True)
class Sample:
    """What happened to one request, in send order (`seq`), times in seconds from probe start."""

    seq: int
    sent_s: float
    latency_s: float | None = None
    status: int | None = None
    error: str | None = None  # one of FAILURE_KINDS except http_5xx, when no response came back
    detail: str | None = None
    marker: str | None = None
    affinity_sent: str | None = None
    affinity_set: str | None = None
    request_id: str | None = None
    via: str | None = None
    router_page: str | None = None
    router_code: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None or (self.status is not None and self.status >= 500)

    @property
    def kind(self) -> str | None:
        """The failure kind, or None for a request that did not fail."""
        if self.error is not None:
            return self.error
        if self.failed:
            return "http_5xx"
        return None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Marker:
    """Where the app tells which release answered: a response header, or a (dotted) JSON field."""

    header: str | None = None
    json_path: str | None = None

    def __post_init__(self) -> None:
        if bool(self.header) == bool(self.json_path):
            raise ValueError("a Marker needs exactly one of header or json_path")

    @property
    def label(self) -> str:
        return f"header {self.header}" if self.header else f"JSON field {self.json_path}"

    def extract(self, headers: dict[str, str], body: bytes) -> str | None:
        """The marker value in one response, or None when the response does not carry it."""
        if self.header:
            value = headers.get(self.header.lower())
            return value.strip() if value is not None else None
        try:
            node = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        for part in self.json_path.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        if isinstance(node, dict | list) or node is None:
            return None
        return str(node)


def router_error(status: int, body: bytes) -> tuple[str | None, str | None]:
    """(router page, H-code) when a 5xx looks like Heroku's router answered instead of the app."""
    if status < 500:
        return None, None
    text = body[:_BODY_SCAN_LIMIT].decode("utf-8", "replace")
    page = _ROUTER_PAGE.search(text)
    code = _ROUTER_CODE.search(text)
    return (page.group(1) if page else None), (code.group(1) if code else None)


def from_response(
    seq: int,
    sent_s: float,
    latency_s: float,
    status: int,
    headers: dict[str, str],
    body: bytes,
    *,
    marker: Marker | None,
    affinity_sent: str | None,
    affinity_set: str | None,
) -> Sample:
    """Build the Sample for a request that got an HTTP response (headers keyed lower-case)."""
    page, code = router_error(status, body)
    value = marker.extract(headers, body) if marker and status < 500 else None
    return Sample(
        seq=seq,
        sent_s=sent_s,
        latency_s=latency_s,
        status=status,
        marker=value,
        affinity_sent=affinity_sent,
        affinity_set=affinity_set,
        request_id=headers.get("x-request-id"),
        via=headers.get("via"),
        router_page=page,
        router_code=code,
    )
