"""One table of dyno sizes (issue 9): zdd/data/dyno_sizes.json is the source for the planner and
cost output (zdd.cost), the sandbox catalogue and the buildpack's check. Fails when one drifts."""

import json
import os
import re
from pathlib import Path

from zdd import cost, state
from zdd.sandbox import catalog

REPO = Path(__file__).resolve().parents[2]
TABLE = json.loads((REPO / "zdd" / "data" / "dyno_sizes.json").read_text())
ROWS = {r["name"]: r for r in TABLE["sizes"]}
SOLD = {n: r for n, r in ROWS.items() if r["billing"] != "retired"}
CEDAR = {n: r for n, r in SOLD.items() if r["generation"] == "cedar"}


def test_every_row_is_complete_and_sourced():
    assert re.fullmatch(r"\d{4}-\d{2}", TABLE["as_of"])
    for r in TABLE["sizes"]:
        assert r["tier"] in {"eco", "basic", "standard", "performance", "private", "shield"} | {
            "fir",
            "free",
            "hobby",
        }, r
        assert r["generation"] in ("cedar", "fir") and r["memory_mb"] > 0
        if r["billing"] == "retired":
            assert r["monthly_usd"] is None and r["price_source"] is None
        else:
            assert r["monthly_usd"] > 0 and r["price_source"].startswith("https://"), r
    for url in TABLE["sources"].values():
        assert url.startswith("https://")


def test_cost_reads_the_table():
    assert set(cost.MONTHLY_USD) == {n.lower() for n in SOLD}  # Fir sizes too, for Fir apps
    assert {s.name for s in cost.SIZES if s.sellable} == set(CEDAR)
    assert set(cost.FIR_SIZE_NAMES) == {n for n, r in SOLD.items() if r["generation"] == "fir"}
    for name, r in SOLD.items():
        assert cost.is_fir_size(name) == (r["generation"] == "fir"), name
        per_dyno = 0 if r["billing"] == "account_pool" else r["monthly_usd"]
        assert cost.monthly_price(name) == per_dyno
        assert cost.canonical_size(name.upper()) == name
        assert cost.max_per_type(name) == r["max_per_type"]
    assert cost.MAX_DYNOS_PER_APP == TABLE["limits"]["max_dynos_per_app"]
    assert set(cost.PROFESSIONAL_SIZES) == {
        n for n, r in CEDAR.items() if r["tier"] in ("standard", "performance")
    }


def test_state_rules_follow_the_tiers():
    for name, r in ROWS.items():
        if r["generation"] != "cedar":
            continue
        assert state.is_hobby(name) == (r["tier"] in ("eco", "basic", "free", "hobby")), name
        assert state.is_private(name) == (r["tier"] in ("private", "shield")), name
        assert state.is_professional(name) == (r["tier"] in ("standard", "performance")), name


def test_the_sandbox_catalogue_serves_every_sold_size_as_the_table_says():
    served = {s.name: s for s in catalog.ALL_SIZES}
    assert set(served) == set(SOLD)
    for name, r in SOLD.items():
        s = served[name]
        assert (s.cents, s.tier, s.generation) == (
            r["monthly_usd"] * 100,
            r["tier"],
            r["generation"],
        )
        assert s.memory * 1024 == r["memory_mb"] and s.compute == r["compute"]
        assert s.private_space_only == r["private_space_only"]
        assert s.per_type_limit == r["max_per_type"], name


def test_the_buildpack_reads_the_same_file():
    link = REPO / "buildpack" / "lib" / "dyno_sizes.json"
    assert link.is_symlink() and os.readlink(link) == "../../zdd/data/dyno_sizes.json"
    assert link.resolve() == (REPO / "zdd" / "data" / "dyno_sizes.json").resolve()
    jq = (REPO / "buildpack" / "lib" / "findings.jq").read_text()
    assert "$sizes[0].sizes" in jq  # the rules read the table...
    sizes = {n for n, r in SOLD.items() if n.lower() != r["tier"]}  # "eco"/"basic" are tiers too
    named = {n for n in sizes if f'"{n.lower()}"' in jq.lower()}
    assert named <= {"Standard-1X"}, named  # ...and keep no list of their own (only the suggestion)
