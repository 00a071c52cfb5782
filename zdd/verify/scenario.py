"""A stand-in for `git push heroku main` on the local sandbox, for tests and the README picture.

`python -m zdd.verify.scenario --app A --switch URL --preboot 2` creates a release through the
sandbox's Platform API (HEROKU_HOST + HEROKU_API_KEY, loopback only), waits out the preboot window,
then tells the test router (`SwitchingRouter`) to send traffic to the new release. It is what a
real `--during` command does to the app, minus the build.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import uuid
from urllib.parse import urlsplit

import httpx

from zdd.loopback import is_loopback
from zdd.tls import ssl_context

V3 = "application/vnd.heroku+json; version=3"
APP = "zdd-verify-demo"


def demo_seed(preboot_seconds: float) -> dict:
    """A sandbox seed for the scenario: a JVM app ready for preboot, with a short preboot window."""
    web = {"type": "web", "quantity": 2, "size": "Standard-1X", "command": "java -jar a.jar"}
    return {
        "apps": [
            {
                "name": APP,
                "buildpacks": ["heroku/java"],
                "formation": [web],
                "features": {"preboot": True, "http-session-affinity": True},
                "preboot_in_progress_seconds": preboot_seconds,
                # the new dynos boot for most of the window (watchers see them `starting`) and
                # are up before it ends (the sandbox's default boot is 5 s)
                "boot_seconds": preboot_seconds * 0.75,
            }
        ]
    }


def _loopback(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname or "")


def deploy(
    api: str,
    token: str,
    app: str,
    switch_url: str | None,
    preboot_s: float,
    new_slug: bool = False,
) -> int:
    """Create a release, then switch: a rollback to the current release (same slug, new version),
    or with `new_slug` a deploy of a new slug (what a `git push` ends in, minus the build)."""
    for url in (api, switch_url or api):
        if not _loopback(url):
            raise SystemExit(f"scenario: refusing non-loopback URL {url!r} (sandbox only)")
    headers = {"Accept": V3, "Authorization": f"Bearer {token}"}
    with httpx.Client(
        base_url=api, headers=headers, timeout=10, trust_env=False, verify=ssl_context()
    ) as http:
        latest = http.get(
            f"/apps/{app}/releases", headers={"Range": "version ..; max=1, order=desc"}
        )
        latest.raise_for_status()
        version = latest.json()[0]["version"]
        if new_slug:
            slug = str(uuid.uuid4())
            body = {"slug": slug, "description": f"Deploy {slug[:8]}"}
        else:
            body = {"release": str(version)}
        made = http.post(f"/apps/{app}/releases", json=body)
        made.raise_for_status()
        print(f"scenario: released v{made.json()['version']} of {app}", file=sys.stderr)
    time.sleep(preboot_s)
    if switch_url:
        httpx.post(switch_url, timeout=10, trust_env=False).raise_for_status()
        print(f"scenario: router switched ({switch_url})", file=sys.stderr)
    return 0


def command(app: str, switch_url: str | None, preboot_s: float, new_slug: bool = False) -> str:
    """The shell command line for --during."""
    args = [sys.executable, "-m", "zdd.verify.scenario", "--app", app, "--preboot", str(preboot_s)]
    if switch_url:
        args += ["--switch", switch_url]
    if new_slug:
        args.append("--new-slug")
    return shlex.join(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", required=True)
    parser.add_argument("--switch", help="the test router's /__switch?to=NAME URL")
    parser.add_argument("--preboot", type=float, default=0.0, help="seconds before the switch")
    parser.add_argument("--new-slug", action="store_true", help="deploy a new slug (no rollback)")
    args = parser.parse_args(argv)
    api = os.environ.get("HEROKU_HOST", "")
    token = os.environ.get("HEROKU_API_KEY", "")
    if not api.startswith("http") or not token:
        raise SystemExit("scenario: set HEROKU_HOST=http://127.0.0.1:PORT and HEROKU_API_KEY")
    return deploy(api, token, args.app, args.switch, args.preboot, args.new_slug)


if __name__ == "__main__":
    sys.exit(main())
