"""`zdd buildpack --out DIR`: write the companion buildpack tarball this zdd ships, to host it.

Setup's default companion URL is zdd's GitHub release for this version; a pip user who can't or
won't use it writes the same tarball with this command, serves it over https, and passes that URL
to `zdd setup --buildpack URL`. The .sha256 file beside it is in `sha256sum -c` format.
"""

from __future__ import annotations

from invoke import task

from zdd.cli import COMMON_SHORTFLAGS, JSON_VERSION, ZddTask, errors_exit

HELP = {
    "out": "existing folder to write zdd-buildpack.tgz and zdd-buildpack.tgz.sha256 into "
    "(default: the current folder)",
    "json": "print one JSON document instead of text",
}
SHORTFLAGS = {"out": "o", "json": COMMON_SHORTFLAGS["json"]}


@task(klass=ZddTask, shortflags=SHORTFLAGS, help=HELP)
def buildpack(c, out=".", json=False):
    """Write the companion buildpack tarball (and its SHA-256) so you can host it yourself."""
    from pathlib import Path

    from zdd import __version__
    from zdd.buildpack_archive import BuildpackMissing, bundled, write
    from zdd.errors import ConfigError, UsageError
    from zdd.output import consoles, print_json

    with errors_exit("buildpack", json):
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise UsageError(
                f"--out {out}: is a file, not a folder.",
                remedy="Pass the folder to write zdd-buildpack.tgz into (e.g. --out .).",
            )
        if not folder.is_dir():
            raise UsageError(
                f"--out {out}: no such folder.",
                remedy=f"Create it first (mkdir -p {out}), or pass an existing folder.",
            )
        try:
            target, digest = write(folder, bundled())
        except BuildpackMissing as exc:
            raise ConfigError(
                str(exc), remedy="Reinstall zdd-heroku (pip install zdd-heroku)."
            ) from None
        except OSError as exc:
            raise ConfigError(
                f"Can't write to {folder} ({exc.strerror or exc}).",
                remedy="Pass a folder you can write to with --out.",
            ) from None
        if json:
            print_json(
                {
                    "version": JSON_VERSION,
                    "command": "buildpack",
                    "zdd_version": __version__,
                    "path": str(target),
                    "sha256": digest,
                    "bytes": target.stat().st_size,
                    "exit_code": 0,
                }
            )
            return
        stdout, _ = consoles()
        stdout.print(
            f"Wrote {target} ({target.stat().st_size} bytes, zdd {__version__})", markup=False
        )
        stdout.print(f"sha256 {digest}  ({target.name}.sha256 beside it)", markup=False)
        stdout.print(
            "Serve it over https and pass its URL: zdd setup --buildpack https://.../"
            f"{target.name}",
            markup=False,
        )
