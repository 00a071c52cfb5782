"""`zdd setup` checks the companion URL it would add (issue 8 item 2), against the sandbox."""

from cli_helpers import vector_app

ROUTE = "/__sandbox/buildpack/zdd-buildpack.tgz"


def test_a_url_that_serves_no_buildpack_blocks_setup_and_changes_nothing(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    before = env.app_state("java-basic")
    env.clear_log()
    bad = f"{env.url}/__sandbox/buildpack/missing.tgz"
    run = env.run(
        "setup", "--app", "java-basic", "--size", "Standard-1X", "--buildpack", bad, "--yes"
    )
    assert run.code == 1, run
    assert "HTTP 404" in run.out and "zdd buildpack --out DIR" in run.out
    assert env.writes() == [] and env.app_state("java-basic") == before


def test_the_sandbox_served_tarball_passes_and_is_added(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    good = env.url + ROUTE
    run = env.run(
        "setup", "--app", "java-basic", "--size", "Standard-1X", "--buildpack", good, "--yes"
    )
    assert run.code == 0, run
    assert env.app_state("java-basic")["buildpacks"][0] == good


def test_a_registry_name_is_not_fetched(sandbox_for):
    env = sandbox_for(vector_app("fresh-java-basic"))
    run = env.run(
        "setup",
        "--app",
        "java-basic",
        "--size",
        "Standard-1X",
        "--buildpack",
        "zdd-dev/zdd",
        "--dry-run",
    )
    assert run.code == 3, run
    assert "checking" not in run.err
