"""JVM warm-up benchmark for the zdd buildpack: does the warm-up window help, and which JVM flags?

A real JVM web app (tests/buildpack/fixtures/jvm-web-app/WarmApp.java, compiled with javac; each
request builds, sorts, formats, regex-matches and hashes 400 records, so the JIT and class loading
matter) is booted the way a dyno boots it: bash sources the slug's .profile.d/zdd.sh (installed by
the buildpack's bin/compile), then execs java. We measure, from one run:

1. the first 50 user requests after boot, cold (ZDD_WARMUP=off) vs after the warm-up window
   (default ZDD_WARMUP_* settings, i.e. what preboot gives time for), against steady state
   (50 requests after 3000 more);
2. boot time (exec -> $PORT accepting connections) with no preset, each ZDD_JVM_PRESET, and with
   the warm-up on vs off (the warm-up must not delay boot);
3. per preset, PRESET_RUNS runs each (a fresh JVM per run): first-50, then steady state
   (throughput of 3000 requests at concurrency 2, then 200 sequential); medians over the runs,
   and a verdict computed from them (a difference counts only when the runs do not overlap);
4. bin/compile's own time (nothing to download).

Run: python -m bench jvm_warmup   (or python -m bench.bench_jvm_warmup); writes
bench/results/jvm_warmup.md. Needs java + javac (17+), bash, curl, jq. Loopback only.
"""

from __future__ import annotations

import concurrent.futures
import os
import platform
import shutil
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from bench import slugs
from bench.slugs import ROOT, bin_compile, in_scratch, java_version, spread

APP_SOURCE = ROOT / "tests" / "buildpack" / "fixtures" / "jvm-web-app" / "WarmApp.java"
FIXTURE = ROOT / "tests" / "buildpack" / "fixtures" / "apps" / "maven-procfile"
RESULTS = Path(__file__).resolve().parent / "results" / "jvm_warmup.md"
USER_REQUESTS = 50
STEADY_DRIVE = 3000
STEADY_SAMPLES = 200  # steady state: more samples, as this machine is shared and noisy
BOOT_REPEATS = 7
PRESET_RUNS = 3  # runs per preset: the verdicts need more than one noisy run
MARGIN = 0.05  # a preset must gain (or cost) 5 % or more to count


def request_ms(port: int, path: str = "/") -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        response.read()
    return (time.perf_counter() - start) * 1000


class Dyno(slugs.Dyno):
    """A dyno of the WarmApp slug on this machine's java."""

    def __init__(self, slug: Path, classes: Path, **config: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **config}
        super().__init__(slug, f"java -cp {classes} WarmApp", env, bind_timeout=60, grace=15)


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "first": latencies[0],
        "median": statistics.median(ordered),
        "p90": ordered[int(len(ordered) * 0.9) - 1],
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def users(port: int, n: int = USER_REQUESTS) -> dict[str, float]:
    return summary([request_ms(port) for _ in range(n)])


def drive(port: int, n: int = STEADY_DRIVE, concurrency: int = 2) -> float:
    """Requests per second for n requests at the given concurrency."""
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(lambda _: request_ms(port), range(n)))
    return n / (time.perf_counter() - start)


def compile_slug(work: Path) -> tuple[Path, list[float]]:
    env_dir, cache = work / "env", work / "cache"
    env_dir.mkdir()
    times = []
    slug = work / "build"
    for i in range(6):
        if slug.exists():
            shutil.rmtree(slug)
        shutil.copytree(FIXTURE, slug)
        start = time.perf_counter()
        bin_compile(slug, cache, env_dir, home=work)
        if i:  # the first run warms the page cache
            times.append((time.perf_counter() - start) * 1000)
    # As on Heroku, the slug knows its JDK from .jdk/release (the JVM buildpack puts the JDK there).
    java_home = Path(shutil.which("java")).resolve().parent.parent
    (slug / ".jdk").mkdir()
    shutil.copy(java_home / "release", slug / ".jdk" / "release")
    return slug, times


def train_cds_archive(slug: Path, classes: Path) -> Path:
    """A training run that exits normally (JDK 13-18 write the dynamic archive only then)."""
    archive = slug / ".zdd" / "cds" / "app.jsa"
    archive.parent.mkdir(parents=True, exist_ok=True)
    d = Dyno(
        slug,
        classes,
        ZDD_WARMUP="off",
        APP_EXIT_AFTER_REQUESTS="300",
        ZDD_JVM_OPTS=f"-XX:ArchiveClassesAtExit={archive}",
    )
    for _ in range(300):
        try:
            request_ms(d.port)
        except OSError:
            break
    d.proc.wait(60)
    d.stop()
    if not archive.exists():
        raise RuntimeError(f"no CDS archive written: {d.output()}")
    return archive


def fmt(row: dict[str, float]) -> str:
    return " | ".join(f"{row[k]:.1f}" for k in ("first", "median", "p90", "max", "mean"))


def main() -> str:
    return in_scratch("zdd-bench-jvm-", run)


