"""Dyno boot simulation: .profile.d/zdd.sh sourced as the dyno manager does, per dyno type, and the
warm-up against a real JVM web app (javac-compiled once per session) bound to $PORT."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from bp_harness import (
    STACK_PATH,
    BackgroundDyno,
    boot_script,
    dyno_env,
    free_port,
    java_tool_options,
    pids_mentioning,
    pids_with_env,
    wait_for,
)

SUMMARY = re.compile(
    r"^zdd warm-up: (?P<sent>\d+) requests to (?P<paths>\d+) path\(s\) in [\d.]+s, "
    r"(?P<errors>\d+) errors, latency first (?P<first>\d+) ms, last (?P<last>\d+) ms",
    re.M,
)
SUMMARY_ANY = re.compile(
    r"^zdd warm-up: (?P<sent>\d+) requests to \d+ path\(s\) in [\d.]+s, (?P<errors>\d+) errors",
    re.M,
)
#: The summary's "(port bound after 1.2s)": how long the warm-up waited for the app to bind.
BOUND_AFTER = re.compile(r"\(port bound after (?P<seconds>\d+\.\d)s\)")


class Dyno(BackgroundDyno):
    """One simulated dyno of DYNO type (its log: <slug>/<dyno>.log)."""

    def __init__(
        self, slug: Path, dyno: str, command: str, port: int | None = None, pre: str = "", **config
    ):
        super().__init__(
            slug, dyno_env(slug, dyno, port, **config), command, slug / f"{dyno}.log", pre
        )
        self.port = port

    def warmups(self) -> list[int]:
        return pids_mentioning(f"{self.slug}/.zdd/lib/warmup.sh")

    def leftovers(self) -> list[int]:
        """Every live process this dyno started but the web process itself (its HOME is unique):
        the warm-up, and any curl, timeout or sleep of its, orphaned or not."""
        return [pid for pid in pids_with_env("HOME", str(self.slug)) if pid != self.proc.pid]


@pytest.fixture
def dynos():
    started: list[Dyno] = []
    yield started
    for dyno in started:
        dyno.stop()


def stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats", timeout=5) as response:
        return json.loads(response.read())


# --- what each dyno type gets --------------------------------------------------------------------

PRINT_ENV = 'echo "JTO=[${JAVA_TOOL_OPTIONS:-}] opts=[$-]"; exec sleep 30'


def execed(d: Dyno, program: str, timeout: float = 10) -> bool:
    """True once the dyno's boot shell has sourced .profile.d and exec'd PROGRAM (same pid): by
    then whatever zdd starts in the background has been forked (and may already have ended)."""

    def argv0() -> str:
        try:
            return Path(f"/proc/{d.proc.pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        except OSError:
            return ""

    return bool(wait_for(lambda: argv0() == program, timeout))


def booted(d: Dyno) -> str:
    """The dyno's log once its command ran (PRINT_ENV's line is there). .profile.d was sourced
    before it, so whatever zdd started in the background exists by then (d.leftovers())."""
    assert wait_for(lambda: "JTO=" in d.output(), 10), d.output()
    return d.output()


@pytest.mark.parametrize("dyno", ["web.1", "release.7", "run.1", "worker.1"])
def test_each_dyno_type_gets_warm_up_and_jvm_flags_only_on_web(fresh_slug, dynos, dyno):
    port = free_port()  # nothing listens: the web warm-up waits (1 s here), then gives up
    d = Dyno(fresh_slug, dyno, PRINT_ENV, port, ZDD_WARMUP_WAIT="1", ZDD_JVM_PRESET="fast-start")
    dynos.append(d)
    out = booted(d)
    started = d.leftovers()
    if dyno == "web.1":
        assert started and wait_for(d.warmups, 2), "the warm-up should run in the background"
        assert "JTO=[-XX:TieredStopAtLevel=1]" in out
        assert wait_for(lambda: "zdd warm-up: gave up" in d.output(), 3)
        assert "added to JAVA_TOOL_OPTIONS: -XX:TieredStopAtLevel=1" in out
    else:
        assert started == []
        assert "JTO=[]" in out
        assert "zdd" not in out  # silent on release, run and worker dynos
    assert "e" not in out.split("opts=[")[1].split("]")[0]  # no `set -e` leaked into the dyno
    assert d.proc.poll() is None  # the boot shell reached its command and execs it


def test_sourcing_under_set_u_and_without_port_is_harmless(fresh_slug):
    env = dyno_env(fresh_slug, "web.1", None)
    script = "set -u; " + boot_script('echo "still here"')
    result = subprocess.run(
        ["bash", "-c", script], cwd=fresh_slug, env=env, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 0 and result.stdout == "still here\n", result.stderr
    assert result.stderr == ""


def test_warm_up_off_starts_nothing(fresh_slug, dynos):
    d = Dyno(fresh_slug, "web.1", PRINT_ENV, free_port(), ZDD_WARMUP="off", ZDD_WARMUP_WAIT="1")
    dynos.append(d)
    assert "zdd warm-up" not in booted(d)
    assert d.leftovers() == []


# --- JVM options ---------------------------------------------------------------------------------


def jto(slug: Path, jdk_release: str | None = None, path: str = STACK_PATH, **config) -> str:
    """JAVA_TOOL_OPTIONS a web dyno ends up with (after an optional fake JDK release file)."""
    if jdk_release is not None:
        (slug / ".jdk").mkdir(exist_ok=True)
        (slug / ".jdk" / "release").write_text(jdk_release)
    return java_tool_options(slug, "web.1", None, path, **config)


def test_no_jvm_flag_is_added_by_default(fresh_slug):
    assert jto(fresh_slug, 'JAVA_VERSION="25.0.1"\n') == ""
    assert jto(fresh_slug, None, JAVA_TOOL_OPTIONS="-Xmx300m") == "-Xmx300m"


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ('JAVA_VERSION="21.0.4"\n', "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile={cds}"),
        ('IMPLEMENTOR="x"\nJAVA_VERSION="17.0.12"\n', ""),  # no archive in the slug
        ('JAVA_VERSION="11.0.24"\n', ""),
        ('JAVA_VERSION="1.8.0_412"\n', ""),
    ],
)
def test_cds_preset_only_where_the_jdk_supports_it(fresh_slug, release, expected):
    cds = f"{fresh_slug}/.zdd/cds/app.jsa"
    assert jto(fresh_slug, release, ZDD_JVM_PRESET="cds") == expected.format(cds=cds)


def test_cds_preset_on_jdk_13_to_18_uses_an_existing_archive(fresh_slug):
    (fresh_slug / ".zdd" / "cds").mkdir()
    (fresh_slug / ".zdd" / "cds" / "app.jsa").write_bytes(b"x")
    got = jto(fresh_slug, 'JAVA_VERSION="17.0.2"\n', ZDD_JVM_PRESET="cds")
    assert got == f"-XX:SharedArchiveFile={fresh_slug}/.zdd/cds/app.jsa"


def test_jdk_version_from_java_version_when_the_slug_has_no_release_file(fresh_slug):
    """No $HOME/.jdk/release: the real `java -version` (Java 17 here) decides."""
    java = shutil.which("java")
    assert java
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    major = int(re.search(r'version "(?:1\.)?(\d+)', version)[1])
    (fresh_slug / ".zdd" / "cds").mkdir()
    archive = fresh_slug / ".zdd" / "cds" / "app.jsa"
    archive.write_bytes(b"x")
    got = jto(fresh_slug, None, ZDD_JVM_PRESET="cds")
    if major >= 19:
        assert got == f"-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile={archive}"
    elif major >= 13:
        assert got == f"-XX:SharedArchiveFile={archive}"
    else:
        assert got == ""


def test_user_settings_win_over_a_preset(fresh_slug):
    got = jto(
        fresh_slug, None, ZDD_JVM_PRESET="fast-start", JAVA_TOOL_OPTIONS="-XX:TieredStopAtLevel=4"
    )
    assert got == "-XX:TieredStopAtLevel=4"
    got = jto(fresh_slug, 'JAVA_VERSION="21"\n', ZDD_JVM_PRESET="cds", JAVA_OPTS="-Xshare:off")
    assert got == ""


def test_zdd_jvm_opts_adds_and_off_removes_ours(fresh_slug):
    got = jto(
        fresh_slug, None, ZDD_JVM_PRESET="fast-start", ZDD_JVM_OPTS="-Dzdd.extra=1 -Xlog:disable"
    )
    assert got == "-XX:TieredStopAtLevel=1 -Dzdd.extra=1 -Xlog:disable"
    assert jto(fresh_slug, None, ZDD_JVM_PRESET="fast-start", ZDD_JVM_OPTS="off") == ""


@pytest.mark.parametrize("name", ["jvmcommon.sh", "zz-jvmcommon.sh"])
def test_our_flags_go_after_the_jvm_buildpacks_defaults_in_either_order(fresh_slug, name):
    """A stand-in that, like the JVM buildpack's opt/jvmcommon.sh, *prepends* its defaults."""
    (fresh_slug / ".profile.d" / name).write_text(
        'export JAVA_TOOL_OPTIONS="-Dfile.encoding=UTF-8 -Xmx300m${JAVA_TOOL_OPTIONS:+ }'
        '${JAVA_TOOL_OPTIONS:-}"\n'
    )
    got = jto(fresh_slug, None, ZDD_JVM_PRESET="fast-start")
    assert got == "-Dfile.encoding=UTF-8 -Xmx300m -XX:TieredStopAtLevel=1"


