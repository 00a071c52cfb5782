"""What a one-app `zdd check` costs beside the bare HTTP it needs, and what a plain install weighs.

1. Time: `zdd check --app zdd-demo` against a sandbox on loopback, each run a fresh process (what
   a user waits for), interleaved in one run with a bare httpx script making the same GETs (the
   paths are taken from the sandbox's request log of a zdd check). Medians, and their ratio.
2. Size: the wheel built from this checkout (offline, no build isolation), installed into fresh
   venvs: plain, and with [picture,sandbox]; site-packages measured on disk. In the plain venv a
   `zdd check` against the sandbox runs too, and lists any heavy module it imported.

`python -m bench footprint` (or `invoke bench footprint`) writes bench/results/footprint.md.
"""

from __future__ import annotations

import json
import os
import platform as host_platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from zdd.sandbox import Platform, SandboxServer

REPO = Path(__file__).resolve().parent.parent
RUNS = 15
APP = "zdd-demo"
HEAVY = ("click", "uvicorn", "starlette", "matplotlib", "numpy", "PIL")

BARE = """
import sys, httpx
base, token, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
headers = {"Accept": "application/vnd.heroku+json; version=3", "Authorization": "Bearer " + token}
with httpx.Client(base_url=base, headers=headers) as c:
    for p in paths:
        c.get(p).raise_for_status()
"""

PROBE = """
import sys
from zdd.main import make_program
try:
    make_program().run(["zdd", "check", "--app", "zdd-demo"])
except SystemExit:
    pass
print("HEAVY", sorted({m.split(".")[0] for m in sys.modules} & set(%r)))
"""


def _env(server: SandboxServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROKU_", "ZDD_"))}
    env.update(
        HEROKU_HOST=server.url,
        HEROKU_API_KEY=server.platform.global_token,
        XDG_STATE_HOME=tempfile.mkdtemp(prefix="zdd-bench-"),
    )
    return env


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=False, timeout=120)
    return time.perf_counter() - started


def time_check() -> dict:
    server = SandboxServer(Platform.demo()).start()
    try:
        env = _env(server)
        zdd = [str(Path(sys.executable).parent / "zdd"), "check", "--app", APP]
        httpx.delete(f"{server.url}/__sandbox/requests")
        subprocess.run(zdd, env=env, capture_output=True, timeout=120)
        log = httpx.get(f"{server.url}/__sandbox/requests").json()
        paths = [e["path"] for e in log if e["method"] == "GET"]
        bare = [sys.executable, "-c", BARE, server.url, server.platform.global_token, *paths]
        _timed(bare, env)  # warm the page cache for both
        zdd_t, bare_t = [], []
        for _ in range(RUNS):
            zdd_t.append(_timed(zdd, env))
            bare_t.append(_timed(bare, env))
    finally:
        server.stop()
    return {"paths": paths, "zdd": zdd_t, "bare": bare_t}


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


def measure_installs() -> dict:
    work = Path(tempfile.mkdtemp(prefix="zdd-bench-install-"))
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
            + ["--no-index", "-q", "-w", str(work), str(REPO)],
            check=True,
            capture_output=True,
            timeout=600,
        )
        (wheel,) = work.glob("zdd_heroku-*.whl")
        out: dict = {"wheel_bytes": wheel.stat().st_size}
        # an empty venv's own site-packages (pip itself) is subtracted from both
        for label, spec in (("plain", str(wheel)), ("extras", f"{wheel}[picture,sandbox]")):
            venv = work / label
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            base = _du(_site_packages(venv))
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", spec],
                check=True,
                capture_output=True,
                timeout=900,
            )
            out[label] = _du(_site_packages(venv)) - base
            out[f"{label}_dists"] = sorted(
                p.name.split("-")[0]
                for p in _site_packages(venv).glob("*.dist-info")
                if not p.name.startswith(("pip-", "setuptools-"))
            )
            if label == "plain":
                server = SandboxServer(Platform.demo()).start()
                try:
                    probe = subprocess.run(
                        [str(venv / "bin" / "python"), "-c", PROBE % (HEAVY,)],
                        env=_env(server),
                        capture_output=True,
                        text=True,
                        timeout=120,
                    )
                finally:
                    server.stop()
                line = next(x for x in probe.stdout.splitlines() if x.startswith("HEAVY"))
                out["plain_heavy_imports"] = json.loads(
                    line.removeprefix("HEAVY ").replace("'", '"')
                )
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main() -> str:
    t = time_check()
    zdd_m, bare_m = statistics.median(t["zdd"]), statistics.median(t["bare"])
    sizes = measure_installs()
    lines = [
        "# zdd check: time beside bare HTTP, and the installed size",
        "",
        f"Machine: {host_platform.platform()}, Python {host_platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared). {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Reproduce: `.venv/bin/python -m bench footprint` (writes this file).",
        "",
        "## One-app `zdd check` vs a bare httpx script making the same reads",
        "",
        f"Each a fresh process against a sandbox on loopback, {RUNS} runs interleaved in one run.",
        f"The reads (from the sandbox's request log of one `zdd check --app {APP}`): "
        + ", ".join(f"`GET {p}`" for p in t["paths"])
        + ".",
        "",
        "| | median | min | max |",
        "|---|---:|---:|---:|",
        f"| `zdd check --app {APP}` | {zdd_m * 1000:.0f} ms | {min(t['zdd']) * 1000:.0f} ms | "
        f"{max(t['zdd']) * 1000:.0f} ms |",
        f"| bare httpx, same GETs | {bare_m * 1000:.0f} ms | {min(t['bare']) * 1000:.0f} ms | "
        f"{max(t['bare']) * 1000:.0f} ms |",
        "",
        f"Ratio of the medians: **x{zdd_m / bare_m:.2f}** (zdd's own cost: imports of invoke/rich/"
        "jsonschema, the plan and the report, on top of the same HTTP).",
        "",
        "## Installed size (site-packages, without pip itself)",
        "",
        f"Wheel: {mb(sizes['wheel_bytes'])} (includes the companion tarball).",
        "",
        "| install | size | distributions |",
        "|---|---:|---|",
        f"| `pip install zdd-heroku` | {mb(sizes['plain'])} | {', '.join(sizes['plain_dists'])} |",
        f"| `pip install 'zdd-heroku[picture,sandbox]'` | {mb(sizes['extras'])} | "
        f"{', '.join(sizes['extras_dists'])} |",
        "",
        f"Plain is x{sizes['extras'] / sizes['plain']:.1f} smaller than with the extras (0.1's "
        "plain install had matplotlib, starlette and uvicorn as hard dependencies).",
        "Heavy modules a `zdd check` imported in the plain venv: "
        f"{', '.join(sizes['plain_heavy_imports']) or 'none'} "
        f"(looked for: {', '.join(HEAVY)}).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main())
