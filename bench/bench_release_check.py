"""The release phase's own cost: the settings check and the smoke boot, in real bash.

Cases, each run 5 times in one run (median, min-max), all over loopback:
- the check against the sandbox (three reads, findings.jq) on the demo app;
- the check against a server answering 11 MB bodies (issue 8 item 6 measured 17-20 s for such an
  answer before bodies were bounded): refused unread;
- the check against a server answering 1000 kB bodies (just under the 1 MiB bound): the worst a
  body that is read can cost;
- the smoke boot of a small python http.server app (tests/buildpack/fixtures/smoke-app) and of the
  JVM test app (tests/buildpack/fixtures/jvm-web-app, compiled with javac when there is one).

Usage: python -m bench release_check   (writes bench/results/release_check.md)
"""

from __future__ import annotations

import http.server
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUILDPACK = REPO / "buildpack"
FIXTURES = REPO / "tests" / "buildpack" / "fixtures"
RUNS = 5


def compile_slug(root: Path, procfile: str) -> Path:
    build, cache, env = root / "build", root / "cache", root / "env"
    for d in (build, cache, env):
        d.mkdir(parents=True)
    shutil.copy(FIXTURES / "smoke-app" / "app.py", build / "app.py")
    (build / "Procfile").write_text(procfile)
    subprocess.run(
        ["./bin/compile", str(build), str(cache), str(env)],
        cwd=BUILDPACK,
        env={"HOME": str(root), "PATH": "/usr/local/bin:/usr/bin:/bin", "STACK": "heroku-24"},
        check=True,
        capture_output=True,
    )
    return build


def timed(slug: Path, **config: str) -> tuple[float, str]:
    env = {"HOME": str(slug), "PATH": "/usr/local/bin:/usr/bin:/bin", "DYNO": "release.1"}
    env.update(config)
    start = time.monotonic()
    proc = subprocess.run(
        [".zdd/bin/release-check"], cwd=slug, env=env, capture_output=True, text=True, timeout=120
    )
    return time.monotonic() - start, proc.stdout.strip().splitlines()[-1]


def body_server(body: bytes) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def features_body(kilobytes: int) -> bytes:
    item = b'{"name": "preboot", "enabled": true, "description": "' + b"x" * 200 + b'"}'
    return b"[" + b",".join([item] * (kilobytes * 1024 // (len(item) + 1))) + b"]"


def row(name: str, runs: list[tuple[float, str]]) -> str:
    seconds = [s for s, _ in runs]
    return (
        f"| {name} | {statistics.median(seconds):.2f} | {min(seconds):.2f}-{max(seconds):.2f} "
        f"| `{runs[-1][1][:90]}` |"
    )


def main() -> str:
    from zdd.sandbox import Platform, SandboxServer

    lines = [
        "# Release phase: settings check and smoke boot",
        "",
        f"{RUNS} runs per case in one run (median, min-max seconds), real bash, loopback. "
        "Command: `python -m bench release_check`.",
        "",
        "| case | median s | range s | last output line |",
        "|---|---|---|---|",
    ]
    medians = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        slug = compile_slug(root / "python", "web: exec python3 app.py\n")
        sandbox = SandboxServer(Platform.demo()).start()
        try:
            creds = {
                "HEROKU_HOST": sandbox.url,
                "ZDD_API_TOKEN": sandbox.platform.global_token,
                "ZDD_APP": "zdd-demo",
            }
            runs = [timed(slug, **creds) for _ in range(RUNS)]
            medians["sandbox"] = statistics.median(s for s, _ in runs)
            lines.append(row("check, sandbox (demo app)", runs))
        finally:
            sandbox.stop()
        for name, kilobytes in (("11 MB bodies", 11 * 1024), ("1000 kB bodies", 1000)):
            server = body_server(features_body(kilobytes))
            try:
                url = f"http://127.0.0.1:{server.server_address[1]}"
                config = {"HEROKU_HOST": url, "ZDD_API_TOKEN": "t0ken", "ZDD_APP": "zdd-demo"}
                runs = [timed(slug, ZDD_STRICT="1", **config) for _ in range(RUNS)]
                medians[name] = statistics.median(s for s, _ in runs)
                lines.append(row(f"check, {name}", runs))
            finally:
                server.shutdown()
                server.server_close()
        runs = [timed(slug, ZDD_SMOKE_PATH="/health") for _ in range(RUNS)]
        medians["smoke python"] = statistics.median(s for s, _ in runs)
        lines.append(row("smoke boot, python http.server app (no API credentials)", runs))
        if shutil.which("javac"):
            classes = root / "classes"
            subprocess.run(
                ["javac", "-d", str(classes), str(FIXTURES / "jvm-web-app" / "WarmApp.java")],
                check=True,
            )
            jvm = compile_slug(root / "jvm", f"web: exec java -cp {classes} WarmApp\n")
            runs = [timed(jvm, ZDD_SMOKE_PATH="/") for _ in range(RUNS)]
            medians["smoke jvm"] = statistics.median(s for s, _ in runs)
            lines.append(row("smoke boot, JVM test app (no API credentials)", runs))
    lines += [
        "",
        f"An 11 MB answer is refused in {medians['11 MB bodies'] / medians['sandbox']:.1f}x the "
        f"time of a normal check (before the bound: 17-20 s, issue 8 item 6); a body just under "
        f"the bound costs {medians['1000 kB bodies'] / medians['sandbox']:.1f}x. Machine: "
        f"{os.cpu_count()} cores, shared with other sessions' work.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(main())