# --- the warm-up against a real JVM --------------------------------------------------------------


def java_command(warm_app: Path) -> str:
    return f"exec java -cp {warm_app} WarmApp"


def test_warm_up_requests_reach_the_jvm_app_after_it_binds(fresh_slug, warm_app, dynos):
    port = free_port()
    started = time.monotonic()
    d = Dyno(
        fresh_slug,
        "web.1",
        java_command(warm_app),
        port,
        APP_BOOT_DELAY_MS="400",
        APP_WORK="50",
        ZDD_WARMUP_PATHS="/ /api/a,api/b",
        ZDD_WARMUP_REQUESTS="60",
        ZDD_WARMUP_SECONDS="20",
        ZDD_WARMUP_CONCURRENCY="3",
        ZDD_WARMUP_HEADERS="X-Zdd-Test: 1\nX-Secret: SECRET-hdr-9",
    )
    dynos.append(d)
    assert wait_for(lambda: SUMMARY.search(d.output()), 30), d.output()
    summary = SUMMARY.search(d.output())
    assert int(summary["sent"]) == 60 and int(summary["errors"]) == 0
    assert summary["paths"] == "3"
    # the app counted exactly the warm-up's requests, each with the configured header
    assert stats(port) == {"requests": 60, "header_hits": 60}
    assert "SECRET-hdr-9" not in d.output()
    # the bound wait held: it started well before the app listened (400 ms of boot delay) and
    # still got no error
    assert time.monotonic() - started > 0.4
    assert float(BOUND_AFTER.search(d.output())["seconds"]) >= 0.2, d.output()
    d.stop()
    assert wait_for(lambda: not d.leftovers(), 3), "a warm-up process outlived the web process"


