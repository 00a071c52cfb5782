"""Server defaults (buildpack/lib/server.sh at build time, lib/jvm.sh at dyno boot): an idle
timeout above the router's 90 s and graceful shutdown within 25 s for Spring Boot, only where the
app has not set them; a finding with the code to add where no system property reaches the server.
Real bin/compile in a scrubbed environment, real bash dyno boots, and a real JVM reading the
properties."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from bp_harness import (
    Build,
    capture,
    dyno_boot,
    dyno_env,
    java_tool_options,
    scrubbed_env,
    strip_ansi,
)

TOMCAT_FLAGS = [
    "-Dserver.tomcat.keep-alive-timeout=95s",
    "-Dserver.shutdown=graceful",
    "-Dspring.lifecycle.timeout-per-shutdown-phase=25s",
]


def compiled(tmp_path: Path, fixture: str, **config: str) -> tuple[Build, str, str]:
    build = Build(tmp_path, fixture, config)
    result = build.compile()
    assert result.returncode == 0, result.output
    return build, result.stdout, strip_ansi(result.stderr)


def findings(build: Build) -> list[list[str]]:
    path = build.build_dir / ".zdd" / "build-findings.tsv"
    return [line.split("\t") for line in path.read_text().splitlines()] if path.exists() else []


def boot_env(slug: Path, dyno: str = "web.1", **config: str) -> str:
    return java_tool_options(slug, dyno, 5000, ZDD_WARMUP="off", **config)


def test_spring_boot_tomcat_gets_the_three_defaults_and_the_build_says_how_to_opt_out(tmp_path):
    build, out, err = compiled(tmp_path, "spring-tomcat")
    for flag in TOMCAT_FLAGS:
        assert f"       {flag}" in out.replace("         ", "       ")
    assert "heroku config:set ZDD_SERVER_DEFAULTS=off" in out
    assert (build.build_dir / ".zdd" / "server-defaults").read_text().split() == TOMCAT_FLAGS
    assert findings(build)[0][:2] == ["jvm.server_defaults", "passed"]
    assert "jvm.server_defaults" not in err


def test_settings_the_app_made_are_kept_and_too_short_ones_are_a_finding_with_the_fix(tmp_path):
    # application.yml: connectionIdleTimeout: 30s (relaxed name), shutdown: graceful, 20s phase
    build, out, err = compiled(tmp_path, "spring-jetty-gradle")
    assert not (build.build_dir / ".zdd" / "server-defaults").exists()
    assert "kept your server.jetty.connection-idle-timeout=30s" in out
    assert "kept your server.shutdown=graceful" in out
    assert "zdd: jvm.server_defaults failed: Spring Boot (Jetty): " in err
    assert "Fix: set server.jetty.connection-idle-timeout=95s" in err
    assert findings(build)[0][1] == "failed"


@pytest.mark.parametrize(
    ("line", "flag_left_out"),
    [
        ("server.tomcat.keep-alive-timeout=120s", "keep-alive"),
        ("server.shutdown: immediate", "server.shutdown"),
        ("spring.lifecycle.timeoutPerShutdownPhase=10s", "timeout-per-shutdown-phase"),
    ],
)
def test_one_property_set_in_application_properties_leaves_only_that_flag_out(
    tmp_path, line, flag_left_out
):
    build = Build(tmp_path, "spring-tomcat")
    props = build.build_dir / "src" / "main" / "resources" / "application.properties"
    props.write_text(props.read_text() + line + "\n")
    result = build.compile()
    flags = (build.build_dir / ".zdd" / "server-defaults").read_text().split()
    assert [f for f in TOMCAT_FLAGS if flag_left_out not in f] == flags
    if "immediate" in line:
        assert "server.shutdown=immediate drops requests in flight" in strip_ansi(result.stderr)
        assert "Fix: set server.shutdown=graceful in application.properties" in strip_ansi(
            result.stderr
        )


def test_an_old_spring_boot_without_graceful_shutdown_is_a_finding(tmp_path):
    build = Build(tmp_path, "spring-tomcat")
    pom = build.build_dir / "pom.xml"
    pom.write_text(
        pom.read_text().replace("<version>3.3.4</version>", "<version>2.2.13.RELEASE</version>")
    )
    err = strip_ansi(build.compile().stderr)
    assert "Spring Boot 2.2.13.RELEASE has no graceful shutdown (2.3+)" in err
    assert "Fix: upgrade to Spring Boot 2.3 or later" in err


def test_plain_embedded_tomcat_gets_a_finding_with_the_code_to_add_and_no_flags(tmp_path):
    build, out, err = compiled(tmp_path, "plain-tomcat")
    assert not (build.build_dir / ".zdd" / "server-defaults").exists()
    assert "zdd: jvm.server_defaults failed: embedded Tomcat without Spring Boot" in err
    assert 'Fix: connector.setProperty("keepAliveTimeout", "95000")' in err
    assert "closeServerSocketGraceful()" in err


def test_opt_outs(tmp_path):
    build, out, err = compiled(tmp_path / "a", "spring-tomcat", ZDD_SERVER_DEFAULTS="off")
    assert "Server defaults: off (ZDD_SERVER_DEFAULTS=off)" in out
    assert not (build.build_dir / ".zdd" / "server-defaults").exists()
    build, out, err = compiled(
        tmp_path / "b", "plain-tomcat", ZDD_OPT_OUT="affinity.enabled, jvm.server_defaults"
    )
    assert "jvm.server_defaults skipped: opted out (ZDD_OPT_OUT)" in out
    assert "jvm.server_defaults failed" not in err


def test_apps_zdd_cannot_place_get_a_skipped_line_and_non_jvm_apps_nothing(tmp_path):
    _, out, _ = compiled(tmp_path / "a", "maven-procfile")
    assert "jvm.server_defaults skipped: no Spring Boot, embedded Tomcat or Jetty" in out
    _, out, err = compiled(tmp_path / "b", "node-app")
    assert "jvm.server_defaults" not in out + err


@pytest.fixture(scope="module")
def spring_slug(tmp_path_factory) -> Path:
    build = Build(tmp_path_factory.mktemp("spring"), "spring-tomcat")
    assert build.compile().returncode == 0
    return build.build_dir


def test_web_dynos_get_the_flags_other_dynos_do_not(spring_slug):
    options = boot_env(spring_slug)
    assert options.split() == TOMCAT_FLAGS
    for dyno in ("release.7", "run.1", "worker.1"):
        assert boot_env(spring_slug, dyno) == ""


@pytest.mark.parametrize(
    ("config", "left_out"),
    [
        ({"JAVA_OPTS": "-Dserver.tomcat.keepAliveTimeout=30s"}, "keep-alive"),
        ({"JAVA_TOOL_OPTIONS": "-Xss512k -Dserver.shutdown=immediate"}, "server.shutdown"),
        ({"SERVER_TOMCAT_KEEPALIVETIMEOUT": "120s"}, "keep-alive"),
        ({"SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE": "5s"}, "timeout-per-shutdown-phase"),
        ({"SPRING_APPLICATION_JSON": '{"server":{"shutdown":"immediate"}}'}, "server.shutdown"),
    ],
)
def test_the_dynos_own_settings_win(spring_slug, config, left_out):
    options = boot_env(spring_slug, **config)
    ours = [f for f in options.split() if f in TOMCAT_FLAGS]
    assert ours == [f for f in TOMCAT_FLAGS if left_out not in f]


def test_server_defaults_off_at_run_time_and_jvm_opts_off(spring_slug):
    assert boot_env(spring_slug, ZDD_SERVER_DEFAULTS="off") == ""
    assert boot_env(spring_slug, ZDD_JVM_OPTS="off") == ""


@pytest.mark.slow
def test_a_real_jvm_on_a_web_dyno_sees_the_properties(spring_slug):
    if not shutil.which("java"):
        pytest.fail("java is needed (Java 17+); .ci/run installs it")
    env = dyno_env(spring_slug, "web.1", 5000, ZDD_WARMUP="off")
    result = dyno_boot(spring_slug, "exec java -XshowSettings:properties -version", env, 60)
    assert result.returncode == 0, result.stderr
    assert "server.tomcat.keep-alive-timeout = 95s" in result.stderr
    assert "server.shutdown = graceful" in result.stderr
    assert "spring.lifecycle.timeout-per-shutdown-phase = 25s" in result.stderr
    assert "zdd: added to JAVA_TOOL_OPTIONS: " + " ".join(TOMCAT_FLAGS) in result.stderr


def test_the_release_phase_repeats_the_build_finding_and_never_fails_for_it(tmp_path):
    build, _, _ = compiled(tmp_path, "spring-jetty-gradle", ZDD_STRICT="1")
    env = scrubbed_env(build.build_dir, DYNO="release.7", PORT="5000", ZDD_STRICT="1")
    result = capture([".zdd/bin/release-check"], env=env, cwd=build.build_dir, timeout=30)
    assert result.returncode == 0, result.output
    assert (
        "zdd: jvm.server_defaults failed: Spring Boot (Jetty): server.jetty.connection-idle-timeout"
        "=30s closes idle connections before the router's 90 s (fix: set "
        "server.jetty.connection-idle-timeout=95s in application.properties or .yml)"
    ) in result.stdout
    env["ZDD_OPT_OUT"] = "preboot.enabled, JVM.server_defaults"
    result = capture([".zdd/bin/release-check"], env=env, cwd=build.build_dir, timeout=30)
    assert "zdd: jvm.server_defaults skipped: opted out (ZDD_OPT_OUT)" in result.stdout


def test_a_crash_in_the_jvm_steps_never_fails_the_build(tmp_path):
    """Break both JVM steps on purpose (a copy of the buildpack; lib/aot.sh is sourced last):
    a plain failing command in server::detect, an exit in aot::compile. The build goes on."""
    from bp_harness import BUILDPACK

    broken = tmp_path / "buildpack"
    shutil.copytree(BUILDPACK, broken)
    with (broken / "lib" / "aot.sh").open("a") as lib:
        lib.write(
            "\nserver::detect() {\n\tfalse\n\techo 'zdd-test: went on after a failing command'\n}\n"
            "aot::compile() { exit 9; }\n"
        )
    build = Build(tmp_path / "b", "spring-tomcat", {"ZDD_JVM_PRESET": "aot"}, broken)
    result = build.compile()
    assert result.returncode == 0, result.output
    err = strip_ansi(result.stderr)
    assert "zdd: server::compile stopped unexpectedly (exit 1); the build goes on." in err
    assert "zdd: aot::compile stopped unexpectedly (exit 9); the build goes on." in err
    assert "went on after a failing command" not in result.output
    assert (build.build_dir / ".zdd" / "bin" / "release-check").exists()


SPRING_POM = """<project><parent><groupId>org.springframework.boot</groupId>
<artifactId>spring-boot-starter-parent</artifactId><version>3.4.0</version></parent>
<dependencies>{deps}</dependencies></project>
"""


def dep(artifact: str, group: str = "org.springframework.boot") -> str:
    return f"<dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId></dependency>"


@pytest.mark.parametrize(
    ("files", "flag", "finding"),
    [
        (
            {
                "pom.xml": SPRING_POM.format(
                    deps=dep("spring-boot-starter-undertow") + dep("spring-boot-starter-web")
                )
            },
            "-Dserver.undertow.no-request-timeout=95s",
            "passed",
        ),
        (
            {"pom.xml": SPRING_POM.format(deps=dep("spring-boot-starter-webflux"))},
            "-Dserver.netty.idle-timeout=95s",
            "passed",
        ),
        (
            {
                "build.gradle": "dependencies {\n"
                "  implementation 'org.eclipse.jetty:jetty-server:12.0.9'\n}\n"
            },
            None,
            "failed",
        ),
        # a Jetty plugin for local runs is not the app's server
        (
            {
                "pom.xml": "<project><build><plugins><plugin><groupId>org.eclipse.jetty</groupId>"
                "<artifactId>jetty-maven-plugin</artifactId></plugin></plugins></build></project>"
            },
            None,
            "skipped",
        ),
    ],
    ids=["spring-undertow", "spring-webflux", "plain-jetty-gradle", "jetty-plugin-only"],
)
def test_servers_zdd_recognises(tmp_path, files, flag, finding):
    build = Build(tmp_path, None)
    for name, text in files.items():
        (build.build_dir / name).write_text(text)
    result = build.compile()
    assert result.returncode == 0, result.output
    defaults = build.build_dir / ".zdd" / "server-defaults"
    if flag:
        assert defaults.read_text().split()[0] == flag
    else:
        assert not defaults.exists()
    assert findings(build)[0][1] == finding
    if finding == "failed":
        assert "Fix: connector.setIdleTimeout(95_000)" in strip_ansi(result.stderr)
