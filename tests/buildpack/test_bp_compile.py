"""bin/detect, bin/compile, bin/release on fixture apps, run as Heroku runs them (no sandbox)."""

from __future__ import annotations

import pytest
import yaml
from bp_harness import (
    BUILDPACK,
    Build,
    assert_no_secrets,
    capture,
    check_lines,
    procfile_types,
    scrubbed_env,
    server_seed,
    strip_ansi,
)

CHECK = ".zdd/bin/release-check"
ALL_FIXTURES = ["maven-procfile", "maven-no-procfile", "maven-release", "node-app"]


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_detect_prints_one_name_and_passes_for_every_app(tmp_path, fixture):
    result = Build(tmp_path, fixture).detect()
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 1 and result.stdout.strip()
    assert result.stderr == ""


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_release_is_yaml_that_claims_no_process_types(tmp_path, fixture):
    result = Build(tmp_path, fixture).release()
    assert result.returncode == 0 and result.stderr == ""
    doc = yaml.safe_load(result.stdout)
    assert isinstance(doc, dict)
    assert not doc.get("default_process_types")
    assert "config_vars" not in doc  # deprecated key


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
def test_compile_twice_is_idempotent_quiet_and_keeps_secrets(tmp_path, fixture):
    build = Build(tmp_path, fixture)
    first = build.compile()
    assert first.returncode == 0, first.output
    snapshot = {
        p.relative_to(build.build_dir): p.read_bytes()
        for p in build.build_dir.rglob("*")
        if p.is_file()
    }
    second = build.compile()
    assert second.returncode == 0, second.output
    again = {
        p.relative_to(build.build_dir): p.read_bytes()
        for p in build.build_dir.rglob("*")
        if p.is_file()
    }
    assert again == snapshot  # same files, same bytes: nothing wired twice
    assert build.cache_dir.is_dir()
    for result in (first, second):
        assert_no_secrets(result.output, build.secret_values())
        lines = result.stdout.splitlines()
        assert lines[0].startswith("-----> ")
        assert all(line.startswith(("-----> ", "       ")) for line in lines), result.stdout
        # a sanity bound only (about 0.1 s, more on a loaded machine); bench/ has the real figure
        assert result.seconds < 10
    # the run-time files are in the slug, executable where they must be
    assert (build.build_dir / ".profile.d" / "zdd.sh").is_file()
    assert (build.build_dir / CHECK).stat().st_mode & 0o111


def test_compile_adds_a_release_line_to_a_procfile_without_one(tmp_path):
    build = Build(tmp_path, "maven-procfile")
    before = procfile_types(build.procfile)
    result = build.compile()
    assert result.returncode == 0, result.output
    after = procfile_types(build.procfile)
    assert after == {**before, "release": CHECK}
    assert "added 'release: .zdd/bin/release-check'" in result.stdout


def test_compile_runs_the_check_before_an_existing_release_command(tmp_path):
    build = Build(tmp_path, "maven-release")
    result = build.compile()
    assert result.returncode == 0, result.output
    types = procfile_types(build.procfile)
    assert types["release"] == f"{CHECK} || exit $?; ./bin/migrate.sh"
    assert types["web"].startswith("java ")
    assert "runs before your release command" in result.stdout


def test_compile_leaves_a_missing_procfile_alone_and_says_what_to_add(tmp_path):
    build = Build(tmp_path, "maven-no-procfile")
    result = build.compile()
    assert result.returncode == 0, result.output
    assert not build.procfile.exists()
    # a Heroku-style warning on stderr carries the line to add
    warning = [
        line for line in strip_ansi(result.stderr).splitlines() if line.startswith(" !     ")
    ]
    assert f" !       release: {CHECK}" in warning
    assert "\x1b[1;33m" in result.stderr  # yellow, like Heroku's own warnings


def test_release_check_off_wires_nothing(tmp_path):
    build = Build(tmp_path, "maven-release", {"ZDD_RELEASE_CHECK": "off"})
    original = build.procfile.read_text()
    result = build.compile()
    assert result.returncode == 0
    assert build.procfile.read_text() == original
    assert "ZDD_RELEASE_CHECK" in result.stdout


GATE = f"{CHECK} || exit $?;"


@pytest.mark.parametrize(
    ("line", "wired"),
    [
        ("release: ./migrate.sh || true", f"release: {GATE} ./migrate.sh || true"),
        ("release: a; b", f"release: {GATE} a; b"),
        ("release: a; b # tell slack", f"release: {GATE} a; b # tell slack"),
        ("release: a && b", f"release: {GATE} a && b"),
        ("release: ./notify.sh &", f"release: {GATE} ./notify.sh &"),
        ("release:bundle exec rake db:migrate", f"release: {GATE} bundle exec rake db:migrate"),
        (f"release: {GATE} ./x", f"release: {GATE} ./x"),  # already wired: unchanged
        (f"release: {CHECK}", f"release: {CHECK}"),
        (f"release: ./x && {CHECK}", f"release: ./x && {CHECK}"),  # the user's own placement
        # wired by zdd 0.1.0 (`&&`, grouped only without a #): replaced, not doubled
        (f"release: {CHECK} && ./x", f"release: {GATE} ./x"),
        (f"release: {CHECK} && {{ a; b; }}", f"release: {GATE} a; b"),
        (f"release: {CHECK} && a; b # c", f"release: {GATE} a; b # c"),
    ],
)
def test_release_commands_are_wrapped_so_the_check_gates_the_whole_command(tmp_path, line, wired):
    build = Build(tmp_path, None)
    build.procfile.write_bytes(f"web: java -jar app.jar\r\n{line}\r\n".encode())
    assert build.compile().returncode == 0
    expected = f"web: java -jar app.jar\r\n{wired}\r\n"
    assert build.procfile.read_bytes().decode() == expected  # CRLF kept
    assert build.compile().returncode == 0
    assert build.procfile.read_bytes().decode() == expected  # never twice


