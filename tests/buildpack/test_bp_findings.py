"""lib/findings.jq against zdd/checks.py: the same five findings, word for word and in the same
order (web first), fed the same API bodies.

Both sides read the bodies exactly as the sandbox serves them over loopback (Python through
zdd.reader and the real client; bash through findings.jq on the raw GET bodies), for every shared
vector. Spellings the sandbox normalises away (odd cases, unknown sizes, a body with only the
schema's `dyno_size` or only the legacy `size`) are fed as raw bodies to findings.jq and to
zdd/heroku/models.py, which is how the Python client reads a body.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from bp_harness import BASH_IDS, BUILDPACK, VECTORS, sandbox_http, server_seed

from zdd.checks import check
from zdd.cost import CANONICAL, MONTHLY_USD, is_fir_size
from zdd.heroku.client import HerokuClient
from zdd.heroku.models import BuildpackInstallation, Formation
from zdd.reader import read_state
from zdd.state import (
    COMPANION_BUILDPACK_URL,
    AppState,
    Process,
    is_companion,
    is_hobby,
    is_jvm_buildpack,
    is_private,
    parse_opt_outs,
)

SIZES = BUILDPACK / "lib" / "dyno_sizes.json"


def jq_findings(
    tmp_path: Path,
    app: str,
    features: list,
    formation: list,
    buildpacks: list,
    opt_out: str = "",
    jvm_preset: str = "",
) -> list[tuple]:
    for name, body in (("features", features), ("formation", formation), ("bp", buildpacks)):
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    out = subprocess.run(
        [
            "jq", "-n", "-r", "--arg", "app", app, "--arg", "opt_out", opt_out,
            "--arg", "jvm_preset", jvm_preset,
            "--arg", "companion_url", COMPANION_BUILDPACK_URL,
            "--slurpfile", "features", str(tmp_path / "features.json"),
            "--slurpfile", "formation", str(tmp_path / "formation.json"),
            "--slurpfile", "buildpacks", str(tmp_path / "bp.json"),
            "--slurpfile", "sizes", str(SIZES),
            "-f", str(BUILDPACK / "lib" / "findings.jq"),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [tuple(line.split("\t")) for line in out.splitlines()]


def python_findings(state: AppState) -> list[tuple]:
    found = [f for f in check(state, companion_url=COMPANION_BUILDPACK_URL) if f.id in BASH_IDS]
    return [(f.id, f.status, f.message, f.command) for f in found]


# --- bodies as the sandbox serves them -----------------------------------------------------------

SANDBOX_EXTRA = {
    "worker-before-web-on-basic": {
        "formation": [
            {"type": "worker", "quantity": 1, "size": "Basic"},
            {"type": "web", "quantity": 1, "size": "basic"},
            {"type": "clock", "quantity": 0, "size": "Basic"},
        ],
        "buildpacks": ["heroku/gradle", "https://example.com/bp/zdd-buildpack-0.2.tgz"],
    },
    "private-space": {
        "formation": [
            {"type": "web", "quantity": 2, "size": "private-m"},
            {"type": "worker", "quantity": 1, "size": "Private-L"},
        ],
        "buildpacks": ["zdd-dev/zdd", "heroku/jvm", "heroku/scala"],
    },
    "private-one-web": {"formation": [{"type": "web", "quantity": 1, "size": "Private-S"}]},
    "standard-one-web-opted-out": {
        "formation": [
            {"type": "web", "quantity": 1, "size": "standard-2x"},
            {"type": "worker", "quantity": 3, "size": "Performance-L-RAM"},
        ],
        "config_vars": {"ZDD_OPT_OUT": " Preboot.Enabled ,,web.redundancy"},
    },
    "web-zero-on-basic": {
        "formation": [
            {"type": "web", "quantity": 0, "size": "Basic"},
            {"type": "worker", "quantity": 1, "size": "Basic"},
        ],
        "buildpacks": ["heroku/java", "https://github.com/zdd-dev/zdd/releases/download/v9/x.tgz"],
    },
}


def sandbox_cases():
    for path in VECTORS:
        yield path.stem, json.loads(path.read_text())["seed"]["apps"][0]
    for name, extra in SANDBOX_EXTRA.items():
        app = {"name": f"x-{name}"[:30].rstrip("-"), "features": {"preboot": False}, **extra}
        yield name, app


def served(sandbox, app: str, path: str):
    headers = {
        "Authorization": f"Bearer {sandbox.platform.global_token}",
        "Accept": "application/vnd.heroku+json; version=3",
    }
    response = sandbox_http().get(f"{sandbox.url}/apps/{app}/{path}", headers=headers)
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize(
    ("name", "seed_app"), list(sandbox_cases()), ids=[n for n, _ in sandbox_cases()]
)
def test_findings_jq_says_what_zdd_check_says_on_sandbox_bodies(
    tmp_path, bp_sandbox, name, seed_app
):
    server_seed(bp_sandbox, {"apps": [seed_app]})
    app = seed_app["name"]
    token = bp_sandbox.platform.global_token
    with HerokuClient(bp_sandbox.url, token, http=sandbox_http()) as client:
        expected = python_findings(read_state(client, app))
    features, formation, buildpacks = (
        served(bp_sandbox, app, p) for p in ("features", "formation", "buildpack-installations")
    )
    config = served(bp_sandbox, app, "config-vars")
    opt_out, preset = config.get("ZDD_OPT_OUT", ""), config.get("ZDD_JVM_PRESET", "")
    got = jq_findings(tmp_path, app, features, formation, buildpacks, opt_out, preset)
    assert got == expected
    assert [f[0] for f in got] == list(BASH_IDS)
    # the order of items in a list body is the API's, not a promise
    reversed_ = jq_findings(
        tmp_path, app, features[::-1], formation[::-1], buildpacks[::-1], opt_out, preset
    )
    assert reversed_ == expected


# --- raw bodies the sandbox would normalise ------------------------------------------------------


def formation_item(type_: str, quantity: int, size: str | None = None, dyno_size=None) -> dict:
    item: dict = {"type": type_, "quantity": quantity}
    if size is not None:
        item["size"] = size
    if dyno_size is not None:
        item["dyno_size"] = {"id": "00000000-0000-0000-0000-000000000000", "name": dyno_size}
    return item


def bp_item(url: str, ordinal: int) -> dict:
    return {"buildpack": {"url": url, "name": url}, "ordinal": ordinal}


RAW = {
    # the 2026 schema: dyno_size only (size is deprecated); zdd reads dyno_size.name first
    "schema-dyno-size-only": [formation_item("web", 2, dyno_size="Standard-2X")],
    "dyno-size-wins-over-legacy-size": [
        formation_item("web", 2, size="Basic", dyno_size="Performance-M"),
        formation_item("worker", 1, size="Standard-1X", dyno_size="Eco"),
    ],
    "legacy-size-only": [formation_item("web", 1, size="basic")],
    "empty-dyno-size-name-falls-back": [formation_item("web", 2, size="Eco", dyno_size="")],
    "eco-and-unknown": [
        formation_item("web", 1, size="Eco"),
        formation_item("worker", 1, size="Fir-1X"),
    ],
    "unknown-size-only": [formation_item("web", 2, size="Fir-1X")],
    "shield-odd-case": [formation_item("web", 2, size="sHIELD-l-ram")],
    "retired-hobby": [formation_item("web", 1, size="Hobby")],
    "null-dyno-size": [{"type": "web", "quantity": 2, "size": "Standard-1X", "dyno_size": None}],
}

RAW_BUILDPACKS = {
    "jvm-by-github-url-then-companion": [
        bp_item("https://github.com/heroku/heroku-buildpack-java.git#v1", 0),
        bp_item("https://example.com/zdd-buildpack.tgz", 1),
    ],
    "companion-first-by-ordinal": [
        bp_item("https://codon-buildpacks.s3.amazonaws.com/buildpacks/heroku/clojure.tgz", 1),
        bp_item("urn:buildpack:zdd-dev/zdd", 0),
    ],
    "companion-between-two-jvm": [
        bp_item("heroku/jvm", 0),
        bp_item("HTTPS://GitHub.com/zdd-dev/zdd/releases/download/v0.0.1/zdd-buildpack.tgz/", 1),
        bp_item("heroku/Gradle", 2),
    ],
    "not-jvm": [bp_item("heroku/nodejs", 0), bp_item("zdd/zdd", 1)],
}


def python_state(app: str, features: list, formation: list, buildpacks: list, opt_out: str):
    """The AppState zdd.reader builds from these bodies (the client's models, sorted by ordinal)."""
    installs = sorted(
        (BuildpackInstallation.from_api(b) for b in buildpacks), key=lambda b: b.ordinal
    )
    forms = [Formation.from_api(f) for f in formation]
    return AppState(
        app=app,
        buildpacks=tuple(b.url for b in installs),
        features={f["name"]: f["enabled"] for f in features},
        formation=tuple(Process(f.type, f.quantity, f.size) for f in forms),
        opt_outs=parse_opt_outs(opt_out),
    )


@pytest.mark.parametrize("formation_name", list(RAW))
def test_findings_jq_reads_formation_bodies_as_the_client_does(tmp_path, formation_name):
    formation = RAW[formation_name]
    features = [{"name": "preboot", "enabled": True}]
    buildpacks = RAW_BUILDPACKS["companion-between-two-jvm"]
    state = python_state("raw-app", features, formation, buildpacks, "")
    got = jq_findings(tmp_path, "raw-app", features, formation, buildpacks)
    assert got == python_findings(state)


@pytest.mark.parametrize("bp_name", list(RAW_BUILDPACKS))
def test_findings_jq_reads_buildpacks_as_the_client_does(tmp_path, bp_name):
    formation = [formation_item("web", 2, dyno_size="Standard-1X")]
    buildpacks = RAW_BUILDPACKS[bp_name]
    state = python_state("raw-app", [], formation, buildpacks, "")
    got = jq_findings(tmp_path, "raw-app", [], formation, buildpacks)
    assert got == python_findings(state)


def test_a_schema_conformant_body_is_judged_by_dyno_size(tmp_path):
    """The bug this guards against: reading only the legacy `size` gave the opposite answer."""
    formation = RAW["dyno-size-wins-over-legacy-size"]
    got = {f[0]: f for f in jq_findings(tmp_path, "my-app", [], formation, [])}
    assert got["tier.professional"][1] == "failed"
    assert "worker (Eco)" in got["tier.professional"][2]
    assert "web (" not in got["tier.professional"][2]


def test_the_web_basic_fix_commands_list_web_first(tmp_path):
    formation = SANDBOX_EXTRA["worker-before-web-on-basic"]["formation"]
    got = {f[0]: f for f in jq_findings(tmp_path, "my-app", [], formation, [])}
    assert got["tier.professional"][3] == (
        "heroku ps:type web=Standard-1X clock=Standard-1X worker=Standard-1X --app my-app"
    )
    assert got["web.redundancy"][3] == (
        "heroku ps:scale web=2:Standard-1X clock=0:Standard-1X worker=1:Standard-1X --app my-app"
    )
    assert got["tier.professional"][2].startswith("not on a professional size: web (Basic), worker")


@pytest.mark.parametrize(
    "body",
    [
        ([1, 2, 3], [], []),
        ([], [1, 2, 3], []),
        ([], [], [1, 2, 3]),
        ({"id": "x"}, [], []),
        ([{"name": "preboot", "enabled": "yes"}], [], []),
        ([], [{"type": "web", "quantity": "2"}], []),
        ([], [{"type": "web", "quantity": 2, "size": 5}], []),
        ([], [], [{"buildpack": "heroku/java", "ordinal": 0}]),
    ],
    ids=lambda b: json.dumps(b)[:40],
)
def test_a_body_of_the_wrong_shape_is_not_judged(tmp_path, body):
    with pytest.raises(subprocess.CalledProcessError) as caught:
        jq_findings(tmp_path, "my-app", *body)
    assert caught.value.returncode == 5
    assert "unexpected body" in caught.value.stderr
    assert caught.value.stdout == ""


# --- drift: the bash side derives nothing the Python side does not --------------------------------

SIZE_SPELLINGS = sorted(
    {
        s
        for row in json.loads(SIZES.read_text())["sizes"]
        if row["generation"] == "cedar"  # the bash check never runs on Fir
        for s in (row["name"], row["name"].upper())
    }
    | {" basic ", "Private-Future", "shield-", "Fir-1X", "", "standard"}
)


def jq_eval(expressions: tuple[str, ...], values: list[str]) -> dict[str, dict[str, object]]:
    """Each findings.jq definition in EXPRESSIONS applied to each of VALUES (the program's defs,
    then `$v | expression` per value), in one jq run: a jq start costs about 0.1 s here.
    Returns {value: {expression: result}}."""
    program = (BUILDPACK / "lib" / "findings.jq").read_text().split("\n($features[0])", 1)[0]
    each = ", ".join(f"{json.dumps(e)}: ({e})" for e in expressions)
    out = subprocess.run(
        [
            "jq", "-n", "-c", "--argjson", "vs", json.dumps(values),
            "--arg", "companion_url", COMPANION_BUILDPACK_URL,
            "--slurpfile", "sizes", str(SIZES), f"{program}\n[$vs[] as $v | $v | {{{each}}}]",
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    results = json.loads(out)
    assert len(results) == len(values)
    return dict(zip(values, results, strict=True))


def test_the_size_table_is_a_symlink_to_zdds_one_table():
    assert SIZES.is_symlink()
    assert SIZES.resolve() == (BUILDPACK.parent / "zdd" / "data" / "dyno_sizes.json").resolve()
    assert "known_sizes" not in (BUILDPACK / "lib" / "findings.jq").read_text()


#: Every size zdd sells on Cedar (the bash check never runs on Fir).
CEDAR_SIZES = sorted(k for k in MONTHLY_USD if not is_fir_size(k))


@pytest.fixture(scope="module")
def size_verdicts() -> dict[str, dict[str, object]]:
    return jq_eval(("hobby", "private", "canonical"), sorted({*SIZE_SPELLINGS, *CEDAR_SIZES}))


@pytest.mark.parametrize("size", SIZE_SPELLINGS)
def test_size_rules_match_zdd(size_verdicts, size):
    got = size_verdicts[size]
    assert got["hobby"] is is_hobby(size)
    assert got["private"] is is_private(size)
    assert got["canonical"] == CANONICAL.get(size.strip().lower(), size)


def test_every_sellable_size_is_known_to_both(size_verdicts):
    got = {size_verdicts[k]["canonical"] for k in CEDAR_SIZES}
    assert got == {CANONICAL[k] for k in CEDAR_SIZES}


BUILDPACK_REFS = [
    "heroku/java",
    "urn:buildpack:heroku/jvm",
    "HEROKU/Gradle",
    "https://github.com/heroku/heroku-buildpack-scala",
    "https://github.com/heroku/heroku-buildpack-clojure.git#v90",
    "https://github.com/heroku/heroku-buildpack-java/",
    "https://buildpack-registry.s3.amazonaws.com/buildpacks/heroku/java.tgz",
    "https://codon-buildpacks.s3.amazonaws.com/buildpacks/heroku/jvm-common.tar.gz",
    "https://user@github.com:443/heroku/heroku-buildpack-java",
    "https://example.com/heroku/java",
    "git://github.com/heroku/heroku-buildpack-gradle.git",
    "heroku/nodejs",
    "https://github.com/zdd-dev/zdd/releases/download/v0.1.0/zdd-buildpack.tgz",
    "https://github.com/zdd-dev/zdd/releases/latest/download/zdd-buildpack.tgz",
    "https://GITHUB.com/zdd-dev/zdd/releases/download/v2/zdd-buildpack.tgz#frag",
    "urn:buildpack:zdd-dev/zdd",
    "https://example.com/x/zdd-buildpack-0.3.tgz",
    "https://example.com/zdd-buildpack.tgz?sig=1",
    "zdd-dev/zdd",
    "zdd/zdd",
    "https://example.com/other.tgz",
    COMPANION_BUILDPACK_URL + ".git",
    "",
]


@pytest.fixture(scope="module")
def buildpack_verdicts() -> dict[str, dict[str, object]]:
    return jq_eval(("jvm_buildpack", "companion"), BUILDPACK_REFS)


@pytest.mark.parametrize("ref", BUILDPACK_REFS)
def test_buildpack_rules_match_zdd(buildpack_verdicts, ref):
    assert buildpack_verdicts[ref]["jvm_buildpack"] is is_jvm_buildpack(ref)
    assert buildpack_verdicts[ref]["companion"] is is_companion(ref, COMPANION_BUILDPACK_URL)


def test_the_missing_companion_fix_adds_the_url_zdd_setup_installs(tmp_path):
    """checks::companion_url (from buildpack/VERSION) is zdd.state.COMPANION_BUILDPACK_URL."""
    from bp_harness import capture, scrubbed_env

    for version in ("", (BUILDPACK / "VERSION").read_text().strip()):
        env = scrubbed_env(tmp_path, ZDD_BUILDPACK_VERSION=version)
        script = f'source "{BUILDPACK}/lib/checks.sh"; checks::companion_url'
        got = capture(["bash", "-c", script], env=env).stdout
        if version:
            assert got == COMPANION_BUILDPACK_URL
        else:  # no version known: the family's newest release, still recognised as the companion
            assert is_companion(got)