def run(work: Path) -> str:
    classes = work / "classes"
    subprocess.run(["javac", "-d", str(classes), str(APP_SOURCE)], check=True)
    # A jar, as a Maven build gives (CDS cannot archive classes from a directory).
    jar = work / "app.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True)
    classes = jar
    slug, compile_ms = compile_slug(work)
    java = java_version()

    # 1. cold vs warmed vs steady (no preset)
    cold = Dyno(slug, classes, ZDD_WARMUP="off")
    cold_users = users(cold.port)
    cold.stop()

    warm = Dyno(slug, classes)  # default warm-up settings
    warm_line = warm.wait_for_line("zdd warm-up:")
    warm_window_s = (time.perf_counter() - warm.started) - warm.boot_ms / 1000
    warm_users = users(warm.port)
    steady_rps = drive(warm.port)
    steady_users = users(warm.port, STEADY_SAMPLES)
    warm.stop()

    # 2 + 3. presets: boot time (median of BOOT_REPEATS), cold users, steady state
    presets = {
        "none": {},
        "fast-start": {"ZDD_JVM_PRESET": "fast-start"},
        "cds": {"ZDD_JVM_PRESET": "cds"},
    }
    rows = {}
    for name, config in presets.items():
        if name == "cds":
            train_cds_archive(slug, classes)
        boots = []
        for _ in range(BOOT_REPEATS):
            d = Dyno(slug, classes, ZDD_WARMUP="off", **config)
            boots.append(d.boot_ms)
            d.stop()
        runs = []
        for _ in range(PRESET_RUNS):
            d = Dyno(slug, classes, ZDD_WARMUP="off", **config)
            first = users(d.port)
            rps = drive(d.port)
            steady = users(d.port, STEADY_SAMPLES)
            d.stop()
            runs.append(
                {
                    "boot": d.boot_ms,
                    "first50": first["mean"],
                    "p90": first["p90"],
                    "rps": rps,
                    "steady": steady["median"],
                }
            )
        rows[name] = {
            "boots": boots + [r["boot"] for r in runs],
            **{key: [r[key] for r in runs] for key in ("first50", "p90", "rps", "steady")},
        }

    boots_on, boots_off = [], []
    for _ in range(BOOT_REPEATS):
        for config, sink in (({}, boots_on), ({"ZDD_WARMUP": "off"}, boots_off)):
            d = Dyno(slug, classes, ZDD_WARMUP_REQUESTS="20", **config)
            sink.append(d.boot_ms)
            d.stop()

    return report(
        java,
        compile_ms,
        cold_users,
        warm_users,
        steady_users,
        steady_rps,
        warm_line,
        warm_window_s,
        rows,
        boots_on,
        boots_off,
    )


def compare(base: list[float], other: list[float], lower_is_better: bool = True) -> str:
    """ "better" or "worse" when the medians differ by MARGIN or more and the runs do not overlap
    (every run of one beats every run of the other); else "same" (within this machine's noise)."""
    ratio = statistics.median(other) / statistics.median(base)
    if not lower_is_better:
        ratio = 1 / ratio
    if ratio <= 1 - MARGIN and (
        max(other) < min(base) if lower_is_better else min(other) > max(base)
    ):
        return "better"
    if ratio >= 1 + MARGIN and (
        min(other) > max(base) if lower_is_better else max(other) < min(base)
    ):
        return "worse"
    return "same"


def decide(rows: dict) -> list[str]:
    """The verdicts, computed from the runs. A preset could become a default only if it is clearly
    better at boot or first requests and its steady-state medians stay within MARGIN of no preset;
    a steady-state cost is claimed only when the runs show it clearly (no overlap)."""
    base = rows["none"]
    lines = []
    for name in ("fast-start", "cds"):
        row = rows[name]
        boot = compare(base["boots"], row["boots"])
        first = compare(base["first50"], row["first50"])
        rps = compare(base["rps"], row["rps"], lower_is_better=False)
        steady = compare(base["steady"], row["steady"])
        helps = "better" in (boot, first)
        kept = (
            float(ratio(base["rps"], row["rps"])) >= 1 - MARGIN
            and float(ratio(base["steady"], row["steady"])) <= 1 + MARGIN
        )
        if "worse" in (rps, steady):
            cost = "costs steady state (every run)"
        elif kept:
            cost = f"steady-state medians no more than {MARGIN:.0%} worse"
        else:
            cost = f"a steady-state median {MARGIN:.0%}+ worse, within noise: unproven either way"
        gain = "helps boot or first requests" if helps else "no clear gain"
        verdict = "default candidate" if helps and kept else "opt-in only"
        if name == "cds":
            # Measured with a trained archive a fresh dyno does not have (see above): whatever the
            # figures, it stays opt-in until zdd can put an archive in the slug.
            verdict = "opt-in only: a fresh dyno has no archive (JDK 17 writes none on SIGTERM)"
        lines.append(
            f"- `{name}`: boot x{ratio(base['boots'], row['boots'])} ({boot}), first-50 mean "
            f"x{ratio(base['first50'], row['first50'])} ({first}), steady throughput "
            f"x{ratio(base['rps'], row['rps'])} ({rps}), steady median "
            f"x{ratio(base['steady'], row['steady'])} ({steady}) -> {gain}; {cost}: **{verdict}**"
        )
    return lines


