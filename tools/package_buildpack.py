"""Package buildpack/ as the release artifact Heroku fetches by URL: zdd-buildpack.tgz (+ .sha256).

The archive rules live in zdd/buildpack_archive.py (the wheel's build hook and `zdd buildpack`
use the same ones). buildpack/VERSION must name the version in zdd/__init__.py: the default
companion URL is versioned with it.

Usage: python -m tools.package_buildpack --out DIR   (what `invoke buildpack` runs)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from zdd import __version__
from zdd.buildpack_archive import ARTIFACT, SOURCE, tgz_bytes, write

__all__ = ["ARTIFACT", "check_version", "main", "package"]

BUILDPACK = SOURCE


def check_version(source: Path = BUILDPACK) -> None:
    """Refuse to package a buildpack whose VERSION is not zdd's."""
    found = (source / "VERSION").read_text().strip() if (source / "VERSION").is_file() else None
    if found != __version__:
        raise SystemExit(
            f"{source}/VERSION says {found!r} but zdd is {__version__}: make them agree "
            "(the default companion URL names zdd's version)."
        )


def package(out: Path, source: Path = BUILDPACK) -> tuple[Path, str]:
    """Write out/zdd-buildpack.tgz and out/zdd-buildpack.tgz.sha256; returns (path, sha256)."""
    if not (source / "bin" / "compile").is_file():
        raise SystemExit(f"{source} is not a buildpack (no bin/compile)")
    if source == BUILDPACK:
        check_version(source)
    return write(out, tgz_bytes(source))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.package_buildpack", description=__doc__)
    parser.add_argument("--out", default="dist", help="folder for the tarball and its checksum")
    args = parser.parse_args(argv)
    target, digest = package(Path(args.out))
    print(f"{target} ({target.stat().st_size} bytes)")
    print(f"sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
