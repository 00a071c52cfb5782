"""Heroku list pagination (`Range` / `Content-Range` / `Next-Range`), as pure functions.

Syntax (platform-api.md §4): `Range: <field> [<start>]..[<end>][; max=<n>[, order=asc|desc]]`;
a start prefixed with `]` is exclusive. Default page 200, maximum 1000. Start and end are read in
the requested order, so `Next-Range` from a descending page continues downwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEFAULT_MAX = 200
MAX_MAX = 1000


class RangeError(ValueError):
    """A Range header the server cannot satisfy (answered 416)."""


@dataclass(frozen=True)
class RangeSpec:
    field: str
    start: str | None = None
    start_exclusive: bool = False
    end: str | None = None
    max: int = DEFAULT_MAX
    order: str = "asc"


@dataclass(frozen=True)
class Page:
    items: list
    content_range: str | None
    next_range: str | None

    @property
    def status(self) -> int:
        return 206 if self.next_range else 200


_HEAD = re.compile(r"^\s*(?P<field>[a-z_]+)\s*(?:(?P<start>[^.\s;]*?)\.\.(?P<end>[^;\s]*))?\s*$")


def parse_range(header: str | None, fields: Sequence[str]) -> RangeSpec:
    """Parse a Range header against the list's sortable `fields` (the first is the default)."""
    if header is None or not header.strip():
        return RangeSpec(field=fields[0])
    head, _, opts = header.partition(";")
    m = _HEAD.match(head)
    if not m:
        raise RangeError(f"Invalid Range header {header!r}: expected '<field> <start>..<end>'.")
    field = m.group("field")
    if field not in fields:
        raise RangeError(
            f"Invalid Range header {header!r}: cannot sort by {field!r} (use {', '.join(fields)})."
        )
    start = m.group("start") or None
    exclusive = False
    if start and start.startswith("]"):
        exclusive, start = True, start[1:] or None
    size, order = DEFAULT_MAX, "asc"
    for opt in re.split(r"[,;]", opts):
        if not opt.strip():
            continue
        key, eq, value = (p.strip() for p in opt.partition("="))
        if not eq:
            raise RangeError(f"Invalid Range option {opt.strip()!r} in {header!r}.")
        if key == "max":
            if not value.isdigit() or int(value) < 1:
                raise RangeError(f"Invalid Range max {value!r}: must be a positive integer.")
            size = min(int(value), MAX_MAX)
        elif key == "order":
            if value not in ("asc", "desc"):
                raise RangeError(f"Invalid Range order {value!r}: use asc or desc.")
            order = value
        else:
            raise RangeError(f"Invalid Range option {key!r} in {header!r}.")
    return RangeSpec(field, start, exclusive, m.group("end") or None, size, order)


def paginate(items: Sequence[dict], spec: RangeSpec, key: Callable[[dict, str], object]) -> Page:
    """Sort, bound and cut one page; `key(item, field)` gives the comparable sort value."""
    desc = spec.order == "desc"
    ordered = sorted(items, key=lambda it: key(it, spec.field), reverse=desc)
    sample = key(ordered[0], spec.field) if ordered else ""

    def conv(raw: str):
        if isinstance(sample, int):
            try:
                return int(raw)
            except ValueError as exc:
                raise RangeError(f"Invalid Range bound {raw!r}: {spec.field} is a number.") from exc
        return raw

    def after_start(v) -> bool:
        if spec.start is None:
            return True
        s = conv(spec.start)
        if spec.start_exclusive:
            return v < s if desc else v > s
        return v <= s if desc else v >= s

    def before_end(v) -> bool:
        if spec.end is None:
            return True
        e = conv(spec.end)
        return v >= e if desc else v <= e

    window = [it for it in ordered if after_start(key(it, spec.field))]
    window = [it for it in window if before_end(key(it, spec.field))]
    page = window[: spec.max]
    if not page:
        return Page([], None, None)
    first, last = key(page[0], spec.field), key(page[-1], spec.field)
    content = f"{spec.field} {first}..{last}"
    nxt = None
    if len(window) > len(page):
        end = spec.end or ""
        nxt = f"{spec.field} ]{last}..{end}; max={spec.max}, order={spec.order}"
    return Page(page, content, nxt)