def ratio(base: list[float], other: list[float]) -> str:
    return f"{statistics.median(other) / statistics.median(base):.2f}"


def report(
    java, compile_ms, cold, warm, steady, steady_rps, warm_line, window_s, rows, on, off
) -> str:
    cores = os.cpu_count()
    out = [
        "# JVM warm-up benchmark (bench/bench_jvm_warmup.py)",
        "",
        f"On {platform.machine()}, {cores} cores, {java}; Linux {platform.release()}.",
        "Command: `python -m bench jvm_warmup` (or `python -m bench.bench_jvm_warmup`).",
        "App: tests/buildpack/fixtures/jvm-web-app/WarmApp.java in a jar (com.sun.net.httpserver;",
        "400 records built, sorted, formatted, regex-matched and hashed per request). Boot as a",
        "dyno boots: bash sources the slug's `.profile.d/zdd.sh`, then execs java. Latencies in",
        "ms, measured by the client (one new connection per request, sequential), loopback.",
        "The machine may be shared (other suites running): single figures move by up to 2-3x",
        "between runs: read the large ratios (cold vs warmed) and the verdicts, not the decimals.",
        "The first section is one run; the presets section repeats each preset (below).",
        "",
        "## First 50 user requests after boot",
        "",
        "| case | first | median | p90 | max | mean |",
        "|---|---|---|---|---|---|",
        f"| cold (ZDD_WARMUP=off) | {fmt(cold)} |",
        f"| after the warm-up window (defaults) | {fmt(warm)} |",
        f"| steady state ({STEADY_SAMPLES} requests after {STEADY_DRIVE} more) | {fmt(steady)} |",
        "",
        f"Warm-up log line: `{warm_line}`; it took {window_s:.1f} s after the port was bound",
        "(preboot gives a Java app about 3.5 min before traffic moves).",
        "",
        "Ratios (one run):",
        f"- first request: cold / warmed = x{cold['first'] / warm['first']:.1f}; "
        f"cold / steady = x{cold['first'] / steady['median']:.1f}",
        f"- mean of the first 50: cold / warmed = x{cold['mean'] / warm['mean']:.1f}; "
        f"warmed / steady = x{warm['mean'] / steady['mean']:.2f}",
        f"- p90 of the first 50: cold / warmed = x{cold['p90'] / warm['p90']:.1f}",
        f"- steady-state throughput (concurrency 2, no preset): {steady_rps:.0f} req/s",
        "",
        "## JVM presets (ZDD_JVM_PRESET), no warm-up",
        "",
        f"{PRESET_RUNS} runs per preset, each on a fresh JVM: the first 50 requests, then "
        f"{STEADY_DRIVE} at",
        f"concurrency 2 (throughput), then {STEADY_SAMPLES} sequential (steady median). Cells: "
        "median (min-max) of",
        f"the runs. Boot = exec to $PORT accepting connections, over {BOOT_REPEATS} extra boots "
        "plus the runs'.",
        "`cds` on JDK 13-18 uses an archive already in the slug: here one from a training run",
        "(300 requests, then a normal exit with -XX:ArchiveClassesAtExit; JDK 17 writes none on",
        "SIGTERM). On Heroku the dyno filesystem is fresh on every boot, so such an archive has to",
        "be made at build time; zdd does not do that (yet), so these cds figures are a best case,",
        "not what a dyno gets.",
        "",
        "| preset | boot ms | first-50 mean | first-50 p90 | steady req/s | steady median |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        out.append(
            f"| {name} | {spread(row['boots'], 0)} | {spread(row['first50'])} | "
            f"{spread(row['p90'])} | {spread(row['rps'], 0)} | {spread(row['steady'])} |"
        )
    out += [
        "",
        f"Verdicts, computed from these runs: a difference counts when the medians differ by "
        f"{MARGIN:.0%} or",
        "more and the runs do not overlap (every run of one beats every run of the other); "
        "otherwise it",
        "is `same` (within this machine's noise). A flag could become a default only if it is "
        "clearly",
        "better at boot or first requests and its steady-state medians (throughput, latency) "
        "stay within",
        f"{MARGIN:.0%} of no preset; a steady-state cost is claimed only when every run shows it.",
        "",
        *decide(rows),
        "",
        "## Does the warm-up delay boot?",
        "",
        f"Boot with the warm-up on: {statistics.median(on):.0f} ms; off: "
        f"{statistics.median(off):.0f} ms (median of {BOOT_REPEATS} each, alternating; ratio "
        f"x{statistics.median(on) / statistics.median(off):.2f}): "
        f"{'yes: slower in every run' if compare(off, on) == 'worse' else 'no consistent delay'}.",
        "",
        "## bin/compile",
        "",
        f"Median {statistics.median(compile_ms):.0f} ms, max {max(compile_ms):.0f} ms over "
        f"{len(compile_ms)} runs (maven-procfile fixture, no credentials, nothing downloaded).",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = main()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(text)
