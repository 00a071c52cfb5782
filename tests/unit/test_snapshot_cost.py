"""Snapshots on disk (state dir, latest, no secrets) and the cost table."""

import json

import pytest

from zdd.cost import ECO_NOTE, canonical_size, formation_cost, monthly_price, usd
from zdd.snapshot import Snapshot, SnapshotError, state_dir
from zdd.state import AppState, Process


def test_state_dir_follows_xdg_then_home(tmp_path):
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "zdd"
    assert state_dir({"HOME": str(tmp_path)}) == tmp_path / ".local" / "state" / "zdd"


def test_snapshot_round_trip_keeps_names_not_values(tmp_path):
    state = AppState(
        app="a",
        buildpacks=("heroku/java",),
        features={"preboot": True},
        formation=(Process("web", 1, "Basic"),),
        config_vars=frozenset({"ZDD_API_TOKEN", "DATABASE_URL"}),
    )
    first = Snapshot.of(state)
    first.save(tmp_path)
    second = Snapshot.of(state.replace(features={"preboot": False}))
    second.save(tmp_path)
    latest = Snapshot.latest("a", tmp_path)
    assert latest == second and latest.features["preboot"] is False
    doc = json.loads(first.path.read_text())
    assert doc["config_vars_present"] == ["ZDD_API_TOKEN"]  # only ours, only the name
    assert "DATABASE_URL" not in first.path.read_text()


def test_missing_or_broken_snapshot_errors_say_what_to_do(tmp_path):
    with pytest.raises(SnapshotError, match="No snapshot for b") as e:
        Snapshot.latest("b", tmp_path)
    assert "--snapshot" in e.value.remedy
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(SnapshotError, match="not a readable zdd snapshot"):
        Snapshot.load(bad)


def test_prices_and_costs():
    assert monthly_price("standard-1x") == 25 and monthly_price("Performance-M") == 250
    assert monthly_price("dyno-2c-4gb") is None
    assert canonical_size("performance-l-ram") == "Performance-L-RAM"
    web2 = (Process("web", 2, "Standard-2X"), Process("worker", 1, "Basic"))
    assert formation_cost(web2) == 107
    assert formation_cost((Process("web", 1, "Eco"),)) == 0  # flat account fee instead
    assert "flat" in ECO_NOTE and "not a per-dyno" in ECO_NOTE
    assert usd(61, signed=True) == "+$61/month" and usd(-25, signed=True) == "-$25/month"
