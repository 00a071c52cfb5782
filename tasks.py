"""Developer tasks for the zdd repository, plus the product's own `zdd` collection.

`invoke zdd --app my-app` runs setup; `invoke --list` shows everything. A user's own tasks.py needs
one line, `from zdd.tasks import with_zdd; ns = with_zdd(globals())`; see README.
"""

import sys

from invoke import Collection, task

from zdd.tasks import ns as zdd_collection

PY = sys.executable


@task(help={"args": "extra arguments for pytest, e.g. '-k sandbox -x'"})
def test(c, args=""):
    """Run the whole test suite (what CI runs), in parallel on the machine's cores."""
    c.run(f"{PY} -m pytest -n auto -q {args}", pty=False)


@task
def types(c):
    """mypy --strict on zdd's core modules and flows (the list is [tool.mypy] in pyproject.toml)."""
    c.run(f"{PY} -m mypy")


@task
def lint(c):
    """ruff for Python, shellcheck for every bash script, mypy (`invoke types`)."""
    c.run(f"{PY} -m ruff check .")
    c.run(f"{PY} -m ruff format --check .")
    c.run(f"{PY} -m tools.shellcheck_all")
    types(c)


@task(help={"port": "port to listen on (0 picks a free one)", "seed": "YAML/JSON seed file"})
def sandbox(c, port=5000, seed=""):
    """Start the local Heroku sandbox and print the HEROKU_HOST line to point zdd at it."""
    _require("sandbox", "invoke sandbox")
    seed_arg = f" --seed {seed}" if seed else ""
    c.run(f"{PY} -m zdd.sandbox --port {port}{seed_arg}", pty=False)


def _require(extra: str, command: str) -> None:
    """One line and exit 2 when an optional part is not installed (zdd.extras)."""
    from invoke import Exit

    from zdd.extras import MissingExtra, require_extra

    try:
        require_extra(extra)
    except MissingExtra as exc:
        raise Exit(f"{command}: {exc.message}", code=2) from None


@task
def demo(c):
    """The main job on the sandbox: start it with the demo app, then run zdd against it."""
    from invoke import Exit

    from zdd.demo import run_demo

    _require("sandbox", "invoke demo")
    code = run_demo()
    if code:
        raise Exit(code=code)


@task(help={"only": "run only benchmarks whose file name contains this"})
def bench(c, only=""):
    """Run the benchmarks in bench/ (results go to bench/results/)."""
    c.run(f"{PY} -m bench {only}".rstrip(), pty=False)


@task(help={"out": "folder for the tarball and its checksum"})
def buildpack(c, out="dist"):
    """Package buildpack/ as a .tgz (with a SHA-256 file) that Heroku can fetch by URL."""
    c.run(f"{PY} -m tools.package_buildpack --out {out}", pty=False)


@task
def plugin(c):
    """Build the Heroku CLI plugin (plugin/): flags regenerated from zdd, compiled, manifest."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "plugin"
    with c.cd(str(folder)):
        if not (folder / "node_modules").is_dir():
            c.run("npm ci --no-audit --no-fund", pty=False)
        c.run("node scripts/generate.mjs", env={"ZDD_PYTHON": PY}, pty=False)
        c.run("npm run build", pty=False)


ns = Collection(test, lint, types, sandbox, demo, bench, buildpack, plugin)
ns.add_collection(zdd_collection, name="zdd")
