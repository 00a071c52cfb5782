"""Snapshots are input (issue 8 item 13): every broken file is a clear error naming it, never a
traceback or a wrong restore, and one broken file never makes setup forget a companion URL."""

import json

import pytest

from zdd.changes import ConfigUpdate
from zdd.plan import PlanOptions, plan, simulate
from zdd.restore import undo_plan
from zdd.snapshot import Snapshot, SnapshotError
from zdd.state import AppState, Process

STATE = AppState(
    app="a",
    buildpacks=("heroku/java",),
    formation=(Process("web", 1, "Standard-1X"),),
    config_vars=frozenset(),
)
CUSTOM = "https://internal.example.com/bp/zdd-warmup.tgz"


def saved(tmp_path, **changes):
    snap = Snapshot.of(STATE, companion_url=CUSTOM)
    for k, v in changes.items():
        setattr(snap, k, v)
    snap.save(tmp_path)
    return snap


def edited(path, **fields):
    doc = json.loads(path.read_text())
    doc.update(fields)
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "fields, why",
    [
        ({"features": None}, "features: None is not of type 'object'"),
        ({"formation": ["web", "worker"]}, "formation/0: 'web' is not of type 'object'"),
        ({"formation": [{"type": "web", "quantity": "2", "size": "Basic"}]}, "quantity"),
        ({"buildpacks": "heroku/java"}, "buildpacks"),
        ({"format": 2}, "format"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_snapshot_of_the_wrong_shape_is_a_clear_error_naming_the_file(tmp_path, fields, why):
    snap = saved(tmp_path)
    edited(snap.path, **fields)
    with pytest.raises(SnapshotError) as e:
        Snapshot.load(snap.path)
    assert str(snap.path) in e.value.message and why in e.value.message
    assert "--snapshot" in e.value.remedy


def test_a_truncated_snapshot_is_a_clear_error(tmp_path):
    snap = saved(tmp_path)
    snap.path.write_text(snap.path.read_text()[:40])
    with pytest.raises(SnapshotError, match="not JSON") as e:
        Snapshot.load(snap.path)
    assert str(snap.path) in e.value.message


def test_a_broken_file_beside_a_good_one_stops_undo_naming_the_broken_file(tmp_path):
    good = saved(tmp_path)
    bad = saved(tmp_path, taken_at="2099-01-01T00:00:00.000000Z")
    bad.path.write_text("{")
    with pytest.raises(SnapshotError) as e:
        Snapshot.to_undo("a", tmp_path)
    assert str(bad.path) in e.value.message and str(good.path) not in e.value.message


def test_an_unreadable_snapshot_does_not_make_setup_forget_the_companion_url(tmp_path):
    good = saved(tmp_path)
    other = saved(tmp_path, taken_at="2099-01-01T00:00:00.000000Z", companion_url=CUSTOM + "2")
    text = other.path.read_text()
    other.path.write_text(text[: text.index('"undone_at"')])  # truncated after companion_url
    broken = tmp_path / "a" / "zz.json"
    broken.write_text("not json at all")
    assert good.companion_url == CUSTOM
    assert Snapshot.companion_urls("a", tmp_path) == (CUSTOM, CUSTOM + "2")
    state = STATE.replace(buildpacks=(CUSTOM, "heroku/java"))
    opts = PlanOptions(known_companions=Snapshot.companion_urls("a", tmp_path))
    assert plan(state, opts).step("buildpack").status == "unchanged"  # not added a second time


def test_undo_puts_a_prior_opt_out_back_and_removes_a_new_one(tmp_path):
    before = STATE.replace(
        config_vars=frozenset({"ZDD_OPT_OUT"}), opt_outs=frozenset({"preboot.enabled"})
    )
    snap = Snapshot.of(before)
    assert snap.opt_out == "preboot.enabled"
    snap.save(tmp_path)
    assert Snapshot.load(snap.path).opt_out == "preboot.enabled"
    now = simulate(before, plan(before, PlanOptions(affinity=False, release_check=False)))
    assert now.opt_outs == {"preboot.enabled", "affinity.enabled", "release_check.credentials"}
    step = undo_plan(now, snap).step("release_check")
    assert step.change == ConfigUpdate(set={"ZDD_OPT_OUT": "preboot.enabled"})
    assert simulate(now, undo_plan(now, snap)).opt_outs == {"preboot.enabled"}
    fresh = Snapshot.of(STATE)
    now = simulate(STATE, plan(STATE, PlanOptions(affinity=False)))
    assert undo_plan(now, fresh).step("release_check").payload["unset"] == [
        "ZDD_API_TOKEN",
        "ZDD_APP",
        "ZDD_OPT_OUT",
    ]
