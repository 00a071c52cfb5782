"""`python -m zdd.sandbox [--host H] [--port N] [--seed FILE]`: serve the sandbox until stopped.

Prints the lines that point zdd (or the Heroku CLI) at it, then waits for SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .clock import SandboxClock
from .control import BUILDPACK_PATH
from .seed import SeedError
from .server import SandboxError, SandboxServer
from .state import Platform


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m zdd.sandbox", description="Run the local Heroku Platform API sandbox."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only)")
    parser.add_argument("--port", type=int, default=5000, help="port (0 picks a free one)")
    parser.add_argument("--seed", help="YAML/JSON seed file (default: the zdd-demo app)")
    parser.add_argument(
        "--clock-factor",
        type=float,
        default=1.0,
        metavar="F",
        help="run sandbox time F times faster than real time (preboot windows, boots, releases)",
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (anyone who can reach it can use the seeded tokens)",
    )
    return parser.parse_args(argv)


def startup_lines(platform: Platform, url: str) -> str:
    """What to paste into a shell: each variable once, as `export` lines, then the other tokens,
    the companion buildpack URL the sandbox serves and the seeded apps as comments."""
    lines = [f"export HEROKU_HOST={url}"]
    others = []
    for auth in platform.authorizations.values():
        scope = ",".join(auth.scope)
        if "global" in auth.scope and len(lines) == 1:
            lines.append(f"export HEROKU_API_KEY={auth.token}   # scope: {scope}")
        else:
            others.append(f"# token with scope {scope}: {auth.token}")
    lines += others
    # The default companion URL is a public release asset this machine may not reach; the sandbox
    # serves the same tarball, so setup's URL check passes offline (zdd/sandbox/control.py).
    lines.append(f"# companion buildpack: zdd setup ... --buildpack {url}{BUILDPACK_PATH}")
    lines.append(f"# apps: {', '.join(sorted(platform.apps)) or '(none)'}; Ctrl-C stops.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.clock_factor < 0:
            raise SandboxError("--clock-factor must be >= 0.")
        clock = SandboxClock(factor=args.clock_factor)
        platform = (
            Platform.from_seed(args.seed, clock=clock) if args.seed else Platform.demo(clock=clock)
        )
        server = SandboxServer(platform, args.host, args.port, allow_remote=args.allow_remote)
        server.start()
    except (SeedError, SandboxError) as exc:
        print(f"zdd sandbox: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(startup_lines(platform, server.url), flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    print("zdd sandbox: stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