def test_warm_up_never_delays_boot(fresh_slug, warm_app, dynos):
    """The boot shell reaches `exec java` as fast with the warm-up as without it."""
    timings = {}
    for warmup in ("on", "off"):
        slug = fresh_slug.parent / f"slug-{warmup}"
        shutil.copytree(fresh_slug, slug)
        port = free_port()
        command = 'echo "profile_ms=$(( (${EPOCHREALTIME/./} - T0) / 1000 ))"; ' + java_command(
            warm_app
        )
        d = Dyno(
            slug,
            "web.1",
            command,
            port,
            pre="T0=${EPOCHREALTIME/./}; ",
            ZDD_WARMUP=warmup,
            ZDD_WARMUP_REQUESTS="5",
            APP_WORK="10",
        )
        dynos.append(d)
        assert wait_for(lambda d=d: "listening" in d.output(), 20), d.output()
        timings[warmup] = int(re.search(r"profile_ms=(-?\d+)", d.output())[1])
    # sourcing .profile.d/zdd.sh (and forking the warm-up) must take next to nothing
    assert timings["on"] < 300, timings


def test_warm_up_exits_when_the_web_process_dies_mid_warm_up(fresh_slug, warm_app, dynos):
    port = free_port()
    d = Dyno(
        fresh_slug,
        "web.1",
        java_command(warm_app),
        port,
        APP_WORK="400",
        ZDD_WARMUP_REQUESTS="100000",
        ZDD_WARMUP_SECONDS="120",
    )
    dynos.append(d)
    assert wait_for(lambda: d.warmups() and _count(port) >= 3, 30)
    pids = d.warmups()
    for pid in pids:  # double-forked: the warm-up is not a child of the web process
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        assert ppid != d.proc.pid
    d.stop()
    assert wait_for(lambda: not d.leftovers(), 3), "the warm-up outlived the web process"
    assert "zdd warm-up:" not in d.output()  # no summary from a dyno that is going away


def test_warm_up_gives_up_when_nothing_ever_binds(fresh_slug, dynos):
    d = Dyno(fresh_slug, "web.1", "exec sleep 30", free_port(), ZDD_WARMUP_WAIT="1")
    dynos.append(d)
    assert wait_for(d.warmups, 2)
    assert wait_for(lambda: not d.leftovers(), 4), "the warm-up should stop after ZDD_WARMUP_WAIT"
    assert d.proc.poll() is None  # the web process is untouched
    assert "gave up: nothing accepted connections on $PORT within 1s" in d.output()


def _count(port: int) -> int:
    try:
        return stats(port)["requests"]
    except OSError:
        return 0


# --- the time bound, against an app that accepts connections and never answers -------------------


