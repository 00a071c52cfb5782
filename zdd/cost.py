"""Monthly prices and limits of Heroku dyno sizes, for the cost lines and quantity checks in plans.

The facts live in one table, zdd/data/dyno_sizes.json (tier, generation, monthly price, memory,
per-type limit, each price's source URL and the date), which the sandbox catalogue and the
buildpack's check read too (buildpack/lib/dyno_sizes.json is a symlink to it). Prices: Heroku Dev
Center https://devcenter.heroku.com/articles/usage-and-billing and, for the larger and
Private/Shield sizes, the `COST_MONTHLY` table of heroku/cli `src/commands/ps/type.ts` (v11.9.0).
USD per dyno per month, billed to the second; a month here is the maximum, i.e. the dyno running
all month. Limits: https://devcenter.heroku.com/articles/dyno-scaling-and-process-limits.

Eco is not priced per dyno: it is a flat $5/month account subscription for a pool of 1000 dyno
hours shared by all Eco dynos of the account. Moving a dyno off Eco therefore changes the bill by
the new size's price, and only drops the $5 if it was the account's last Eco dyno.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any


def load_table() -> dict[str, Any]:
    """zdd/data/dyno_sizes.json, parsed (the one table of dyno sizes)."""
    text = resources.files("zdd").joinpath("data", "dyno_sizes.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


@dataclass(frozen=True)
class SizeInfo:
    """One row of the table."""

    name: str
    tier: str
    generation: str
    monthly_usd: int | None
    billing: str  # per_dyno | account_pool (Eco) | retired (Free, Hobby)
    memory_mb: int
    max_per_type: int | None

    @property
    def sellable(self) -> bool:
        return self.billing != "retired"


TABLE = load_table()


def _rows(generation: str) -> tuple[SizeInfo, ...]:
    return tuple(
        SizeInfo(
            r["name"],
            r["tier"],
            r["generation"],
            r["monthly_usd"],
            r["billing"],
            r["memory_mb"],
            r["max_per_type"],
        )
        for r in TABLE["sizes"]
        if r["generation"] == generation
    )


#: The Cedar rows (Common Runtime and Private Spaces): the tiers, the buildpack's check and the
#: professional sizes come from these.
SIZES: tuple[SizeInfo, ...] = _rows("cedar")
#: The Fir rows (lower-case names such as dyno-1c-0.5gb): priced and known too, for Fir apps.
FIR_SIZES: tuple[SizeInfo, ...] = _rows("fir")
BY_KEY = {s.name.lower(): s for s in (*SIZES, *FIR_SIZES)}
MAX_DYNOS_PER_APP: int = TABLE["limits"]["max_dynos_per_app"]

PRICES_AS_OF = TABLE["as_of"]
SOURCE = (
    "Heroku Dev Center 'Usage & Billing' / 'Dyno Types'; heroku/cli ps:type COST_MONTHLY (v11.9.0)"
)
ECO_NOTE = (
    "Eco is a flat $5/month account fee for 1000 dyno hours shared by all Eco dynos, "
    "not a per-dyno price"
)

#: USD per dyno per month of every size Heroku sells (Eco: 0 per dyno, see ECO_NOTE).
MONTHLY_USD: dict[str, int] = {
    s.name.lower(): 0 if s.billing == "account_pool" else int(s.monthly_usd or 0)
    for s in (*SIZES, *FIR_SIZES)
    if s.sellable
}

#: Canonical spelling of each size, for output and for API requests.
CANONICAL = {k: s.name for k, s in BY_KEY.items() if s.sellable}
PROFESSIONAL_SIZES = tuple(s.name for s in SIZES if s.tier in ("standard", "performance"))
FIR_SIZE_NAMES = tuple(s.name for s in FIR_SIZES if s.sellable)


def size_info(size: str) -> SizeInfo | None:
    """The table's row for `size` (any case), retired sizes included; None when unknown."""
    return BY_KEY.get(size.strip().lower())


def max_per_type(size: str) -> int | None:
    """How many dynos one process type may run on `size` (None: only the per-app limit)."""
    info = size_info(size)
    return info.max_per_type if info else None


def is_known_size(size: str) -> bool:
    """A size Heroku sells (Cedar: Common Runtime or Private Spaces; or Fir), in any case."""
    return size.strip().lower() in MONTHLY_USD


def is_fir_size(size: str) -> bool:
    """A Fir-generation size (dyno-1c-0.5gb ...): only Fir apps run them, and only them."""
    info = size_info(size)
    return info is not None and info.generation == "fir"


def canonical_size(size: str) -> str:
    """'standard-1x' -> 'Standard-1X'; unknown names are returned unchanged."""
    return CANONICAL.get(size.strip().lower(), size)


def monthly_price(size: str) -> int | None:
    """USD per dyno per month; None when the size is unknown."""
    return MONTHLY_USD.get(size.strip().lower())


def formation_cost(formation: Iterable[Any]) -> int | None:
    """Monthly USD for a formation (items with .size, .quantity); None if a size is unknown."""
    total = 0
    for p in formation:
        price = monthly_price(p.size)
        if price is None:
            return None
        total += price * p.quantity
    return total


def uses_eco(formation: Iterable[Any]) -> bool:
    return any(p.size.strip().lower() == "eco" for p in formation)


def usd(amount: int | None, *, signed: bool = False) -> str:
    if amount is None:
        return "unknown"
    if signed:
        return f"{'+' if amount >= 0 else '-'}${abs(amount):,}/month"
    return f"${amount:,}/month"