def test_a_release_line_added_to_a_crlf_procfile_keeps_its_line_endings(tmp_path):
    build = Build(tmp_path, None)
    build.procfile.write_bytes(b"web: java -jar app.jar\r\nworker: java -cp app.jar W\r\n")
    result = build.compile()
    assert result.returncode == 0, result.output
    assert build.procfile.read_bytes() == (
        f"web: java -jar app.jar\r\nworker: java -cp app.jar W\r\nrelease: {CHECK}\r\n".encode()
    )


READY_APP = {
    "name": "strict-ready",
    "buildpacks": [
        "https://github.com/zdd-dev/zdd/releases/download/v0.1.0/zdd-buildpack.tgz",
        "heroku/java",
    ],
    "formation": [{"type": "web", "quantity": 2, "size": "Standard-1X"}],
    "features": {"preboot": True, "http-session-affinity": True},
}


@pytest.mark.parametrize(("migrate_exit", "strict"), [(0, ""), (7, ""), (7, "1")])
def test_the_wired_release_command_runs_the_original_and_keeps_its_exit_status(
    tmp_path, bp_sandbox, migrate_exit, strict
):
    """Run the Procfile's release command as the release dyno would (bash -c, cwd=/app)."""
    build = Build(tmp_path, "maven-release")
    assert build.compile().returncode == 0
    command = procfile_types(build.procfile)["release"]
    env = scrubbed_env(
        build.build_dir, DYNO="release.7", MIGRATE_EXIT=str(migrate_exit), ZDD_STRICT=strict
    )
    if strict:
        # strict with credentials, on an app that passes every check: the check really runs (and
        # passes), then the original runs and its exit status is the release's
        server_seed(bp_sandbox, {"apps": [READY_APP]})
        env.update(
            HEROKU_HOST=bp_sandbox.url,
            ZDD_API_TOKEN=bp_sandbox.platform.global_token,
            ZDD_APP="strict-ready",
        )
    result = capture(["bash", "-c", command], env=env, cwd=build.build_dir, timeout=30)
    own = "\n".join(check_lines(result.stdout))  # a build finding repeated from the slug aside
    if strict:
        assert own.count(" passed: ") == 5, result.stdout
        assert "skipped" not in own
    else:
        # no credentials: the check says so in one line and lets the release go on
        assert own.startswith("zdd: check skipped: no ZDD_API_TOKEN and ZDD_APP")
    assert "migrate ran" in result.stdout
    assert (build.build_dir / "migrate.ran").exists()
    assert result.returncode == migrate_exit


def test_compile_without_credentials_prints_one_line_on_enabling_the_check(tmp_path):
    result = Build(tmp_path, "maven-procfile").compile()
    lines = [line for line in result.stdout.splitlines() if "ZDD_API_TOKEN" in line]
    assert len(lines) == 1
    assert "heroku config:set ZDD_APP=" in lines[0]
    assert result.returncode == 0


def test_compile_of_a_non_java_app_installs_the_same_and_passes(tmp_path):
    build = Build(tmp_path, "node-app")
    result = build.compile()
    assert result.returncode == 0
    assert procfile_types(build.procfile) == {"web": "node index.js", "release": CHECK}


def test_compile_never_prints_zdd_config_values(tmp_path):
    config = {
        "ZDD_WARMUP": "off",
        "ZDD_WARMUP_HEADERS": "Authorization: Bearer SECRET-warmup-1\nX-Other: SECRET-2-abcdef",
        "ZDD_JVM_OPTS": "-Dtoken=SECRET-jvm-opts-value",
    }
    build = Build(tmp_path, "maven-procfile", config)
    result = build.compile()
    assert result.returncode == 0
    assert_no_secrets(result.output, build.secret_values())
    assert "off while ZDD_WARMUP says so" in result.stdout


def test_compile_needs_its_arguments(tmp_path):
    result = capture(["./bin/compile"], env=scrubbed_env(tmp_path))
    assert result.returncode != 0
    assert "Usage: bin/compile" in result.stderr


def test_buildpack_scripts_are_shellcheck_clean():
    """shellcheck -x with buildpack/.shellcheckrc (enable=all). tools/shellcheck_all remembers a
    clean result for the same bytes, so after `invoke lint` (CI runs it first) this is no second
    run; a changed script is checked again, and a finding fails here."""
    from tools.shellcheck_all import bash_scripts, check

    scripts = [
        *sorted((BUILDPACK / "bin").iterdir()),
        *sorted((BUILDPACK / "lib").glob("*.sh")),
        *sorted((BUILDPACK / "opt").iterdir()),
        *sorted((BUILDPACK / "profile.d").glob("*.sh")),
    ]
    assert set(scripts) <= set(bash_scripts())  # `invoke lint` checks every one of them too
    status, output = check(scripts, capture=True)
    assert status == 0, output
