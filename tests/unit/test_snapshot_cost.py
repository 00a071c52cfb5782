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
    with pytest.raises(SnapshotError, match="not a valid zdd snapshot"):
        Snapshot.load(bad)


def test_prices_and_costs():
    assert monthly_price("standard-1x") == 25 and monthly_price("Performance-M") == 250
    assert monthly_price("dyno-2c-4gb") == 150  # Fir rows are priced too (Fir apps)
    assert monthly_price("dyno-3c-3gb") is None
    assert canonical_size("performance-l-ram") == "Performance-L-RAM"
    web2 = (Process("web", 2, "Standard-2X"), Process("worker", 1, "Basic"))
    assert formation_cost(web2) == 107
    assert formation_cost((Process("web", 1, "Eco"),)) == 0  # flat account fee instead
    assert "flat" in ECO_NOTE and "not a per-dyno" in ECO_NOTE
    assert usd(61, signed=True) == "+$61/month" and usd(-25, signed=True) == "-$25/month"


def test_undo_takes_the_snapshots_not_yet_undone_then_the_last_chain_again(tmp_path):
    state = AppState(app="a", formation=(Process("web", 1, "Basic"),))
    one, two = Snapshot.of(state), Snapshot.of(state, companion_url="https://x.example/bp.tgz")
    one.save(tmp_path)
    two.save(tmp_path)
    assert Snapshot.to_undo("a", tmp_path) == [one, two]
    assert Snapshot.companion_urls("a", tmp_path) == ("https://x.example/bp.tgz",)
    for s in (one, two):
        s.mark_undone("2026-01-01T00:00:00.000000Z")
    three = Snapshot.of(state)
    three.taken_at = "2099-01-01T00:00:00.000000Z"
    three.save(tmp_path)
    assert Snapshot.to_undo("a", tmp_path) == [three]  # a new chain
    three.mark_undone("2099-01-02T00:00:00.000000Z")
    assert Snapshot.to_undo("a", tmp_path) == [three]  # again: a no-op undo, not an error
    assert Snapshot.load(one.path).undone_at == "2026-01-01T00:00:00.000000Z"


def test_an_unwritable_state_dir_is_a_config_error_naming_it(tmp_path):
    from zdd.errors import ConfigError

    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ConfigError, match=f"Can't write the snapshot to {blocker}/a") as e:
        Snapshot.of(AppState(app="a")).save(blocker)
    assert "XDG_STATE_HOME" in e.value.remedy


def test_a_snapshot_that_changed_nothing_can_be_discarded(tmp_path):
    snap = Snapshot.of(AppState(app="a"))
    path = snap.save(tmp_path)
    snap.discard()
    assert not path.exists() and snap.path is None
