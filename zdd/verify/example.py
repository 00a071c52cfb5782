"""Regenerate the README's "Prove it" pictures: `python -m zdd.verify.example [--out docs]`.

Runs the installed `zdd verify` (a subprocess, as a user would) against two loopback deploys:
- restart: the app stops and comes back 1.5 s later as the new release (no preboot): failures;
- preboot: a real --during command creates a release in the local sandbox, waits out the preboot
  window and switches the test router to the new release: no failures, the switch-over from the
  X-Release marker, the affinity cookie re-issued, the release seen through the Platform API.
Everything stays on 127.0.0.1; each run is a few seconds at 20 requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from zdd.verify import scenario
from zdd.verify.targets import Backend, RestartingTarget, SwitchingRouter

APP = scenario.APP


def _zdd() -> str:
    return str(Path(sys.executable).with_name("zdd"))


def _verify(args: list[str], env: dict | None = None) -> dict:
    out = subprocess.run(
        [_zdd(), "verify", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    if out.returncode not in (0, 1):
        raise SystemExit(f"zdd verify exited {out.returncode}:\n{out.stderr}")
    return json.loads(out.stdout)


def restart(out: Path) -> dict:
    with RestartingTarget(old="v41", new="v42") as target:
        target.restart_after(delay_s=2.0, gap_s=1.5)
        picture = out / "verify-example-restart.png"
        data = _verify(
            ["--url", target.url(), "--rate", "20", "--duration", "6s", "--timeout", "2s",
             "--marker-header", "X-Release", "--picture", str(picture)]
        )  # fmt: skip
    data["picture"] = str(picture)
    data["real_gap_s"] = round(target.gap_s, 3)
    return data


def preboot(out: Path) -> dict:
    from zdd.sandbox import Platform, SandboxServer

    platform = Platform.from_seed(scenario.demo_seed(preboot_seconds=4.0))
    server = SandboxServer(platform).start()
    env = {"HEROKU_HOST": server.url, "HEROKU_API_KEY": platform.global_token}
    try:
        with Backend("v2") as old, Backend("v3") as new, SwitchingRouter(old, new) as router:
            during = scenario.command(APP, router.url("/__switch?to=v3"), preboot_s=4.0)
            picture = out / "verify-example-preboot.png"
            data = _verify(
                ["--url", router.url(), "--rate", "20", "--during", during, "--tail", "4s",
                 "--marker-header", "X-Release", "--app", APP, "--api-interval", "5s",
                 "--picture", str(picture)],
                env=env,
            )  # fmt: skip
    finally:
        server.stop()
    data["picture"] = str(picture)
    return data


def figures(data: dict) -> str:
    longest = data["failures"]["longest_run"]
    sw = data["switch_over"]
    parts = [
        f"requests={data['requests']}",
        f"failed={data['failed']}",
        f"availability={data['availability'] * 100:.2f}%",
    ]
    if longest:
        parts.append(f"longest_gap={longest['seconds']}s ({longest['count']} requests)")
    if sw:
        parts.append(f"switch {sw['from']}->{sw['to']} at {sw['started_s']}s {sw['between_s']}")
    parts.append(f"affinity_changes={data['affinity']['changes']}")
    parts.append(f"exit={data['exit_code']}")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the pictures")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)
    gap = restart(out)
    print(f"restart: {figures(gap)} real_gap={gap['real_gap_s']}s -> {gap['picture']}")
    switch = preboot(out)
    print(f"preboot: {figures(switch)} -> {switch['picture']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
