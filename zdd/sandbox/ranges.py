"""Heroku list pagination (`Range` / `Content-Range` / `Next-Range`), as pure functions.

Syntax (platform-api.md §4): `Range: <field> [<start>]..[<end>][; max=<n>[, order=asc|desc]]`;
a start prefixed with `]` is exclusive. Default page 200, maximum 1000. Start and end are read in
the requested order, so `Next-Range` from a descending page continues downwards.

Ties: lists are sorted by the field, then by a unique tie-break field (`id`), so a page cut between
two items with the same value (apps updated in the same second) resumes exactly: `Next-Range` then
carries the last item's id as well, `]<value>~<id>..`. Heroku's own cursor for that case is not
documented (clients treat Next-Range as opaque, platform-api.md §4); the `~` form is ours.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DEFAULT_MAX = 200
MAX_MAX = 1000
TIE_SEP = "~"  # between value and tie-break id in a start bound; in no name, id, version or time


class RangeError(ValueError):
    """A Range header the server cannot satisfy (answered 416)."""


@dataclass(frozen=True)
class RangeSpec:
    field: str
    start: str | None = None
    start_exclusive: bool = False
    start_tie: str | None = None  # the tie-break id after which to resume (exclusive starts)
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
    tie = None
    if start and start.startswith("]"):
        exclusive, start = True, start[1:] or None
        if start and TIE_SEP in start:
            start, _, tie = start.partition(TIE_SEP)
            if not start or not tie:
                raise RangeError(f"Invalid Range start in {header!r}.")
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
    return RangeSpec(
        field, start, exclusive, tie, end=m.group("end") or None, max=size, order=order
    )


def paginate(
    items: Sequence[dict],
    spec: RangeSpec,
    key: Callable[[dict, str], object],
    tiebreak: str | None = None,
) -> Page:
    """Sort, bound and cut one page; `key(item, field)` gives the comparable sort value, and
    `tiebreak` names a unique field that orders items whose sort values are equal."""
    desc = spec.order == "desc"
    tie = tiebreak if tiebreak and tiebreak != spec.field else None

    def full(it) -> tuple:
        return (key(it, spec.field), key(it, tie) if tie else "")

    ordered = sorted(items, key=full, reverse=desc)
    sample = key(ordered[0], spec.field) if ordered else ""

    def conv(raw: str):
        if isinstance(sample, int):
            try:
                return int(raw)
            except ValueError as exc:
                raise RangeError(f"Invalid Range bound {raw!r}: {spec.field} is a number.") from exc
        return raw

    def after_start(it) -> bool:
        if spec.start is None:
            return True
        v, s = key(it, spec.field), conv(spec.start)
        if spec.start_exclusive and spec.start_tie is not None and tie:
            here, cursor = full(it), (s, spec.start_tie)
            return here < cursor if desc else here > cursor
        if spec.start_exclusive:
            return v < s if desc else v > s
        return v <= s if desc else v >= s

    def before_end(v) -> bool:
        if spec.end is None:
            return True
        e = conv(spec.end)
        return v >= e if desc else v <= e

    window = [it for it in ordered if after_start(it)]
    window = [it for it in window if before_end(key(it, spec.field))]
    page = window[: spec.max]
    if not page:
        return Page([], None, None)
    first, last = key(page[0], spec.field), key(page[-1], spec.field)
    content = f"{spec.field} {first}..{last}"
    nxt = None
    if len(window) > len(page):
        end = spec.end or ""
        cursor = str(last)
        if tie and key(window[len(page)], spec.field) == last:  # the cut splits a tie
            cursor += TIE_SEP + str(key(page[-1], tie))
        nxt = f"{spec.field} ]{cursor}..{end}; max={spec.max}, order={spec.order}"
    return Page(page, content, nxt)