class SilentApp:
    """A loopback server that accepts every connection and never answers (after `answered` real
    answers): a hung app. Connections are held open until stop(); `accepted` counts requests."""

    def __init__(self, answered: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.answered = answered
        self.accepted = 0
        self.held: list[socket.socket] = []
        self._stop = False
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = conn.recv(65536)
        except OSError:
            return
        if not request:  # the warm-up's connect-only probe of $PORT
            conn.close()
            return
        with self._lock:
            self.accepted += 1
            answer = self.accepted <= self.answered
        if answer:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            conn.close()
        else:
            self.held.append(conn)

    def stop(self) -> None:
        self._stop = True
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent_app():
    apps: list[SilentApp] = []

    def make(answered: int = 0) -> SilentApp:
        apps.append(SilentApp(answered))
        return apps[-1]

    yield make
    for app in apps:
        app.stop()


@pytest.mark.parametrize("answered", [0, 1], ids=["never-answers", "hangs-after-one-answer"])
def test_the_warm_up_keeps_its_time_bound_when_the_app_never_answers(
    fresh_slug, dynos, silent_app, answered
):
    """README: the warm-up ends within ZDD_WARMUP_WAIT + ZDD_WARMUP_SECONDS + 2 s, whatever the app
    does (a batch of concurrency*4 transfers used to run up to 4x the time left: 4 s here, over
    the 3 s bound). The app listens from the start, so ZDD_WARMUP_WAIT=0 (one try) finds it."""
    app = silent_app(answered)
    started = time.monotonic()
    d = Dyno(
        fresh_slug,
        "web.1",
        "exec sleep 60",
        app.port,
        ZDD_WARMUP_WAIT="0",
        ZDD_WARMUP_SECONDS="1",
        ZDD_WARMUP_CONCURRENCY="2",
        ZDD_WARMUP_REQUESTS="100",
    )
    dynos.append(d)
    assert wait_for(lambda: SUMMARY_ANY.search(d.output()), 0 + 1 + 2 + 3), d.output()
    took = time.monotonic() - started
    assert took < 0 + 1 + 2, (took, d.output())
    summary = SUMMARY_ANY.search(d.output())
    assert int(summary["errors"]) >= 1  # the unanswered requests count as errors
    assert wait_for(lambda: not d.leftovers(), 2), "a curl outlived the warm-up"
    assert d.proc.poll() is None  # the web process is untouched


def test_a_batch_in_flight_stops_with_the_web_process(fresh_slug, dynos, silent_app):
    """The web process goes away while curl waits on a silent app: nothing of the warm-up (curl
    included) outlives it by more than about a second, and no summary is printed."""
    app = silent_app(1)
    d = Dyno(
        fresh_slug,
        "web.1",
        "exec sleep 60",
        app.port,
        ZDD_WARMUP_SECONDS="30",
        ZDD_WARMUP_REQUESTS="100",
    )
    dynos.append(d)
    assert wait_for(lambda: app.accepted >= 2, 10)  # a batch is waiting on the silent app
    d.stop()
    assert wait_for(lambda: not d.leftovers(), 2), "the warm-up's curl outlived the web process"
    assert "zdd warm-up:" not in d.output()


def test_a_web_process_that_exits_before_binding_gets_one_line(fresh_slug, dynos):
    d = Dyno(fresh_slug, "web.1", "sleep 0.1; exit 0", free_port(), ZDD_WARMUP_WAIT="30")
    dynos.append(d)
    line = "zdd warm-up: stopped: the web process exited before anything accepted connections"
    assert d.proc.wait(5) == 0  # reaped, as the dyno manager would (a zombie still has its pid)
    assert wait_for(lambda: line in d.output(), 3), d.output()
    assert wait_for(lambda: not d.leftovers(), 2)
    assert d.output().count("zdd warm-up:") == 1


def test_a_finished_warm_up_leaves_no_process_behind(fresh_slug, dynos, silent_app):
    """Once the warm-up's own processes (the script and its watcher) are gone, nothing of it is
    left: the watcher pauses without a `sleep` child, which would outlive it by up to 0.5 s."""
    app = silent_app(100)
    d = Dyno(
        fresh_slug, "web.1", "exec sleep 60", app.port, ZDD_WARMUP_WAIT="0", ZDD_WARMUP_REQUESTS="4"
    )
    dynos.append(d)
    assert wait_for(lambda: SUMMARY_ANY.search(d.output()), 10), d.output()
    assert wait_for(lambda: not d.warmups(), 5)
    assert d.leftovers() == []


@pytest.mark.parametrize("setting", ["ZDD_WARMUP_REQUESTS", "ZDD_WARMUP_SECONDS"])
def test_zero_requests_or_seconds_means_no_warm_up(fresh_slug, dynos, silent_app, setting):
    app = silent_app(100)
    d = Dyno(fresh_slug, "web.1", "exec sleep 60", app.port, **{setting: "0"})
    dynos.append(d)
    # once the boot shell is `sleep`, .profile.d has forked whatever it starts; once that is gone
    # it can send nothing more
    assert execed(d, "sleep")
    assert wait_for(lambda: not d.leftovers(), 2)
    assert app.accepted == 0
    assert "zdd warm-up" not in d.output()
