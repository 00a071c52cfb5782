"""Monthly prices of Heroku dyno sizes, for the cost lines in plans and check reports.

Source: Heroku Dev Center "Usage & Billing" and "Dyno Types" (Eco $5 per 1000 h, Basic $7,
Standard-1X $25, Standard-2X $50, Performance-M $250, Performance-L $500) and, for the larger and
Private/Shield sizes, the `COST_MONTHLY` table in heroku/cli `src/commands/ps/type.ts` (v11.9.0);
as collected in the team notes shared/heroku/platform-api.md §6 (beside the repo, not in it).
Prices as of 2026-08 (USD per dyno per month, billed to the second; a month here is the maximum,
i.e. the dyno running all month).

Eco is not priced per dyno: it is a flat $5/month account subscription for a pool of 1000 dyno
hours shared by all Eco dynos of the account. Moving a dyno off Eco therefore changes the bill by
the new size's price, and only drops the $5 if it was the account's last Eco dyno.
"""

from __future__ import annotations

from collections.abc import Iterable

PRICES_AS_OF = "2026-08"
SOURCE = (
    "Heroku Dev Center 'Usage & Billing' / 'Dyno Types'; heroku/cli ps:type COST_MONTHLY (v11.9.0)"
)
ECO_NOTE = (
    "Eco is a flat $5/month account fee for 1000 dyno hours shared by all Eco dynos, "
    "not a per-dyno price"
)

MONTHLY_USD: dict[str, int] = {
    "eco": 0,  # flat account fee, see ECO_NOTE
    "basic": 7,
    "standard-1x": 25,
    "standard-2x": 50,
    "performance-m": 250,
    "performance-l": 500,
    "performance-l-ram": 500,
    "performance-xl": 750,
    "performance-2xl": 1500,
    "private-s": 225,
    "private-m": 450,
    "private-l": 900,
    "private-l-ram": 500,
    "private-xl": 750,
    "private-2xl": 1500,
    "shield-s": 270,
    "shield-m": 540,
    "shield-l": 1080,
    "shield-l-ram": 600,
    "shield-xl": 900,
    "shield-2xl": 1800,
}

#: Canonical spelling of each size, for output and for API requests.
CANONICAL = {
    k: "-".join(
        p.upper() if p in ("1x", "2x", "m", "l", "xl", "2xl", "s", "ram") else p.title()
        for p in k.split("-")
    )
    for k in MONTHLY_USD
}
CANONICAL.update({"eco": "Eco", "basic": "Basic"})
PROFESSIONAL_SIZES = tuple(
    CANONICAL[k] for k in MONTHLY_USD if k.startswith(("standard-", "performance-"))
)


def is_known_size(size: str) -> bool:
    """A size Heroku sells (Common Runtime or Private Spaces), in any case."""
    return size.strip().lower() in MONTHLY_USD


def canonical_size(size: str) -> str:
    """'standard-1x' -> 'Standard-1X'; unknown names are returned unchanged."""
    return CANONICAL.get(size.strip().lower(), size)


def monthly_price(size: str) -> int | None:
    """USD per dyno per month; None when the size is unknown (e.g. Fir sizes)."""
    return MONTHLY_USD.get(size.strip().lower())


def formation_cost(formation: Iterable) -> int | None:
    """Monthly USD for a formation (items with .size, .quantity); None if a size is unknown."""
    total = 0
    for p in formation:
        price = monthly_price(p.size)
        if price is None:
            return None
        total += price * p.quantity
    return total


def uses_eco(formation: Iterable) -> bool:
    return any(p.size.strip().lower() == "eco" for p in formation)


def usd(amount: int | None, *, signed: bool = False) -> str:
    if amount is None:
        return "unknown"
    if signed:
        return f"{'+' if amount >= 0 else '-'}${abs(amount):,}/month"
    return f"${amount:,}/month"
