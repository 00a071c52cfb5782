"""The run-time scripts call no program missing from the heroku-24 run image (no python there).

They run here with PATH restricted to links to the programs in data/heroku-24-run-programs.txt
(plus `java`, which the slug brings), and an exported `command_not_found_handle` records every
program any bash process fails to find. A static scan of the scripts backs this up for branches
the runs do not reach.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bp_harness import (
    BUILDPACK,
    BackgroundDyno,
    dyno_boot,
    fault,
    free_port,
    pids_mentioning,
    wait_for,
)

DATA = Path(__file__).resolve().parent / "data" / "heroku-24-run-programs.txt"
RUNTIME_SCRIPTS = [
    BUILDPACK / "profile.d" / "zdd.sh",
    BUILDPACK / "opt" / "release-check",
    *(
        BUILDPACK / "lib" / name
        for name in (
            "api.sh",
            "checks.sh",
            "release_check.sh",
            "procfile.sh",
            "smoke.sh",
            "warmup.sh",
            "jvm.sh",
        )
    ),
]


def allowed_programs() -> set[str]:
    lines = DATA.read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


@pytest.fixture
def run_image_path(tmp_path) -> tuple[str, Path]:
    """A PATH with only heroku-24's programs (those this machine has) and the slug's java."""
    bin_dir = tmp_path / "run-image-bin"
    bin_dir.mkdir()
    for name in sorted(allowed_programs() | {"java"}):
        found = shutil.which(name)
        if found:
            (bin_dir / name).symlink_to(found)
    return str(bin_dir), tmp_path / "missing-programs.log"


def restricted_env(path: str, log: Path, **extra: str) -> dict[str, str]:
    handler = f'() {{ echo "$1" >> "{log}"; echo "missing program: $1" >&2; return 127; }}'
    return {
        "PATH": path,
        "LANG": "C.UTF-8",
        "BASH_FUNC_command_not_found_handle%%": handler,
        **extra,
    }


def test_the_allow_list_is_the_run_image_without_python():
    programs = allowed_programs()
    assert {"bash", "curl", "jq", "perl", "timeout", "mktemp", "sleep"} <= programs
    assert not {"python", "python3", "java"} & programs


def test_the_missing_program_hook_catches_a_missing_program(run_image_path, tmp_path):
    path, log = run_image_path
    env = restricted_env(path, log, HOME=str(tmp_path))
    subprocess.run(
        ["/bin/bash", "-c", "python3 -c 1; bash -c 'git --version'"],
        env=env,
        capture_output=True,
        timeout=10,
    )
    assert log.read_text().split() == ["python3", "git"]


def test_release_check_on_every_path_uses_only_run_image_programs(
    fresh_slug, bp_sandbox, run_image_path
):
    path, log = run_image_path
    base = {"HOME": str(fresh_slug), "DYNO": "release.3", "HEROKU_HOST": bp_sandbox.url}
    token = bp_sandbox.platform.global_token
    cases = [
        {},  # no credentials
        {"ZDD_API_TOKEN": token, "ZDD_APP": "zdd-demo"},
        {"ZDD_API_TOKEN": token, "ZDD_APP": "zdd-demo", "ZDD_STRICT": "1"},
        {"ZDD_API_TOKEN": "bad", "ZDD_APP": "zdd-demo"},
        {"ZDD_API_TOKEN": token, "ZDD_APP": "missing-app"},
        {"ZDD_API_TOKEN": token, "ZDD_APP": "zdd-demo", "ZDD_RELEASE_CHECK": "off"},
        # the smoke boot too (the fixture's web command fails: no classes were built)
        {"ZDD_SMOKE_PATH": "/health", "ZDD_SMOKE_TIMEOUT": "2"},
    ]
    fault(bp_sandbox, kind="status", status=503, route="GET /apps/*/features", count=1)
    outputs = []
    for extra in cases:
        env = restricted_env(path, log, **base, **extra)
        proc = dyno_boot(fresh_slug, ".zdd/bin/release-check", env, 30)
        outputs.append(proc.stdout)
        assert "internal error" not in proc.stdout
    assert not log.exists(), log.read_text()
    assert any("zdd: preboot.enabled failed" in out for out in outputs)
    assert any("zdd: smoke.boot failed: the web command exited" in out for out in outputs)


@pytest.mark.parametrize("preset", ["", "cds", "fast-start"])
def test_web_dyno_boot_and_warm_up_use_only_run_image_programs(
    fresh_slug, warm_app, run_image_path, preset
):
    path, log = run_image_path
    port = free_port()
    env = restricted_env(
        path,
        log,
        HOME=str(fresh_slug),
        DYNO="web.1",
        PORT=str(port),
        ZDD_JVM_PRESET=preset,
        ZDD_WARMUP_REQUESTS="20",
        ZDD_WARMUP_HEADERS="X-Zdd-Test: 1",
        APP_WORK="20",
    )
    web = BackgroundDyno(
        fresh_slug, env, f"exec java -cp {warm_app} WarmApp", fresh_slug / "web.log"
    )
    try:
        assert wait_for(lambda: "zdd warm-up: 20 requests" in web.output(), 30), web.output()
    finally:
        web.stop(10)
    assert wait_for(lambda: not pids_mentioning(str(fresh_slug)), 3)
    assert not log.exists(), log.read_text()


@pytest.mark.parametrize("dyno", ["release.4", "run.2", "worker.1"])
def test_other_dyno_boots_use_only_run_image_programs(fresh_slug, run_image_path, dyno):
    path, log = run_image_path
    env = restricted_env(
        path, log, HOME=str(fresh_slug), DYNO=dyno, PORT="5000", ZDD_JVM_PRESET="cds"
    )
    proc = dyno_boot(fresh_slug, "true", env, 10)
    assert proc.returncode == 0
    assert not log.exists()


# --- static: every command word in the run-time scripts ------------------------------------------

KEYWORDS = {"if", "then", "do", "else", "elif", "while", "until", "!", "time", "in"}


def split_substitutions(line: str) -> list[str]:
    """The line with each $(...) / <(...) cut out, followed by the cut-out commands."""
    parts, out, i = [], [], 0
    while i < len(line):
        if line.startswith(("$(", "<("), i) and not line.startswith("$((", i):
            depth, j = 1, i + 2
            while j < len(line) and depth:
                depth += {"(": 1, ")": -1}.get(line[j], 0)
                j += 1
            parts.extend(split_substitutions(line[i + 2 : j - 1]))
            out.append(" SUBST ")
            i = j
        else:
            out.append(line[i])
            i += 1
    return ["".join(out), *parts]


def command_words(script: Path) -> set[str]:
    """First words of simple commands (approximate: strings, arithmetic and case labels dropped)."""
    words = set()
    for raw in script.read_text().splitlines():
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        # quoted text is data (single quotes first: they keep $(...) literal)
        for line in split_substitutions(re.sub(r"'[^']*'", "''", raw.strip())):
            line = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
            line = re.sub(r"\s#\s.*$", "", line)  # trailing comment
            line = re.sub(r"\$?\(\((?:[^()]|\([^()]*\))*\)\)", " ", line)  # arithmetic
            line = re.sub(r"^[^\s()]+\)\s*", "", line)  # a case label: `cds)`, `5??)`
            line = re.sub(r"^(?:local|declare|readonly|export|unset|for|case)\s[^;]*", "", line)
            line = re.sub(r"\$\{[^}]*\}", "V", line)  # parameter expansions
            for segment in re.split(r"[;|&(){}]|\[\[|\]\]", line):
                tokens = [t for t in segment.split() if t not in KEYWORDS]
                while tokens and re.match(r"^\w+=", tokens[0]):  # VAR=x cmd
                    tokens.pop(0)
                if tokens and re.match(r"^[A-Za-z_][\w.:+-]*$", tokens[0]):
                    words.add(tokens[0])
    return {w for w in words if w != "SUBST"}


def bash_names() -> set[str]:
    out = subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True, text=True)
    return set(out.stdout.split())


def test_static_scan_finds_only_run_image_programs():
    defined = set()
    for script in RUNTIME_SCRIPTS:
        defined |= set(re.findall(r"^([\w:]+)\(\)\s*\{", script.read_text(), re.M))
    known = bash_names() | allowed_programs() | defined | {"java"}
    unknown = {}
    for script in RUNTIME_SCRIPTS:
        extra = {w for w in command_words(script) if w not in known and "::" not in w}
        if extra:
            unknown[script.name] = sorted(extra)
    assert unknown == {}


def test_static_scan_would_catch_python(tmp_path):
    script = tmp_path / "bad.sh"
    script.write_text('x="$(python3 -c "print(1)")"\nif true; then git log; fi\n')
    assert {"python3", "git"} <= command_words(script)


def test_no_runtime_script_needs_python():
    for script in RUNTIME_SCRIPTS:
        assert "python" not in script.read_text()
    assert os.access(BUILDPACK / "opt" / "release-check", os.X_OK)
