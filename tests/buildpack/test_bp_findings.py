"""lib/findings.jq against zdd/checks.py: the same four findings, word for word and in the same
order (web first), for every shared vector and for formations the vectors do not cover."""

from __future__ import annotations

import json
import subprocess

import pytest
from bp_harness import BUILDPACK, VECTORS

from zdd.checks import check
from zdd.cost import MONTHLY_USD
from zdd.state import AppState

FIRST_FOUR = ("tier.professional", "web.redundancy", "affinity.enabled", "preboot.enabled")


def jq_findings(tmp_path, app: str, features: list, formation: list) -> list[tuple]:
    (tmp_path / "features.json").write_text(json.dumps(features))
    (tmp_path / "formation.json").write_text(json.dumps(formation))
    out = subprocess.run(
        [
            "jq", "-n", "-r", "--arg", "app", app,
            "--slurpfile", "features", str(tmp_path / "features.json"),
            "--slurpfile", "formation", str(tmp_path / "formation.json"),
            "-f", str(BUILDPACK / "lib" / "findings.jq"),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [tuple(line.split("\t")) for line in out.splitlines()]


def python_findings(seed_app: dict) -> list[tuple]:
    found = [f for f in check(AppState.from_seed(seed_app)) if f.id in FIRST_FOUR]
    return [(f.id, f.status, f.message, f.command) for f in found]


def api_bodies(seed_app: dict, reverse: bool) -> tuple[list, list]:
    """The two GET bodies as the API shows the seeded app (formation in either order)."""
    features = [
        {"name": k, "enabled": bool(v)} for k, v in (seed_app.get("features") or {}).items()
    ]
    formation = [
        {"type": p["type"], "quantity": p.get("quantity", 1), "size": p.get("size", "Basic")}
        for p in seed_app.get("formation") or ()
    ]
    return features, formation[::-1] if reverse else formation


EXTRA = {
    "worker-before-web-on-basic": [
        {"type": "worker", "quantity": 1, "size": "Basic"},
        {"type": "web", "quantity": 1, "size": "basic"},
        {"type": "clock", "quantity": 0, "size": "Basic"},
    ],
    "private-space": [
        {"type": "web", "quantity": 2, "size": "private-m"},
        {"type": "worker", "quantity": 1, "size": "Shield-L"},
    ],
    "private-one-web": [{"type": "web", "quantity": 1, "size": "Private-S"}],
    "standard-one-web": [
        {"type": "web", "quantity": 1, "size": "standard-2x"},
        {"type": "worker", "quantity": 3, "size": "Performance-L-RAM"},
    ],
    "eco-and-unknown": [
        {"type": "web", "quantity": 1, "size": "Eco"},
        {"type": "worker", "quantity": 1, "size": "Fir-1X"},
    ],
    "unknown-size-only": [{"type": "web", "quantity": 2, "size": "Fir-1X"}],
    "web-zero-on-basic": [
        {"type": "web", "quantity": 0, "size": "Basic"},
        {"type": "worker", "quantity": 1, "size": "Basic"},
    ],
}


def cases():
    for path in VECTORS:
        yield path.stem, json.loads(path.read_text())["seed"]["apps"][0]
    for name, formation in EXTRA.items():
        yield name, {"name": "extra-app", "formation": formation, "features": {"preboot": False}}


@pytest.mark.parametrize("reverse", [False, True], ids=["api-order", "reversed"])
@pytest.mark.parametrize(("name", "seed_app"), list(cases()), ids=[n for n, _ in cases()])
def test_findings_jq_says_what_zdd_check_says(tmp_path, name, seed_app, reverse):
    features, formation = api_bodies(seed_app, reverse)
    assert jq_findings(tmp_path, seed_app["name"], features, formation) == python_findings(seed_app)


def test_the_web_basic_fix_commands_list_web_first(tmp_path):
    formation = EXTRA["worker-before-web-on-basic"]
    got = {f[0]: f for f in jq_findings(tmp_path, "my-app", [], formation)}
    assert got["tier.professional"][3] == (
        "heroku ps:type web=Standard-1X clock=Standard-1X worker=Standard-1X --app my-app"
    )
    assert got["web.redundancy"][3] == (
        "heroku ps:scale web=2:Standard-1X clock=0:Standard-1X worker=1:Standard-1X --app my-app"
    )
    assert got["tier.professional"][2].startswith("not on a professional size: web (Basic), worker")


def test_the_size_list_is_zdd_costs():
    text = (BUILDPACK / "lib" / "findings.jq").read_text()
    listed = text.split("def known_sizes: [", 1)[1].split("];", 1)[0]
    assert json.loads(f"[{listed}]") == list(MONTHLY_USD)
